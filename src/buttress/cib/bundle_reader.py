"""Read a ``<bundle>``: its container (``<docker>``, ``<podman>`` or ``<rkt>``), ``<network>``
(with ``<port-mapping>``), ``<storage>`` (``<storage-mapping>``) and inner ``<primitive>``."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from buttress.model.nvsets import NvSet
from buttress.model.resources import (
    Bundle,
    BundleNetwork,
    PortMapping,
    Primitive,
    StorageMapping,
)

Element = etree._Element


def read_bundle(el: Element, primitive: Callable[[Element], Primitive],
                nvsets: Callable[[Element], tuple[NvSet, ...]]) -> Bundle:
    """The bundle ``el``; ``primitive`` reads its inner primitive, ``nvsets`` its meta
    attributes. A replica count below 1 counts as not set."""
    from buttress.cib.reader import _children, _int, _req

    container = None
    for kind in ("docker", "podman", "rkt"):
        container = el.find(kind)
        if container is not None:
            break
    prims = _children(el, "primitive")
    replicas = None
    promoted_max = 0
    per_host = 1
    if container is not None:
        if container.get("replicas") and _int(container, "replicas", 1) >= 1:
            replicas = _int(container, "replicas", 1)
        promoted_max = _int(container, "promoted-max", 0) or _int(container, "masters", 0)
        per_host = _int(container, "replicas-per-host", 1)
    return Bundle(id=_req(el, "id"),
                  container=str(container.tag) if container is not None else "docker",
                  image=container.get("image") if container is not None else None,
                  replicas=replicas,
                  child=primitive(prims[0]) if prims else None,
                  meta=nvsets(el),
                  replicas_per_host=per_host,
                  promoted_max=promoted_max,
                  network_mode=container.get("network") if container is not None else None,
                  run_command=container.get("run-command") if container is not None else None,
                  options=container.get("options") if container is not None else None,
                  network=_network(el.find("network")), storage=_storage(el.find("storage")))


def _network(el: Element | None) -> BundleNetwork | None:
    from buttress.cib.reader import _bool, _children

    if el is None:
        return None
    ports = tuple(PortMapping(id=p.get("id", ""), port=p.get("port"),
                              internal_port=p.get("internal-port"), range=p.get("range"))
                  for p in _children(el, "port-mapping"))
    return BundleNetwork(ip_range_start=el.get("ip-range-start"),
                         host_interface=el.get("host-interface"),
                         host_netmask=el.get("host-netmask"),
                         control_port=el.get("control-port"),
                         add_host=_bool(el.get("add-host"), True), port_mappings=ports)


def _storage(el: Element | None) -> tuple[StorageMapping, ...]:
    from buttress.cib.reader import _children

    return tuple(StorageMapping(id=m.get("id", ""), target_dir=m.get("target-dir", ""),
                                source_dir=m.get("source-dir"),
                                source_dir_root=m.get("source-dir-root"),
                                options=m.get("options"))
                 for m in _children(el, "storage-mapping"))

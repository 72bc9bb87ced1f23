"""Bundles: replicas of a container, each with its own IP, guest node and inner instance.

A ``<bundle>`` expands into resources named as Pacemaker names them. For replica ``i``:

- ``<bundle>-ip-<address>`` (``ocf:heartbeat:IPaddr2``) when the network sets
  ``ip-range-start`` (one address per replica, counting up from the start);
- ``<bundle>-<docker|podman|rkt>-<i>``, the container (``ocf:heartbeat:<kind>``);
- ``<bundle>-<i>``, the Pacemaker Remote connection into the container when the bundle holds
  a primitive: it is the guest node ``<bundle>-<i>``, a filler of the container;
- ``<primitive>:<i>``, instance ``i`` of the inner clone ``<bundle>-clone`` (``-master``
  when promotable), which runs on guest node ``<bundle>-<i>`` only.

The bundle itself is scheduled as a globally unique clone of its replicas (each replica a
group: IP, then container, then connection), so replicas spread over the hosts at most
``replicas-per-host`` each, constraints naming the bundle place its containers, and the
bundle has its own start/running/stop/stopped pseudo actions. The inner clone is a separate
clone assigned right after the bundle; its instances follow their containers (``bundle
_order.py``). Promotion-related constraints naming the bundle mean the inner clone.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from buttress.model.nvsets import NvSet, merge_unruled
from buttress.model.resources import Bundle, Clone, Operation, Primitive, Resource
from buttress.scheduler.bundle_params import container_params
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY
from buttress.state.history import STOPPED

#: containers and their IPs are monitored every minute, the guest connection every 30 s
CONTAINER_MONITOR_MS = 60_000
CONNECTION_MONITOR_MS = 30_000

Builder = Callable[[Resource, WRsc | None], WRsc]


def per_host(bundle: Bundle) -> int:
    """How many replicas may share a host: ``replicas-per-host``, but only replicas with
    addresses of their own can share one (without ``ip-range-start``, one per host)."""
    if bundle.network is None or not bundle.network.ip_range_start:
        return 1
    return max(bundle.replicas_per_host, 1)


def usable(bundle: Bundle) -> bool:
    """Pacemaker ignores a bundle whose primitive it could not reach: one without
    ``ip-range-start`` and without ``control-port``."""
    if bundle.child is None:
        return True
    net = bundle.network
    return net is not None and bool(net.ip_range_start or net.control_port)


def bundle_guest_names(resources: tuple[Resource, ...]) -> list[str]:
    """The guest node of every replica of every (usable) bundle that holds a primitive."""
    found: list[str] = []
    for rsc in resources:
        if isinstance(rsc, Bundle) and rsc.child is not None and usable(rsc):
            found.extend(f"{rsc.id}-{i}" for i in range(rsc.replica_count))
    return found


def replica_address(bundle: Bundle, index: int) -> str | None:
    """The IP address of replica ``index``: the range start counted up by ``index`` in its
    last octet, which runs from 1 to 254 and carries into the third (Pacemaker's rule).
    None: no IP range, an address Pacemaker cannot count up to, or not IPv4 beyond the
    first replica."""
    start = bundle.network.ip_range_start if bundle.network else None
    if not start:
        return None
    try:
        address = ipaddress.ip_address(start)
    except ValueError:
        return None
    if index == 0:
        return start
    if address.version != 4:
        return None
    octets = [int(part) for part in start.split(".")]
    for _ in range(index):
        octets[3] += 1
        if octets[3] > 254:
            octets[3] = 1
            octets[2] += 1
            if octets[2] > 255:
                return None
    return ".".join(str(part) for part in octets)


def ip_id(bundle: Bundle, address: str) -> str:
    """The IP resource's name (an IPv6 address's colons become dots)."""
    return f"{bundle.id}-ip-{address.replace(':', '.')}"


def container_id(bundle: Bundle, index: int) -> str:
    return f"{bundle.id}-{bundle.container}-{index}"


def inner_clone_id(bundle: Bundle) -> str:
    return f"{bundle.id}-{'master' if bundle.promoted_max > 0 else 'clone'}"


def replica_models(bundle: Bundle, index: int) -> list[Primitive]:
    """The primitives of one replica in start order: IP, container, connection."""
    found: list[Primitive] = []
    address = replica_address(bundle, index)
    if address is not None:
        params = [("ip", address)]
        net = bundle.network
        if net is not None and net.host_interface:
            params.append(("nic", net.host_interface))
        if net is not None and net.host_netmask:
            params.append(("cidr_netmask", net.host_netmask))
        rid = ip_id(bundle, address)
        found.append(Primitive(
            id=rid, rsc_class="ocf", provider="heartbeat", type="IPaddr2",
            instance=(NvSet(id=f"{rid}-instance_attributes", pairs=tuple(params)),),
            operations=(Operation(id=f"{rid}-monitor-60s", name="monitor",
                                  interval_ms=CONTAINER_MONITOR_MS),)))
    cid = container_id(bundle, index)
    addresses = [replica_address(bundle, i) for i in range(bundle.replica_count)]
    cparams = container_params(bundle, index, addresses)
    found.append(Primitive(
        id=cid, rsc_class="ocf", provider="heartbeat", type=bundle.container,
        instance=(NvSet(id=f"{cid}-instance_attributes", pairs=tuple(cparams.items())),),
        operations=(Operation(id=f"{cid}-monitor-60s", name="monitor",
                              interval_ms=CONTAINER_MONITOR_MS),)))
    if bundle.child is not None:
        conn_id = f"{bundle.id}-{index}"
        # without its own address the connection reaches the container through its host
        params = [("addr", address or "#uname")]
        if bundle.network is not None and bundle.network.control_port:
            params.append(("port", bundle.network.control_port))
        found.append(Primitive(
            id=conn_id, rsc_class="ocf", provider="pacemaker", type="remote",
            instance=(NvSet(id=f"{conn_id}-instance_attributes", pairs=tuple(params)),),
            meta=(NvSet(id=f"{conn_id}-meta_attributes",
                        pairs=(("container", cid), ("internal", "true"))),),
            operations=(Operation(id=f"{conn_id}-monitor-30s", name="monitor",
                                  interval_ms=CONNECTION_MONITOR_MS),)))
    return found


def inner_clone_model(bundle: Bundle) -> Clone | None:
    """The clone of the bundle's primitive, one instance per replica (None: no primitive).
    It takes the bundle's meta attributes (target-role, is-managed, ...)."""
    if bundle.child is None:
        return None
    pairs = merge_unruled(bundle.meta)
    pairs.update({"clone-max": str(bundle.replica_count), "clone-node-max": "1"})
    if per_host(bundle) > 1:
        # (replicas sharing a host make the instances distinct: histories name them)
        pairs["globally-unique"] = "true"
    if bundle.promoted_max > 0:
        pairs.update({"promotable": "true", "promoted-max": str(bundle.promoted_max),
                      "promoted-node-max": "1"})
    notify = merge_unruled(bundle.child.meta).get("notify")
    if notify is not None:
        pairs["notify"] = notify
    cid = inner_clone_id(bundle)
    return Clone(id=cid, child=bundle.child,
                 meta=(NvSet(id=f"{cid}-meta_attributes", pairs=tuple(pairs.items())),))


def expand_bundle(bundle: Bundle, outer: WRsc, build: Builder) -> WRsc | None:
    """Fill ``outer`` (the bundle, a clone working resource already carrying the bundle's
    meta attributes) with its replicas; return the inner clone (built, not yet placed)."""
    outer.extra.update({"bundle": True, "bundle_model": bundle, "unique": True, "promotable": False,
                        "clone_max": bundle.replica_count,
                        "clone_node_max": per_host(bundle),
                        "promoted_max": 0, "promoted_node_max": 0, "interleave": False,
                        "template": None})
    for index in range(bundle.replica_count):
        replica = WRsc(id=f"{bundle.id}-replica-{index}", variant="group", parent=outer,
                       meta={k: v for k, v in outer.meta.items()}, index=index)
        replica.extra["bundle_replica"] = True
        for prim in replica_models(bundle, index):
            member = build(prim, replica)
            member.extra["bundled"] = True
            if prim.id == container_id(bundle, index):
                replica.extra["container"] = member
                member.extra["container_of"] = replica
            if prim.rsc_class == "ocf" and prim.type == "remote":
                # the connection is placed after the replica, on its container's host, but
                # is no member of it: a replica that cannot be placed still has its
                # connection (and inner instance) placed, their starts then unrunnable
                member.parent = None
                member.extra["bundle_connection"] = True
                # (its recorded digests name the host it reached, not "#uname")
                member.extra["no_digest"] = True
                replica.extra["connection"] = member
                continue
            replica.children.append(member)
        outer.children.append(replica)
    model = inner_clone_model(bundle)
    if model is None:
        return None
    inner = build(model, None)
    inner.extra["bundle_inner"] = outer
    outer.extra["inner"] = inner
    for index, inst in enumerate(inner.children):
        # instance i lives in replica i's container, on its guest node
        inst.meta["container"] = container_id(bundle, index)
        inst.extra["bundle_node"] = f"{bundle.id}-{index}"
    return inner


def bundle_members(rsc: WRsc) -> list[WRsc]:
    """A resource's primitives; for a bundle also its connections and inner instances."""
    found = rsc.primitives()
    if rsc.extra.get("bundle"):
        for replica in rsc.children:
            conn = replica_connection(replica)
            if conn is not None:
                found.append(conn)
        inner = inner_of(rsc)
        if inner is not None:
            found.extend(inner.primitives())
    return found


def replica_heads(rsc: WRsc) -> list[WRsc]:
    """What a colocation with a bundle placed nowhere blocks in each replica of ``rsc``:
    its connection and inner instance, which stay placed (every primitive of anything but
    a bundle with a primitive)."""
    inner = inner_of(rsc)
    if inner is None:
        return rsc.primitives()
    found: list[WRsc] = []
    for index, replica in enumerate(rsc.children):
        conn = replica_connection(replica)
        if conn is not None:
            found.append(conn)
        if index < len(inner.children):
            found.extend(inner.children[index].primitives())
    return found


def inner_of(rsc: WRsc) -> WRsc | None:
    """The inner clone of a bundle (None: ``rsc`` is not a bundle holding a primitive)."""
    found = rsc.extra.get("inner")
    return found if isinstance(found, WRsc) else None


def instance_on_guest(inner: WRsc, node: WNode) -> WRsc | None:
    """The inner clone's instance that belongs on guest node ``node`` (None: no replica of
    the bundle has that guest node)."""
    for inst in inner.children:
        if inst.extra.get("bundle_node") == node.name:
            return inst
    return None


def keep_off_guests(cluster_nodes: list[WNode], by_id: dict[str, WRsc]) -> None:
    """Containers do not nest: no part of a replica runs on a guest node. A bundle's guest
    nodes run its inner instances and nothing else."""
    guests = [n.name for n in cluster_nodes if n.kind == "guest"]
    bundle_guests = [n.name for n in cluster_nodes if n.bundle_guest]
    for rsc in by_id.values():
        inner = rsc.extra.get("bundle_inner")
        if inner is None and rsc.parent is not None:
            inner = rsc.parent.extra.get("bundle_inner")
        if inner is not None:
            for inst in inner.extra["inner"].children:
                guest = inst.extra.get("bundle_node")
                if guest is not None:
                    rsc.allowed.setdefault(str(guest), 0)
            continue
        banned = guests if rsc.extra.get("bundled") and not rsc.extra.get(
            "bundle_connection") else bundle_guests
        for name in banned:
            rsc.allowed[name] = -INFINITY


def replica_connection(replica: WRsc) -> WRsc | None:
    found = replica.extra.get("connection")
    return found if isinstance(found, WRsc) else None


def container_runs(inst: WRsc) -> bool:
    """The container of a bundle's inner instance is placed (True for anything else)."""
    clone = inst.parent
    if clone is None or clone.extra.get("bundle_inner") is None:
        return True
    container = inst.extra.get("container")
    return isinstance(container, WRsc) and container.assigned is not None \
        and container.next_role != STOPPED


def attribute_node(inst: WRsc, node: WNode) -> WNode:
    """The node whose attributes an inner instance on guest ``node`` reads: the container's
    host when the bundle sets ``container-attribute-target=host``, else the guest itself."""
    clone = inst.parent
    outer = clone.extra.get("bundle_inner") if clone is not None else None
    if not isinstance(outer, WRsc):
        return node
    # (set on the inner primitive, or on the bundle)
    target = inst.meta.get("container-attribute-target") or outer.meta.get(
        "container-attribute-target")
    if target != "host":
        return node
    container = inst.extra.get("container")
    if not isinstance(container, WRsc):
        return node
    if container.assigned is not None:
        return container.assigned
    return container.running_on[0] if container.running_on else node


def move_promotion_scores(resources: list[WRsc]) -> None:
    """Location constraints with role Promoted on a bundle score its inner instances'
    promotion (they name guest nodes)."""
    for rsc in resources:
        inner = inner_of(rsc)
        if inner is None:
            continue
        promo = rsc.extra.pop("promotion_location", None)
        if not promo:
            continue
        own: dict[str, int] = inner.extra.setdefault("promotion_location", {})
        for name, score in promo.items():
            own[name] = own.get(name, 0) + score

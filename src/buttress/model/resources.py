"""Resources: primitives, groups, clones (promotable or not) and bundles."""

from __future__ import annotations

from dataclasses import dataclass

from buttress.model.nvsets import NvSet


@dataclass(frozen=True)
class Operation:
    """A configured operation (``<op>``); ``interval_ms`` 0 means not recurring."""

    id: str
    name: str
    interval_ms: int
    role: str | None = None
    timeout: str | None = None
    on_fail: str | None = None
    enabled: bool = True
    attributes: tuple[tuple[str, str], ...] = ()
    meta: tuple[NvSet, ...] = ()
    #: the op's own ``instance_attributes``: extra agent parameters for this operation only
    instance: tuple[NvSet, ...] = ()


@dataclass(frozen=True)
class Primitive:
    id: str
    rsc_class: str
    type: str
    provider: str | None = None
    instance: tuple[NvSet, ...] = ()
    meta: tuple[NvSet, ...] = ()
    utilization: tuple[NvSet, ...] = ()
    operations: tuple[Operation, ...] = ()
    template: str | None = None

    @property
    def agent(self) -> str:
        """``class:provider:type`` as crm_mon prints it."""
        if self.provider:
            return f"{self.rsc_class}:{self.provider}:{self.type}"
        return f"{self.rsc_class}:{self.type}"


@dataclass(frozen=True)
class Group:
    id: str
    children: tuple[Primitive, ...]
    meta: tuple[NvSet, ...] = ()
    instance: tuple[NvSet, ...] = ()    # parameters every member inherits


@dataclass(frozen=True)
class Clone:
    """A clone; ``promotable`` is set by ``<master>`` or the ``promotable`` meta attribute."""

    id: str
    child: Primitive | Group
    meta: tuple[NvSet, ...] = ()
    legacy_master: bool = False
    instance: tuple[NvSet, ...] = ()    # parameters every instance inherits


@dataclass(frozen=True)
class PortMapping:
    """``<port-mapping>``: a port (or ``range``) of the container reachable from outside."""

    id: str
    port: str | None = None
    internal_port: str | None = None
    range: str | None = None


@dataclass(frozen=True)
class StorageMapping:
    """``<storage-mapping>``: a host directory (or per-replica subdirectory of
    ``source_dir_root``) mounted into the container."""

    id: str
    target_dir: str
    source_dir: str | None = None
    source_dir_root: str | None = None
    options: str | None = None


@dataclass(frozen=True)
class BundleNetwork:
    """``<network>``: per-replica IP addresses (from ``ip_range_start``) and the port the
    cluster reaches Pacemaker Remote inside each container on."""

    ip_range_start: str | None = None
    host_interface: str | None = None
    host_netmask: str | None = None
    control_port: str | None = None
    add_host: bool = True
    port_mappings: tuple[PortMapping, ...] = ()


@dataclass(frozen=True)
class Bundle:
    """A container bundle: ``replicas`` copies of a container (``docker``, ``podman`` or
    ``rkt``), each with an optional IP address and, when ``child`` is set, a Pacemaker Remote
    connection and one instance of ``child`` running inside the container.

    ``replicas`` is what was configured (None: the default, ``promoted_max`` or 1)."""

    id: str
    container: str
    image: str | None
    replicas: int | None = None
    child: Primitive | None = None
    meta: tuple[NvSet, ...] = ()
    replicas_per_host: int = 1
    promoted_max: int = 0
    network_mode: str | None = None
    run_command: str | None = None
    options: str | None = None
    network: BundleNetwork | None = None
    storage: tuple[StorageMapping, ...] = ()

    @property
    def replica_count(self) -> int:
        if self.replicas is not None:
            return max(self.replicas, 0)
        return max(self.promoted_max, 1)


Resource = Primitive | Group | Clone | Bundle

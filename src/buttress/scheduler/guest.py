"""Guest nodes and containers.

A primitive with the meta attribute ``remote-node`` (a VM or a container) carries a *guest
node* of that name: Pacemaker Remote runs inside it and is reached through an implicit
``ocf:pacemaker:remote`` connection resource named like the node. The connection is a
*filler* of its container (meta ``container``), like any resource configured with
``container=<id>``:

- a filler runs with its container (same node) and is ordered after the container starts
  and before it stops; a filler whose container carries a guest node runs on that guest node
  instead;
- a failed filler restarts its container (default on-fail ``restart-container``);
- a guest node is up when its connection and its container are up, its container not
  failed and its container's host not lost. It needs a *reset* when its container failed,
  its host is lost, or a resource is active there while it is down. A guest is never
  fenced by a fence device: the reset is the recovery of its container, and the guest's
  "fencing" is a pseudo action ordered after the container's stop;
- whether a guest can take resources in this transition follows its connection's
  assignment (assigned and not stopping: it will be up; otherwise it shuts down).
"""

from __future__ import annotations

from buttress.model.nvsets import NvSet, merge_unruled
from buttress.model.resources import Group, Operation, Primitive, Resource
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY
from buttress.state.history import STARTED, STOPPED

#: the guest node's connection is monitored every 30 s
CONNECTION_MONITOR_MS = 30_000


def guest_definitions(resources: tuple[Resource, ...]) -> list[tuple[str, Primitive]]:
    """(guest node name, container primitive) in configuration order: top-level primitives
    and group members that set ``remote-node``."""
    found: list[tuple[str, Primitive]] = []
    for rsc in resources:
        members: tuple[Primitive, ...] = ()
        if isinstance(rsc, Primitive):
            members = (rsc,)
        elif isinstance(rsc, Group):
            members = rsc.children
        for prim in members:
            name = merge_unruled(prim.meta).get("remote-node")
            if name and all(name != known for known, _ in found):
                found.append((name, prim))
    return found


def connection_model(name: str, container: Primitive) -> Primitive:
    """The implicit connection primitive of the guest node ``name`` inside ``container``.

    Its parameters are exactly the configured ``remote-addr``/``remote-port`` (they are what
    its recorded digests were computed from); ``remote-connect-timeout`` is its start
    timeout; ``remote-allow-migrate`` and ``is-managed`` carry over as its own meta."""
    meta = merge_unruled(container.meta)
    pairs: list[tuple[str, str]] = [("container", container.id), ("internal", "true")]
    if "remote-allow-migrate" in meta:
        pairs.append(("allow-migrate", meta["remote-allow-migrate"]))
    if "is-managed" in meta:
        pairs.append(("is-managed", meta["is-managed"]))
    params: list[tuple[str, str]] = []
    if "remote-addr" in meta:
        params.append(("addr", meta["remote-addr"]))
    if "remote-port" in meta:
        params.append(("port", meta["remote-port"]))
    ops = [Operation(id=f"{name}-monitor-interval-30s", name="monitor",
                     interval_ms=CONNECTION_MONITOR_MS, timeout="30s")]
    timeout = meta.get("remote-connect-timeout")
    if timeout:
        ops.append(Operation(id=f"{name}-start-interval-0", name="start", interval_ms=0,
                             timeout=timeout))
    return Primitive(id=name, rsc_class="ocf", provider="pacemaker", type="remote",
                     instance=(NvSet(id=f"{name}-instance_attributes", pairs=tuple(params)),),
                     meta=(NvSet(id=f"{name}-meta_attributes", pairs=tuple(pairs)),),
                     operations=tuple(ops))


def container_of(rsc: WRsc) -> WRsc | None:
    """The container a filler (or a guest connection) is tied to."""
    found = rsc.extra.get("container")
    return found if isinstance(found, WRsc) else None


def fillers_of(rsc: WRsc) -> list[WRsc]:
    found: list[WRsc] = rsc.extra.get("fillers", [])
    return found


def guest_connection(container: WRsc) -> WRsc | None:
    """The connection of the guest node ``container`` carries (None: it carries none)."""
    found = container.extra.get("guest_connection")
    return found if isinstance(found, WRsc) else None


def guest_connection_of(rsc: WRsc) -> bool:
    """``rsc`` is the implicit connection of a guest node."""
    container = container_of(rsc)
    return container is not None and guest_connection(container) is rsc


def link_containers(by_id: dict[str, WRsc]) -> None:
    """Tie every primitive with meta ``container`` to the resource it names (once; a
    remote connection tied so is the connection of the guest node its container carries)."""
    for rsc in list(by_id.values()):
        if rsc.variant != "primitive" or "container" in rsc.extra:
            continue
        name = rsc.meta.get("container")
        container = by_id.get(name) if name else None
        if container is None or container is rsc:
            continue
        rsc.extra["container"] = container
        container.extra.setdefault("fillers", []).append(rsc)
        if (rsc.rsc_class, rsc.provider, rsc.type) == ("ocf", "pacemaker", "remote"):
            container.extra["guest_connection"] = rsc


def guest_state(node: WNode, conn: WRsc, container: WRsc, failed: set[int]) -> None:
    """Decide a guest node's state from its connection and container (their history is
    known). ``failed`` holds the ids of resources with a failure that calls for recovery."""
    host_lost = any(not h.online and h.unclean for h in container.running_on)
    node.online = (conn.role == STARTED and container.role != STOPPED
                   and id(container) not in failed and id(conn) not in failed
                   and not host_lost)
    if id(container) in failed or host_lost:
        node.reset = True


def restrict_guest_placement(nodes: list[WNode], by_id: dict[str, WRsc]) -> None:
    """A guest's container runs on cluster nodes only (no nesting of guests); the other
    fillers of such a container run on its guest node only."""
    remote_names = [n.name for n in nodes if n.is_remote]
    for container in by_id.values():
        conn = guest_connection(container)
        if conn is None:
            continue
        for name in remote_names if not container.extra.get("bundled") else ():
            # (a bundle's container may run on a remote node: bundle.py keeps it off guests)
            container.allowed[name] = -INFINITY
        for filler in fillers_of(container):
            if filler is conn:
                continue
            for node in nodes:
                if node.name != conn.id:
                    filler.allowed[node.name] = -INFINITY


def runs_with_container(rsc: WRsc) -> WRsc | None:
    """The container ``rsc`` is colocated with and ordered within (None: not a filler, or
    a filler placed on its container's guest node instead)."""
    container = container_of(rsc)
    if container is None:
        return None
    conn = guest_connection(container)
    if conn is not None and conn is not rsc:
        return None
    return container

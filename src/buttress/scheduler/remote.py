"""Remote nodes: compute nodes reached through an ``ocf:pacemaker:remote`` connection.

A remote node exists for every connection resource (and every ``<node type="remote">``).
Its state follows its connection: connected -> online; connection failed -> unclean
("remote connection is unrecoverable"), so it is fenced before its resources run elsewhere
(without fencing it is merely offline, and what it ran counts as stopped); not connected
yet -> available for placement, its resources start once the connection has (what its own
status says runs there stays, unless no cluster node can re-establish the connection: then
it is fenced). A connection with a reconnect_interval that failed keeps its node lost until
the node is fenced, and waits while its fail count lasts.
A connection never runs on a remote node, and neither does a fence device.
"""

from __future__ import annotations

from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY
from buttress.state.history import STOPPED, is_failed
from buttress.timeutil import parse_interval_ms


def is_connection(rsc: WRsc) -> bool:
    return (rsc.variant == "primitive" and rsc.rsc_class == "ocf"
            and rsc.provider == "pacemaker" and rsc.type == "remote")


def connections(cluster: Cluster) -> dict[str, WRsc]:
    """Remote node name -> its connection resource (guest connections are not included)."""
    found: dict[str, WRsc] = {}
    for rsc in cluster.by_id.values():
        if is_connection(rsc) and not rsc.is_clone_instance and "container" not in rsc.extra:
            found[rsc.id] = rsc
    return found


def add_implicit_nodes(cluster: Cluster) -> None:
    """Connection resources define remote nodes, and ``remote-node`` meta attributes guest
    nodes, even without a ``<node>`` entry (added in the order of the resources)."""
    from buttress.model.cib import iter_primitives
    from buttress.scheduler.guest import guest_definitions

    config = cluster.cib.configuration
    guests = dict(guest_definitions(config.resources))
    remote_ids = {p.id for p in iter_primitives(config.resources)
                  if (p.rsc_class, p.provider, p.type) == ("ocf", "pacemaker", "remote")}
    from buttress.model.resources import Bundle
    from buttress.scheduler.bundle import bundle_guest_names

    for rsc in config.resources:
        prims = iter_primitives((rsc,)) if not isinstance(rsc, Bundle) else []
        for prim in prims:
            names = [name for name, container in guests.items() if container is prim]
            if prim.id in remote_ids:
                names.append(prim.id)
            for name in names:
                _add_node(cluster, name, "guest" if name in guests else "remote")
        for name in bundle_guest_names((rsc,)):
            _add_node(cluster, name, "guest")
            cluster.node_by_name[name].bundle_guest = True


def add_orphan_remote_node(cluster: Cluster, conn: WRsc) -> None:
    """A connection known only from the history still defines its node, which shuts down
    with it (a guest node if the connection names its container)."""
    _add_node(cluster, conn.id, "guest" if conn.meta.get("container") else "remote")
    node = cluster.node_by_name[conn.id]
    node.remote_rsc = conn.id
    node.shutdown = True


def _add_node(cluster: Cluster, name: str, kind: str) -> None:
    if name in cluster.node_by_name:
        cluster.node_by_name[name].kind = kind
        return
    node = WNode(name=name, id=name, kind=kind, index=len(cluster.nodes), configured=False)
    node.attrs = {"#uname": name, "#id": name, "#is_dc": "false",
                  "#kind": "container" if kind == "guest" else "remote"}
    state = next((s for s in cluster.cib.status.nodes if s.uname == name), None)
    if state is not None:
        node.attrs.update(state.attributes)
    node.seen = state is not None
    cluster.nodes.append(node)
    cluster.node_by_name[name] = node


def settle_remote_nodes(cluster: Cluster) -> None:
    """Decide each remote node's state from its connection (after its history is read)."""
    conns = connections(cluster)
    guests = {r.meta.get("remote-node") for r in cluster.by_id.values()}
    for unreached in cluster.nodes:
        if unreached.kind == "remote" and unreached.seen and unreached.name not in conns \
                and unreached.name not in guests:
            # a remote node no connection reaches: what it ran is in an unknown state
            unreached.online = False
            unreached.unclean = True
    for name, conn in conns.items():
        node = cluster.node_by_name.get(name)
        if node is None or conn.orphan:
            continue
        node.remote_rsc = conn.id
        # a connection that failed after it was up (not one that never started) loses the
        # node: what ran there is in an unknown state until the node is fenced
        failed = any(h.failure is not None and h.active
                     and h.failure.op.operation not in ("start", "migrate_from")
                     for h in conn.history.values())
        disabled = conn.meta.get("target-role", "Started").lower() == "stopped"
        if conn.running_on and failed and not cluster.fencing_enabled:
            # without fencing the node is merely offline: what it ran counts as stopped
            node.online = False
            conn.extra["node_forgotten"] = True
        elif (conn.running_on and failed) or _lost_until_fenced(cluster, conn, name):
            node.online = False
            node.unclean = True
            node.fence_reason = "remote connection is unrecoverable"
            conn.extra["reconnect_hold"] = reconnect_s(conn) > 0
        elif conn.running_on and _failed_start(conn) and \
                (active := _active_there(cluster, name)) is not None:
            # the connection could not be re-established while the node's own status says
            # resources run there: they must be fenced before they start elsewhere
            node.online = False
            node.unclean = True
            node.fence_reason = f"{active} is thought to be active there"
        elif conn.running_on:
            node.online = not disabled
        elif (active := _active_there(cluster, name)) and not _host_for(cluster, conn):
            # its connection is gone, with no node to re-establish it, while the node's own
            # status says it runs resources: only fencing makes them safe to start elsewhere
            node.online = False
            node.unclean = True
            node.fence_reason = (f"{active} is active there (fencing will be revoked if "
                                 "remote connection can be re-established elsewhere)")
        else:
            # (what the node's status says it runs stays there while the connection is
            # re-established)
            node.online = not disabled and conn.managed
        if not node.unclean and _waiting_to_reconnect(cluster, conn):
            # the connection stays (or goes) down: nothing can run on the node meanwhile
            conn.extra["reconnect_hold"] = True
            node.online = False
        node.standby = node.standby or node.attrs.get("standby", "").lower() in ("on", "true")


def reconnect_s(conn: WRsc) -> int:
    """A remote connection's reconnect_interval in seconds (0: none, or not a connection)."""
    if not is_connection(conn):
        return 0
    text = conn.params.get("reconnect_interval")
    if not text:
        return 0
    try:
        return parse_interval_ms(text) // 1000
    except ValueError:
        return 0


def _lost_until_fenced(cluster: Cluster, conn: WRsc, name: str) -> bool:
    """A connection with a reconnect_interval that failed once it was up loses its node
    until the node is fenced, whether the connection was stopped or brought back since:
    the node's ``node_fenced`` stamp clears that."""
    if not _failed_once_up(conn):
        return False
    state = next((s for s in cluster.cib.status.nodes if s.uname == name), None)
    return state is None or state.node_fenced <= 0


def _failed_once_up(conn: WRsc) -> bool:
    """A connection with a reconnect_interval has a failure on record other than of a start
    (a failed start never brought the node up)."""
    return reconnect_s(conn) > 0 and any(
        is_failed(op) and op.operation not in ("start", "migrate_from", "notify")
        for h in conn.history.values() for op in h.ops)


def _waiting_to_reconnect(cluster: Cluster, conn: WRsc) -> bool:
    """Such a failed connection is not started again while its fail count lasts (it
    expires reconnect_interval after its ``last-failure``; none at all: no wait)."""
    from buttress.scheduler.placement import failcount

    return _failed_once_up(conn) and any(
        failcount(cluster, conn, node) > 0 for node in cluster.nodes)


def restrict_placement(cluster: Cluster) -> None:
    """Connections and fence devices run on cluster nodes only; a held connection nowhere."""
    remote_names = [n.name for n in cluster.nodes if n.is_remote]
    if not remote_names:
        return
    for rsc in cluster.by_id.values():
        if rsc.variant != "primitive":
            continue
        if is_connection(rsc) or rsc.rsc_class == "stonith":
            for name in remote_names:
                rsc.allowed[name] = -INFINITY
        if rsc.extra.get("reconnect_hold"):
            for node in cluster.nodes:
                rsc.allowed[node.name] = -INFINITY


def _failed_start(conn: WRsc) -> bool:
    return any(h.failure is not None and h.active and h.failure.op.operation == "start"
               for h in conn.history.values())


def lose_unreachable(cluster: Cluster) -> None:
    """Once connections are placed: a connection up on a lost host that cannot be
    re-established anywhere loses its node, which is fenced if its status says resources
    are active there, or says nothing of them."""
    for name, conn in connections(cluster).items():
        node = cluster.node_by_name.get(name)
        if node is None or node.unclean or conn.assigned is not None or conn.orphan:
            continue
        if _failed_start(conn) and cluster.can_fence():
            # a connection whose start failed and that can start nowhere else
            node.online = False
            node.unclean = True
            node.fence_reason = "the connection is unrecoverable"
            continue
        if not any(host.unclean for host in conn.running_on):
            continue
        node.online = False
        state = next((s for s in cluster.cib.status.nodes if s.uname == name), None)
        if state is not None and not state.has_lrm:
            reason = "resources are in unknown state and connection is unrecoverable"
        elif _active_there(cluster, name) is not None:
            reason = "resources are active but connection is unrecoverable"
        else:
            continue  # nothing there: the node is just gone
        node.unclean = True
        node.fence_reason = reason


def _active_there(cluster: Cluster, name: str) -> str | None:
    """The first resource the remote node's own status says is active there."""
    from buttress.state.history import replay

    for state in cluster.cib.status.nodes:
        if state.uname == name:
            return next((lrm.id for lrm in state.history if replay(lrm.ops).active), None)
    return None


def _host_for(cluster: Cluster, conn: WRsc) -> bool:
    """Whether some cluster node could take the connection now."""
    disabled = conn.meta.get("target-role", "Started").lower() == "stopped"
    return conn.managed and not disabled and any(
        n.kind == "member" and n.online and not n.unclean and not n.standby
        and not n.maintenance for n in cluster.nodes)


def connection_state(conn: WRsc) -> str:
    """How a remote node's connection stands, which decides how actions there are ordered
    around it: "alive" (up on a healthy host and staying up), "resting" (up on a host that
    is lost, to be re-established elsewhere first), "unknown" (down now, coming up),
    "stopped" (cleanly going away) or "failed" (gone for good with its host, or failed)."""
    host = conn.running_on[0] if conn.running_on else None
    if conn.next_role == STOPPED or conn.assigned is None:
        if host is not None and host.unclean:
            return "failed"
        return "failed" if conn.failed else "stopped"
    if host is None:
        return "unknown"
    if host.unclean or not host.online:
        return "resting"
    return "alive"

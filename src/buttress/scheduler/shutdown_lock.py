"""Shutdown locks: with ``shutdown-lock``, a cleanly shut down node keeps its resources.

Contract: ``apply_shutdown_locks(cluster)`` runs after placement. Where the cluster option is
on, a resource active on a node that is shutting down (its ``shutdown`` attribute set), or
recorded as locked (``shutdown-lock`` on its history) on a node that is down or came back,
may run on no other node: it stops where it is and waits for that node to come back. A
lock older than ``shutdown-lock-limit`` (when set) has expired. Fence devices, remote
connections and clone instances are never locked.
"""

from __future__ import annotations

from buttress.scheduler.remote import is_connection
from buttress.scheduler.unpack import Cluster, interval_of
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY
from buttress.state.nodes import truthy


def apply_shutdown_locks(cluster: Cluster) -> None:
    if not truthy(cluster.prop("shutdown-lock", "false")):
        return
    limit_s = interval_of(cluster.prop("shutdown-lock-limit", "0")) // 1000
    recorded = _recorded_locks(cluster)
    for rsc in list(cluster.by_id.values()):
        if not _lockable(rsc):
            continue
        node = _lock_node(cluster, rsc, recorded)
        if node is None:
            continue
        node_name, since = node
        if limit_s > 0 and cluster.now >= since + limit_s:
            continue
        for locked in _with_group(rsc):
            locked.allowed = {name: (score if name == node_name else -INFINITY)
                              for name, score in locked.allowed.items()}
            locked.allowed.setdefault(node_name, 0)
            locked.extra["locked_to"] = node_name


def _lockable(rsc: WRsc) -> bool:
    return (rsc.variant == "primitive" and not rsc.orphan and rsc.rsc_class != "stonith"
            and not is_connection(rsc) and rsc.clone_parent() is None
            and "container" not in rsc.extra)


def _with_group(rsc: WRsc) -> list[WRsc]:
    """The resource, and the group it is a member of (which is placed as a whole)."""
    found = [rsc]
    if rsc.parent is not None and rsc.parent.variant == "group":
        found.append(rsc.parent)
    return found


def _recorded_locks(cluster: Cluster) -> dict[tuple[str, str], int]:
    """(node, history id) -> when the lock was taken, for histories recorded as locked."""
    return {(state.uname, lrm.id): lrm.shutdown_lock
            for state in cluster.cib.status.nodes for lrm in state.history
            if lrm.shutdown_lock is not None}


def _lock_node(cluster: Cluster, rsc: WRsc,
               recorded: dict[tuple[str, str], int]) -> tuple[str, int] | None:
    """The node the resource is locked to and since when, if any."""
    for node in rsc.running_on:
        since = _shutting_down_since(node)
        if since is not None:
            return node.name, since
    for node in cluster.nodes:
        if node.unclean:
            continue
        # (a node that came back keeps the lock until the resource starts there again)
        since_recorded = recorded.get((node.name, rsc.history_ids.get(node.name, rsc.id)))
        if since_recorded is not None:
            return node.name, since_recorded
    return None


def _shutting_down_since(node: WNode) -> int | None:
    if not node.shutdown or not node.online or node.unclean:
        return None
    try:
        return int(node.attrs.get("shutdown", "0"))
    except ValueError:
        return None

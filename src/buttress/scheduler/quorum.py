"""Without quorum (no-quorum-policy=stop): which stops a blocked start brings about.

A resource whose start cannot run for want of quorum is stopped where it runs, as a
restart that cannot complete. Pacemaker decides this while it spreads runnability along
the orderings, and only where the stop itself can still run at that moment. Stops on a
remote node whose connection must first be re-established away from a lost host (they
wait for the connection's start, which cannot run without quorum either) are therefore
normally left alone: nothing is done there, not even a blocked stop.

Pacemaker looks at some of them earlier, though: before it spreads orderings it blocks
the starts of whatever is colocated (mandatorily) with a resource none of whose instances
can start. A clone so blocked, whose start is ordered after another collective resource's
start, has its instances' starts looked at right away, while their stops still seem
runnable: those stops become required (and blocked, waiting for the connection).
"""

from __future__ import annotations

from buttress.scheduler.remote import connection_state
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, parse_score


def effective_requires(cluster: Cluster, rsc: WRsc) -> str:
    """What a resource's start waits for: its ``requires`` meta-attribute, else "quorum"
    for a fence device, "fencing" where fencing is enabled, "nothing" where quorum is
    ignored, else "quorum"."""
    configured = rsc.meta.get("requires")
    if configured:
        return configured.lower()
    if rsc.rsc_class == "stonith":
        return "quorum"
    if cluster.fencing_enabled:
        return "fencing"
    return "nothing" if cluster.no_quorum_policy == "ignore" else "quorum"


def quorum_blocks_start(cluster: Cluster, rsc: WRsc) -> str | None:
    """Why a start may not happen without quorum (None: it may)."""
    if cluster.have_quorum or cluster.no_quorum_policy == "ignore":
        return None
    if rsc.meta.get("requires", "").lower() == "nothing":
        return None
    if cluster.no_quorum_policy == "freeze":
        return None if rsc.running_on else "quorum freeze"
    if cluster.no_quorum_policy == "demote":
        clone = rsc.clone_parent()
        if clone is not None and clone.extra.get("promotable"):
            return None  # promotable instances keep running, demoted
    return "no quorum"


def stop_waits_for_connection(cluster: Cluster, node: WNode) -> bool:
    """A stop on ``node`` must wait for the node's connection to be re-established."""
    if node.kind != "remote" or node.remote_rsc is None:
        return False
    conn = cluster.by_id.get(node.remote_rsc)
    return conn is not None and connection_state(conn) in ("resting", "unknown")


def stop_for_blocked_start(cluster: Cluster, rsc: WRsc, node: WNode) -> bool:
    """Whether ``rsc``'s quorum-blocked start makes it stop on ``node``."""
    if not stop_waits_for_connection(cluster, node):
        return True
    return _looked_at_early(cluster, rsc)


def _looked_at_early(cluster: Cluster, rsc: WRsc) -> bool:
    clone = rsc.clone_parent()
    if clone is None or clone.parent is not None:
        return False
    return _blocked_by_colocation(cluster, clone) and _ordered_after_collective(cluster, clone)


def _blocked_by_colocation(cluster: Cluster, clone: WRsc) -> bool:
    """``clone`` is mandatorily colocated with a resource none of whose starts can run."""
    for coloc in cluster.cib.configuration.colocations:
        if coloc.sets or parse_score(coloc.score) < INFINITY:
            continue
        if clone not in cluster.resolve(coloc.rsc):
            continue
        for primary in cluster.resolve(coloc.with_rsc):
            prims = primary.primitives()
            if prims and all(p.assigned is None or quorum_blocks_start(cluster, p)
                             for p in prims):
                return True
    return False


def _ordered_after_collective(cluster: Cluster, clone: WRsc) -> bool:
    """``clone``'s start is mandatorily ordered after a clone's or group's start."""
    for order in cluster.cib.configuration.orders:
        if order.sets or not order.require_all:
            continue
        kind = (order.kind or "").lower()
        if kind in ("optional", "serialize") or (
                not kind and order.score is not None and parse_score(order.score) == 0):
            continue
        if (order.first_action or "start") != "start" or \
                (order.then_action or order.first_action or "start") != "start":
            continue
        if clone not in cluster.resolve(order.then):
            continue
        firsts = cluster.resolve(order.first)
        if any(f.variant in ("clone", "group") and parse_score(
                f.meta.get("clone-min"), 0) <= 0 for f in firsts):
            return True
    return False

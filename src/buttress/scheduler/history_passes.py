"""Which nodes' operation histories are read in which pass of unpack.

A remote node's state follows its connection, a guest's its connection and container, so
histories are read kind by kind: cluster members first, then remote nodes, then guests.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from buttress.model.status import NodeState
from buttress.scheduler.working import WNode, WRsc

if TYPE_CHECKING:
    from buttress.scheduler.unpack import Cluster


def history_nodes(cluster: Cluster, kind: str) -> list[tuple[WNode, NodeState]]:
    """Nodes of ``kind`` whose history counts, in reading order: nodes that are up (a remote
    node whose connection can be re-established keeps what it runs) or unclean (their
    resources need fencing); with fencing enabled also members that are down (what they
    still seem to run gets them fenced); guests whose connection and container run, then,
    with fencing enabled, the other guests (what is active on a guest that is down is
    recovered by resetting it)."""
    found = []
    later = []   # guests that are down: read after those that are up
    for state in cluster.cib.status.nodes:
        node = cluster.node_by_name.get(state.uname) or next(
            (n for n in cluster.nodes if n.id == state.id), None)
        if node is None or node.kind != kind:
            continue
        conn = cluster.by_id.get(node.remote_rsc) if node.remote_rsc else None
        if kind == "guest":
            container = conn.extra.get("container") if conn is not None else None
            up = conn is not None and bool(conn.running_on) and isinstance(container, WRsc) \
                and bool(container.running_on)
            if up:
                found.append((node, state))
            elif cluster.fencing_enabled:
                later.append((node, state))
        elif kind == "remote":
            if conn is not None and conn.extra.get("node_forgotten"):
                continue
            if (conn is not None and conn.running_on) or (
                    (node.online or node.unclean) and cluster.fencing_enabled):
                # (without fencing, what a node whose connection is down seems to run
                # counts as stopped)
                found.append((node, state))
        elif node.online or node.unclean or cluster.fencing_enabled:
            # (with fencing, what a lost member still seems to run gets it fenced)
            found.append((node, state))
    return found + later

"""Placing a bundle's replicas: where containers lean, where connections run, and what a
colocation with a role of the bundle follows (see ``bundle.py`` for the model).

The replicas' containers are placed as the instances of a clone (the bundle); then each
replica's connection goes where its container's host is reached from, and the bundle's
inner clone is placed on the guests (``Assigner``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from buttress.scheduler.bundle import inner_of, replica_connection
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, add
from buttress.state.history import STOPPED

if TYPE_CHECKING:
    from buttress.scheduler.assign import Assigner

#: how much a new container leans away from remote nodes: its connection's ban from them,
#: taken in at a hundredth (Pacemaker's scores show -10000)
REMOTE_LEANING = 10_000


def lean_off_remote_nodes(bundle: WRsc, weights: dict[str, int], nodes: dict[str, WNode],
                          limit: dict[str, int]) -> dict[str, int]:
    """A new replica's container takes in its connection's dislike of remote nodes (which
    no connection runs on), scaled down to REMOTE_LEANING; dropped when that would leave
    it no node within ``limit`` (so a replica can still land on a remote node)."""
    if inner_of(bundle) is None:
        return weights
    merged = {name: add(score, -REMOTE_LEANING)
              if name in nodes and nodes[name].kind == "remote" else score
              for name, score in weights.items()}
    for name, score in merged.items():
        node = nodes.get(name)
        if score >= 0 and node is not None and node.can_run() and limit.get(name, 0) > 0:
            return merged
    return weights


def hosts_in_role(bundle: WRsc, role: str) -> list[WNode]:
    """Where the containers run whose inner instance is to be in ``role`` (what is
    colocated with a role of a bundle goes to those hosts)."""
    inner = inner_of(bundle)
    found: list[WNode] = []
    if inner is None:
        return found
    for inst in inner.children:
        container = inst.extra.get("container")
        if inst.assigned is None or inst.next_role != role or not isinstance(container, WRsc):
            continue
        if container.assigned is not None and container.assigned not in found:
            found.append(container.assigned)
    return found


def connection_host(replica: WRsc, nodes: dict[str, WNode],
                    by_id: dict[str, WRsc]) -> WNode | None:
    """Where the replica's connection must run: the host of its placed container, or, for
    a container on a remote node, where that node's connection runs (None: the container
    is not placed, the connection may go anywhere it could run)."""
    container = replica.extra.get("container")
    if not isinstance(container, WRsc) or container.assigned is None \
            or container.next_role == STOPPED:
        return None
    host = container.assigned
    if host.is_remote and host.remote_rsc is not None:
        conn = by_id.get(host.remote_rsc)
        return conn.assigned if conn is not None else None
    return host


def place_connections(assigner: Assigner, bundle: WRsc) -> None:
    """Each replica's connection runs where its container's host is reached from (placed
    by its own scores when the container has no host), then the inner clone is placed."""
    for replica in bundle.children:
        conn = replica_connection(replica)
        if conn is None:
            continue
        host = connection_host(replica, assigner.nodes, assigner.cluster.by_id)
        if host is not None:
            for name in conn.allowed:
                if name != host.name:
                    conn.allowed[name] = -INFINITY
        assigner.assign(conn)
    inner = inner_of(bundle)
    if inner is not None:
        # (what is colocated with a role of the bundle needs its promotions)
        assigner.assign(inner)

"""The order resources are placed in (and listed in the summary) under a placement strategy.

With the default strategy resources keep their configuration order, higher priority first.
With a placement strategy capacities are spent as resources are placed, so the order
matters more and is refined: higher priority first; then the higher score on the node a
resource runs on now, if that node can still take resources (its own scores with those of
what it must be placed with); then the higher score on the first node where two resources
differ, taking nodes that can take resources first, then those with most free capacity.
Resources alike keep their configuration order.
"""

from __future__ import annotations

import functools

from buttress.scheduler.colocation import Coloc, merge_scaled
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.utilization import more_free, strategy, unpack_utilization
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, add


def _own(rsc: WRsc) -> dict[str, int]:
    """A resource's own node scores: a group's are its first member's, with its own."""
    if rsc.variant == "group" and rsc.children:
        first = rsc.children[0].allowed
        return {n: add(w, first.get(n, 0)) for n, w in rsc.allowed.items()}
    return dict(rsc.allowed)


def _merged(cluster: Cluster, rsc: WRsc, this_with: dict[int, list[Coloc]],
            seen: frozenset[int]) -> dict[str, int]:
    """Own scores plus, scaled by colocation score, those of what it is placed with."""
    weights = _own(rsc)
    seen = seen | {id(rsc)}
    for coloc in this_with.get(id(rsc), []):
        primary = coloc.primary
        if id(primary) in seen or coloc.dependent_role is not None \
                or coloc.primary_role is not None or coloc.score == 0:
            continue
        weights = merge_scaled(weights, _merged(cluster, primary, this_with, seen),
                               coloc.score / INFINITY, cluster.node_by_name,
                               coloc.node_attribute)
    return weights


def _node_order(cluster: Cluster) -> list[WNode]:
    def compare(a: WNode, b: WNode) -> int:
        if a.can_run() != b.can_run():
            return -1 if a.can_run() else 1
        capacity = more_free(a, b)
        if capacity:
            return capacity
        return -1 if a.name < b.name else (1 if a.name > b.name else 0)

    return sorted(cluster.nodes, key=functools.cmp_to_key(compare))


def sort_for_allocation(cluster: Cluster, colocs: list[Coloc]) -> None:
    """Sort ``cluster.resources`` (stably) into the order they are placed in."""
    if strategy(cluster) == "default":
        cluster.resources.sort(key=lambda r: -r.priority)
        return
    unpack_utilization(cluster)
    this_with: dict[int, list[Coloc]] = {}
    for coloc in colocs:
        this_with.setdefault(id(coloc.dependent), []).append(coloc)
    names = [n.name for n in _node_order(cluster)]
    info: dict[int, tuple[int, int, list[int]]] = {}
    for rsc in cluster.resources:
        weights = _merged(cluster, rsc, this_with, frozenset())
        current = [n for p in rsc.primitives() for n in p.running_on]
        # (a node that can no longer take resources counts for nothing)
        here = weights.get(current[0].name, -INFINITY) \
            if current and current[0].can_run() else -INFINITY
        info[id(rsc)] = (rsc.priority, here, [weights.get(n, -INFINITY) for n in names])

    def compare(a: WRsc, b: WRsc) -> int:
        pa, ha, va = info[id(a)]
        pb, hb, vb = info[id(b)]
        if pa != pb:
            return -1 if pa > pb else 1
        if ha != hb:
            return -1 if ha > hb else 1
        for wa, wb in zip(va, vb, strict=True):
            if wa != wb:
                return -1 if wa > wb else 1
        return 0

    cluster.resources.sort(key=functools.cmp_to_key(compare))

"""Utilization and placement-strategy: node capacities versus what resources use.

With placement-strategy "utilization", "balanced" or "minimal" a node takes a resource only
while it has the capacity for every attribute the resource uses (an attribute a node does
not define is no capacity). Among nodes with equal scores, "balanced" prefers the node with
more free capacity, "minimal" fills nodes in order rather than spreading, "utilization"
spreads by resource count as the default strategy does.
"""

from __future__ import annotations

from buttress.scheduler.rules import RuleContext, resolve_nvsets
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import parse_score


def strategy(cluster: Cluster) -> str:
    return cluster.prop("placement-strategy", "default").lower()


def unpack_utilization(cluster: Cluster) -> None:
    """Fill each primitive's utilization and each node's free capacity."""
    from buttress.model.cib import iter_primitives

    by_base = {p.id: p for p in iter_primitives(cluster.cib.configuration.resources)}
    ctx = RuleContext(now=cluster.now)
    for rsc in cluster.by_id.values():
        if rsc.variant != "primitive":
            continue
        prim = by_base.get(str(rsc.extra.get("base_id", rsc.id)))
        if prim is None:
            continue
        used = {k: parse_score(v) for k, v in resolve_nvsets(prim.utilization, ctx).items()}
        rsc.extra["utilization"] = {k: v for k, v in used.items() if v > 0}
    for node in cluster.nodes:
        node.extra_free = dict(node.utilization)


def needs(rsc: WRsc) -> dict[str, int]:
    """What a resource (with its members) uses."""
    total: dict[str, int] = {}
    for prim in rsc.primitives():
        for key, value in prim.extra.get("utilization", {}).items():
            total[key] = total.get(key, 0) + value
    return total


def free(node: WNode) -> dict[str, int]:
    return node.extra_free


def fits(node: WNode, want: dict[str, int]) -> bool:
    have = free(node)
    return all(have.get(key, 0) >= value for key, value in want.items())


def consume(node: WNode, rsc: WRsc) -> None:
    have = free(node)
    for key, value in rsc.extra.get("utilization", {}).items():
        have[key] = have.get(key, 0) - value


def more_free(a: WNode, b: WNode) -> int:
    """Negative when ``a`` has more free capacity than ``b`` in more attributes."""
    fa, fb = free(a), free(b)
    score = 0
    for key in set(fa) | set(fb):
        if fa.get(key, 0) > fb.get(key, 0):
            score -= 1
        elif fa.get(key, 0) < fb.get(key, 0):
            score += 1
    return score

"""Colocation constraints unpacked into dependent -> primary pairs, and their effects."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from buttress.model.constraints import Colocation
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, add, parse_score
from buttress.state.history import PROMOTED, UNPROMOTED


@dataclass(frozen=True)
class Coloc:
    """``dependent`` is placed relative to ``primary`` with ``score``."""

    id: str
    dependent: WRsc
    primary: WRsc
    score: int
    dependent_role: str | None = None
    primary_role: str | None = None
    node_attribute: str = "#uname"
    influence: bool = True


def _role(role: str | None) -> str | None:
    return {"Master": PROMOTED, "Slave": UNPROMOTED, "Promoted": PROMOTED,
            "Unpromoted": UNPROMOTED}.get(role or "")


def unpack_colocations(cluster: Cluster) -> list[Coloc]:
    found: list[Coloc] = []
    for con in cluster.cib.configuration.colocations:
        found.extend(_one(cluster, con))
    from buttress.scheduler.guest import runs_with_container

    for rsc in cluster.by_id.values():
        container = runs_with_container(rsc)
        if container is not None and not rsc.extra.get("bundle_connection"):
            # (a bundle's connection is placed on its container's host by bundle.py)
            # a filler (or a guest's connection) runs where its container runs
            found.append(Coloc(f"{rsc.id}-with-container", rsc, container, INFINITY))
    return found


def _influence(con: Colocation, dependent: WRsc) -> bool:
    if con.influence is not None:
        return con.influence
    return dependent.meta.get("critical", "true").lower() not in ("false", "no", "0", "off")


def _one(cluster: Cluster, con: Colocation) -> list[Coloc]:
    score = parse_score(con.score)
    if not con.sets:
        deps, prims = cluster.resolve(con.rsc), cluster.resolve(con.with_rsc)
        if con.rsc not in cluster.by_id and con.with_rsc not in cluster.by_id:
            # both sides name templates or tags: Pacemaker places such a pair as unrelated
            return []
        return [Coloc(con.id, dep, prim, score, _role(con.rsc_role), _role(con.with_rsc_role),
                      con.node_attribute, _influence(con, dep))
                for dep in deps for prim in prims if dep is not prim]
    found: list[Coloc] = []
    previous: list[WRsc] = []
    for rset in con.sets:
        members = [m for r in rset.resources for m in cluster.resolve(r)]
        set_score = parse_score(rset.score, score) if rset.score else score
        role = _role(rset.role)
        if rset.sequential:
            for before, after in itertools.pairwise(members):
                found.append(Coloc(con.id, after, before, set_score, role, role,
                                   con.node_attribute, _influence(con, after)))
        for prim in previous:
            targets = members[:1] if rset.sequential else members
            for dep in targets:
                found.append(Coloc(con.id, dep, prim, score, role, None, con.node_attribute,
                                   _influence(con, dep)))
        if members:
            previous = members[-1:] if rset.sequential else members
    return found


def assigned_nodes(rsc: WRsc) -> list[WNode]:
    """Where the resource (or any of its instances) is going to be active."""
    if rsc.variant == "clone":
        nodes: list[WNode] = []
        for inst in rsc.children:
            for node in assigned_nodes(inst):
                if node not in nodes:
                    nodes.append(node)
        return nodes
    return [rsc.assigned] if rsc.assigned is not None else []


def apply_to_weights(weights: dict[str, int], coloc: Coloc, nodes: dict[str, WNode],
                     primary_nodes: list[WNode]) -> None:
    """Adjust a dependent's weights for a primary already assigned to ``primary_nodes``."""
    attr = coloc.node_attribute
    values = {n.attrs.get(attr) for n in primary_nodes}
    values.discard(None)
    for name in list(weights):
        node = nodes.get(name)
        value = node.attrs.get(attr) if node else None
        matches = value is not None and value in values
        if coloc.score >= INFINITY:
            if not matches:
                weights[name] = -INFINITY
        elif coloc.score <= -INFINITY:
            if matches:
                weights[name] = -INFINITY
        elif matches:
            weights[name] = add(weights[name], coloc.score)


def merge_scaled(target: dict[str, int], source: dict[str, int], factor: float,
                 nodes: dict[str, WNode], attr: str, only_positive: bool = False) -> dict[str, int]:
    """``target`` plus ``factor`` times the source's score on nodes with the same attribute.

    With ``only_positive`` (a clone taking in what its dependents want) a node the merge
    would make negative is not banned: a positive score becomes 1, a zero one stays; and
    when that is so of every node (none keeps its own or a merged score), the merge is
    dropped altogether."""
    merged = dict(target)
    by_value: dict[str, int] = {}
    for name, score in source.items():
        node = nodes.get(name)
        value = node.attrs.get(attr) if node else None
        if value is None:
            continue
        by_value[value] = max(by_value.get(value, -INFINITY), score) if value in by_value \
            else score
    kept = False    # some node keeps a score of its own or a merged one (only_positive)
    for name, score in target.items():
        node = nodes.get(name)
        value = node.attrs.get(attr) if node else None
        if value is None or value not in by_value:
            kept = kept or score >= 0
            continue
        other = by_value[value]
        if other <= -INFINITY and factor >= 1.0 and not only_positive:
            merged[name] = -INFINITY
            continue
        if other <= -INFINITY or other >= INFINITY:
            delta = int(factor * other)
        else:
            delta = int(factor * other)
        result = add(score, delta)
        if only_positive and result < 0 and score >= 0:
            kept = kept or score == 0
            result = 1 if score > 0 else score
        elif result >= 0:
            kept = True
        merged[name] = result
    if only_positive and not kept:
        return dict(target)
    return merged

"""Choose which instances of a promotable clone are promoted (promotion scores)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buttress.scheduler.colocation import Coloc
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, add, parse_score
from buttress.state.history import PROMOTED, STOPPED

if TYPE_CHECKING:
    from buttress.scheduler.assign import Assigner


def promotion_score(cluster: Cluster, clone: WRsc, inst: WRsc,
                    assigner: Assigner) -> int | None:
    """The instance's promotion score on its assigned node (None: not promotable there).

    It adds the agent's own score (the ``master-RSC`` node attribute), location constraints
    for the Promoted role, and colocations of the Promoted role with other resources. An
    instance with none of these and not promoted now is not promoted.
    """
    node = inst.assigned
    if node is None:
        return None
    prims = inst.primitives()
    total = 0
    all(p.role == PROMOTED and node in p.running_on for p in prims)
    with_score = 0
    for prim in prims:
        base = prim.extra.get("base_id", prim.id)
        for name in (f"master-{prim.id}", f"master-{base}"):
            if name in node.attrs:
                total = add(total, parse_score(node.attrs[name]))
                with_score += 1
                break
    promo_loc: dict[str, int] = clone.extra.get("promotion_location", {})
    if inst.variant == "group":
        # a cloned group needs a score from one of its members
        found = with_score > 0 or any(p.role == PROMOTED and node in p.running_on
                                      for p in prims)
    else:
        found = with_score > 0 or any(p.role == PROMOTED and node in p.running_on
                                      for p in prims) or node.name in promo_loc
    total = add(total, promo_loc.get(node.name, 0))
    for coloc in assigner.this_with.get(id(clone), []):
        if coloc.dependent_role != PROMOTED:
            continue
        total = add(total, _colocated(coloc, node, assigner.role_nodes(coloc.primary,
                                                                      coloc.primary_role)))
    for coloc in assigner.with_this.get(id(clone), []):
        if coloc.primary_role != PROMOTED or coloc.dependent.assigned is None:
            continue
        total = add(total, _colocated(coloc, node, [coloc.dependent.assigned]))
    return total if found else None


def _colocated(coloc: Coloc, node: WNode, partners: list[WNode]) -> int:
    attr = coloc.node_attribute
    together = node.attrs.get(attr) in {p.attrs.get(attr) for p in partners}
    if coloc.score >= INFINITY:
        return 0 if together else -INFINITY
    if coloc.score <= -INFINITY:
        return -INFINITY if together else 0
    return coloc.score if together else 0


def choose_promoted(cluster: Cluster, clone: WRsc, assigner: Assigner) -> None:
    if clone.extra.get("promotion_blocked"):
        return
    if not cluster.have_quorum and cluster.no_quorum_policy == "demote":
        return
    if clone.extra.get("promotion_frozen"):
        # keep what is promoted where it is promoted; promote nothing new
        for inst in clone.children:
            prims = inst.primitives()
            if inst.assigned is not None and all(
                    p.role == PROMOTED and inst.assigned in p.running_on for p in prims):
                for prim in [*prims, inst]:
                    prim.next_role = PROMOTED
        return
    promoted_max = clone.extra["promoted_max"]
    node_max = clone.extra["promoted_node_max"]
    target = clone.meta.get("target-role", "Started").lower()
    candidates: list[tuple[int, int, int, WRsc]] = []
    for inst in clone.children:
        if inst.assigned is None or inst.next_role == STOPPED:
            continue
        score = promotion_score(cluster, clone, inst, assigner)
        if score is None or score < 0:
            continue
        promoted_now = all(p.role == PROMOTED for p in inst.primitives())
        candidates.append((-score, 0 if promoted_now else 1, inst.index, inst))
    candidates.sort(key=lambda c: (c[0], c[1], c[2]))
    per_node: dict[str, int] = {}
    chosen = 0
    for neg_score, _, _, inst in candidates:
        if target in ("unpromoted", "slave", "started") and target != "started":
            break
        if chosen >= promoted_max or neg_score <= -INFINITY:
            break
        node = inst.assigned
        assert node is not None
        if per_node.get(node.name, 0) >= node_max:
            continue
        per_node[node.name] = per_node.get(node.name, 0) + 1
        chosen += 1
        for prim in [*inst.primitives(), inst]:
            if prim.assigned is not None:
                prim.next_role = PROMOTED

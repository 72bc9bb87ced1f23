"""Choose which instances of a promotable clone are promoted (promotion scores)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WRsc
from buttress.scores import INFINITY, add, parse_score
from buttress.state.history import PROMOTED, STOPPED

if TYPE_CHECKING:
    from buttress.scheduler.assign import Assigner


def promotion_score(cluster: Cluster, inst: WRsc) -> int | None:
    """The instance's promotion score on its assigned node (None: not promotable there)."""
    node = inst.assigned
    if node is None:
        return None
    prims = inst.primitives()
    total = 0
    found = False
    for prim in prims:
        base = prim.extra.get("base_id", prim.id)
        for name in (f"master-{prim.id}", f"master-{base}"):
            if name in node.attrs:
                total = add(total, parse_score(node.attrs[name]))
                found = True
                break
    if not found and not any(p.role == PROMOTED and node in p.running_on for p in prims):
        return None
    return total


def choose_promoted(cluster: Cluster, clone: WRsc, assigner: Assigner) -> None:
    if clone.extra.get("promotion_blocked"):
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
    candidates: list[tuple[int, int, WRsc]] = []
    promo_loc: dict[str, int] = clone.extra.get("promotion_location", {})
    for inst in clone.children:
        if inst.assigned is None or inst.next_role == STOPPED:
            continue
        score = promotion_score(cluster, inst)
        if score is None:
            continue
        score = add(score, promo_loc.get(inst.assigned.name, 0))
        if score < 0:
            continue
        candidates.append((-score, inst.index, inst))
    candidates.sort(key=lambda c: (c[0], c[1]))
    per_node: dict[str, int] = {}
    chosen = 0
    for neg_score, _, inst in candidates:
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

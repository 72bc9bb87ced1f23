"""Choose which instances of a promotable clone are promoted (promotion scores)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from buttress.scheduler.colocation import Coloc, merge_scaled
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, add, parse_score
from buttress.state.history import PROMOTED, STOPPED

if TYPE_CHECKING:
    from buttress.scheduler.assign import Assigner


def promotion_scores(clone: WRsc, assigner: Assigner) -> dict[int, tuple[int, int]]:
    """Each placed instance's promotion score on its node and its own part of it (which
    breaks ties between instances on one node), keyed by ``id(instance)``.

    An instance starts from its agent's score (the ``master-RSC`` node attribute; -1 where
    no member has one, so that nothing is promoted without a score or a constraint) plus
    location constraints for the Promoted role. Those not ruled out by that (score >= 0)
    add it to the clone's own score for their node, then the node scores take in the
    colocations of the Promoted role: with other resources' placement, and what resources
    colocated with the Promoted role want (merged without ever banning a node).
    """
    from buttress.scheduler.bundle import container_runs

    promo_loc: dict[str, int] = clone.extra.get("promotion_location", {})
    own: dict[int, tuple[WRsc, WNode, int]] = {}
    for inst in clone.children:
        node = inst.assigned
        if node is None or inst.next_role == STOPPED:
            continue
        if any(p.assigned is None for p in inst.primitives()) or not container_runs(inst):
            # a cloned group that cannot run whole here cannot be promoted, nor an instance
            # in a bundle replica whose container cannot run
            own[id(inst)] = (inst, node, -INFINITY)
            continue
        agent = _agent_score(clone, inst, node)
        score = add(agent if agent is not None else -1, promo_loc.get(node.name, 0))
        for coloc in assigner.this_with.get(id(clone), []):
            if coloc.dependent_role is not None:
                score = add(score, _role_colocation(coloc, node, assigner))
        own[id(inst)] = (inst, node, score)
    table: dict[str, int] = dict(clone.extra.get("weights", clone.allowed))
    for _, node, score in own.values():
        if score >= 0:
            table[node.name] = add(table.get(node.name, 0), score)
    for coloc in assigner.with_this.get(id(clone), []):
        if coloc.primary_role != PROMOTED or not coloc.influence:
            continue
        table = merge_scaled(table, assigner.preferences(coloc.dependent, {id(clone)}),
                             coloc.score / INFINITY, assigner.nodes, coloc.node_attribute,
                             only_positive=True)
    return {key: (table.get(node.name, 0) if score >= 0 else score, score)
            for key, (_, node, score) in own.items()}


def _agent_score(clone: WRsc, inst: WRsc, node: WNode) -> int | None:
    """What the members' agents set as their promotion score on ``node`` (summed over a
    cloned group's members), None where none did. A member is looked up under the name
    its history on the node has, else (anonymous clones) under its name without the
    instance number."""
    from buttress.scheduler.bundle import attribute_node

    node = attribute_node(inst, node)
    total = 0
    found = False
    for prim in inst.primitives():
        base = prim.extra.get("base_id", prim.id)
        names = [prim.history_ids.get(node.name) or prim.id]
        if not clone.extra["unique"]:
            names.append(base)
        for name in names:
            value = node.attrs.get(f"master-{name}")
            if value is not None:
                total = add(total, parse_score(value))
                found = True
                break
    return total if found else None


def _role_colocation(coloc: Coloc, node: WNode, assigner: Assigner) -> int:
    """What a colocation of one role of the clone's instances with another resource adds
    to an instance's own score on ``node``: with the Promoted role, the score where the
    other resource is (an INFINITY one bans promotion elsewhere); with the Unpromoted
    role, minus the score there."""
    partners = assigner.role_nodes(coloc.primary, coloc.primary_role)
    attr = coloc.node_attribute
    together = node.attrs.get(attr) in {p.attrs.get(attr) for p in partners}
    if not together:
        return -INFINITY if coloc.dependent_role == PROMOTED and coloc.score >= INFINITY else 0
    return coloc.score if coloc.dependent_role == PROMOTED else -coloc.score


def choose_promoted(cluster: Cluster, clone: WRsc, assigner: Assigner) -> None:
    if clone.extra.get("promotion_blocked"):
        return
    if not cluster.have_quorum and cluster.no_quorum_policy == "demote":
        return
    frozen_by_quorum = not cluster.have_quorum and cluster.no_quorum_policy == "freeze"
    if clone.extra.get("promotion_frozen") or frozen_by_quorum:
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
    candidates: list[tuple[int, int, int, int, int, WRsc]] = []
    scores = promotion_scores(clone, assigner)
    for inst in clone.children:
        if id(inst) not in scores:
            continue
        score, own = scores[id(inst)]
        if score < 0:
            continue
        promoted_now = all(p.role == PROMOTED for p in inst.primitives())
        # (a failed instance, being recovered, comes after healthy ones of equal score)
        failed = any(p.failed for p in inst.primitives())
        candidates.append((-score, 0 if promoted_now else 1, int(failed), -own, inst.index,
                           inst))
    candidates.sort(key=lambda c: c[:5])
    per_node: dict[str, int] = {}
    chosen = 0
    for inst in clone.children:
        if any(p.blocked and p.role == PROMOTED for p in inst.primitives()):
            chosen += 1  # a blocked promoted instance keeps its place
    for *_, inst in candidates:
        if target in ("unpromoted", "slave", "started") and target != "started":
            break
        if chosen >= promoted_max:
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

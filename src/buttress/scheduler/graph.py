"""Stage 6: freeze the mandatory, runnable actions into a transition in a runnable order."""

from __future__ import annotations

import heapq

from buttress.scheduler.actions import ActionTable
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import Action
from buttress.transition.graph import SummaryLine, Transition, TransitionAction

_SUMMARIES = ("start", "running", "stop", "stopped", "promoted", "demoted")


def _summary(action: Action) -> bool:
    """A group's or clone's pseudo action that only sums up its members' actions."""
    return action.pseudo and action.task in _SUMMARIES and not (
        action.rsc is not None and action.rsc.variant == "primitive")


def _included(action: Action) -> bool:
    if action.optional or not action.runnable:
        return False
    return not _summary(action)


def _requirements(action: Action, chosen_ids: set[int]) -> set[int]:
    """The chosen actions ``action`` must wait for: those ordered before it, also through
    the summary actions left out of the transition (a clone's "running" stands for its
    instances' starts)."""
    found: set[int] = set()
    seen: set[int] = set()
    pending = [edge.first for edge in action.after]
    while pending:
        first = pending.pop()
        if first.uid in seen:
            continue
        seen.add(first.uid)
        if first.uid in chosen_ids:
            found.add(first.uid)
        elif _summary(first) and not first.optional and first.runnable:
            pending.extend(edge.first for edge in first.after)
    return found


def collect_scores(cluster: Cluster) -> list[tuple[str, str, str, int]]:
    """Every resource's final node scores, named by the stage that used them."""
    stage = {"primitive": "pcmk__primitive_assign", "group": "pcmk__group_assign",
             "clone": "pcmk__clone_assign"}
    found: list[tuple[str, str, str, int]] = []
    for rsc in sorted(cluster.by_id.values(), key=lambda r: (r.variant, r.id)):
        weights = rsc.extra.get("weights", rsc.allowed)
        for node in cluster.nodes:
            if node.name in weights:
                found.append((stage[rsc.variant], rsc.id, node.name, weights[node.name]))
    return found


def _runnable_order(chosen: list[Action], deps: dict[int, set[int]]) -> list[Action]:
    """Actions so that each comes after what it requires; among those ready, the one created
    first. Actions caught in a cycle (which a sound graph has none of) come last."""
    by_uid = {a.uid: a for a in chosen}
    waiting = {uid: len(required) for uid, required in deps.items()}
    dependents: dict[int, list[int]] = {}
    for uid, required in deps.items():
        for first in required:
            dependents.setdefault(first, []).append(uid)
    ready = [uid for uid, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    ordered: list[Action] = []
    while ready:
        uid = heapq.heappop(ready)
        ordered.append(by_uid[uid])
        for then in dependents.get(uid, ()):
            waiting[then] -= 1
            if waiting[then] == 0:
                heapq.heappush(ready, then)
    if len(ordered) < len(chosen):
        placed = {a.uid for a in ordered}
        ordered.extend(a for a in chosen if a.uid not in placed)
    return ordered


def build_transition(cluster: Cluster, table: ActionTable, summary: list[SummaryLine],
                     scores: list[tuple[str, str, str, int]] | None = None) -> Transition:
    chosen = [a for a in table.actions if _included(a)]
    chosen_ids = {a.uid for a in chosen}
    deps: dict[int, set[int]] = {a.uid: set() for a in chosen}
    for action in chosen:
        deps[action.uid] = _requirements(action, chosen_ids) - {action.uid}
    ordered = _runnable_order(chosen, deps)
    frozen = []
    for action in ordered:
        rsc = action.rsc
        frozen.append(TransitionAction(
            id=action.uid, task=action.task, resource=rsc.id if rsc else None,
            node=action.node.name if action.node else None, interval_ms=action.interval_ms,
            pseudo=action.pseudo, reason=action.reason,
            fence_action=action.meta.get("stonith_action"),
            agent=rsc.agent if rsc is not None and rsc.variant == "primitive" else None,
            lrm_id=_lrm_id(action),
            target_rc=7 if action.meta.get("probe") else int(action.meta.get("target_rc", 0)),
            requires=tuple(sorted(deps[action.uid])),
            notify=tuple(sorted(action.meta.items())) if action.task == "notify" else ()))
    return Transition(actions=tuple(frozen), summary=tuple(summary),
                      scores=tuple(scores or ()))


def _lrm_id(action: Action) -> str | None:
    rsc = action.rsc
    if rsc is None or rsc.variant != "primitive":
        return None
    if action.node is not None and action.node.name in rsc.history_ids:
        return rsc.history_ids[action.node.name]
    clone = rsc.clone_parent()
    if clone is not None and not clone.extra.get("unique"):
        return str(rsc.extra.get("base_id", rsc.id))
    return rsc.id

"""A primary that cannot start after all blocks what must be placed with it.

Colocations are decided at assignment; orders can later make a placed resource's start
unrunnable (what it is ordered after cannot start). Then whatever is colocated with it at
INFINITY cannot reach its role either: its starts (or promotes, for a colocation with the
Promoted role) become unrunnable "due to colocation with <primary>", and it stops where it
runs now. A collective primary blocks its dependents only once none of its members can
start.
"""

from __future__ import annotations

from buttress.scheduler.actions import ActionTable
from buttress.scheduler.bundle import bundle_members, replica_heads
from buttress.scheduler.colocation import Coloc
from buttress.scheduler.working import Action, WRsc
from buttress.scores import INFINITY
from buttress.state.history import PROMOTED


def _top(rsc: WRsc) -> WRsc:
    while rsc.parent is not None:
        rsc = rsc.parent
    return rsc


class ColocationBlocker:
    """Blocks INFINITY colocation dependents of resources whose start became unrunnable."""

    def __init__(self, table: ActionTable, colocs: list[Coloc]) -> None:
        self.table = table
        self.with_this: dict[int, list[Coloc]] = {}
        for coloc in colocs:
            if coloc.score >= INFINITY:
                self.with_this.setdefault(id(coloc.primary), []).append(coloc)

    def blocked(self, action: Action) -> list[Action]:
        """``action`` just became unrunnable: the dependents' actions this blocks (already
        marked unrunnable, their stops required)."""
        if action.runnable or action.task not in ("start", "promote") or action.rsc is None:
            return []
        if action.node is None:
            return []
        primary = _top(action.rsc)
        for prim in primary.primitives():
            for other in self.table.find(prim, action.task):
                if other.runnable and other.node is not None:
                    return []   # some member can still get there
        changed: list[Action] = []
        for coloc in self.with_this.get(id(primary), []):
            if action.task == "promote" and coloc.primary_role != PROMOTED:
                continue
            task = "promote" if coloc.dependent_role == PROMOTED else "start"
            name = primary.id
            for dep in bundle_members(coloc.dependent):
                for blocked in self.table.find(dep, task):
                    if not blocked.runnable or blocked.node is None:
                        continue
                    blocked.runnable = False
                    blocked.unrunnable_reason = f"colocation with {name}"
                    changed.append(blocked)
                    self._stop_there(dep, blocked)
        return changed

    def unplaced_bundles(self) -> None:
        """A bundle none of whose containers is placed blocks, before any order is looked
        at, what must be placed with it, naming its last container: of a dependent bundle,
        each replica's connection and inner instance, which stay placed."""
        for colocs in self.with_this.values():
            for coloc in colocs:
                primary = coloc.primary
                if not primary.extra.get("bundle") or coloc.primary_role == PROMOTED:
                    continue
                containers = [p for p in primary.primitives() if p.extra.get("container_of")]
                if not containers or any(c.assigned is not None for c in containers):
                    continue
                task = "promote" if coloc.dependent_role == PROMOTED else "start"
                for dep in replica_heads(coloc.dependent):
                    for blocked in self.table.find(dep, task):
                        if blocked.runnable and blocked.node is not None:
                            blocked.runnable = False
                            blocked.unrunnable_reason = f"colocation with {containers[-1].id}"
                            self._stop_there(dep, blocked)

    def _stop_there(self, rsc: WRsc, start: Action) -> None:
        """A dependent that can no longer start where it runs stops there (telling why its
        start cannot run)."""
        if start.task != "start" or start.node not in rsc.running_on:
            return
        stop = self.table.get(rsc, "stop", start.node)
        if stop is not None and stop.optional:
            stop.optional = False
            stop.for_blocked_start = True

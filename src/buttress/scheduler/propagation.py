"""How orderings make actions mandatory or unrunnable: the propagation engine of stage 5.

:class:`Propagator` applies every ordering's flags (:mod:`.order_flags`, described in
:mod:`.ordering`) until nothing changes: blocking flags forward (what blocks an action is
looked at in the order its orderings were made, orders between interleaved instances
last), implying flags in reverse (the newest ordering's reason wins), then the collective
summary actions (running, stopped, promoted, demoted, require-all gates), then the
colocation blocker.
"""

from __future__ import annotations

from buttress.scheduler.actions import ActionTable
from buttress.scheduler.coloc_block import ColocationBlocker
from buttress.scheduler.order_flags import BLOCKING, SUMMARY_TASKS, Flag
from buttress.scheduler.working import Action, Ordering


class Propagator:
    """Runs the propagation over one action table (module docstring)."""

    def __init__(self, table: ActionTable, blocker: ColocationBlocker | None) -> None:
        self.table = table
        self.blocker = blocker

    def run(self) -> None:
        changed = True
        rounds = 0
        while changed and rounds < 1000:
            changed = False
            rounds += 1
            # an action's most recently added ordering is looked at first for what it
            # requires, so that its reason wins when several orderings require the action;
            # what blocks it is looked at in the order the orderings were added
            for action in self.table.actions:
                # orders between interleaved instances are made from their clones' order
                # after the others: what else blocks an action is named first
                for edge in sorted(action.after, key=_interleaved_last):
                    if self._apply(edge, BLOCKING):
                        changed = True
                for edge in reversed(action.after):
                    if self._apply(edge, ~BLOCKING):
                        changed = True
            for action in self.table.actions:
                if action.pseudo and (action.task in ("running", "stopped", "promoted", "demoted")
                                      or "needed" in action.meta) and \
                        self._aggregate(action):
                    changed = True
            if not changed and self.blocker is not None:
                # once the orders have had their say: what cannot start after all blocks
                # what must be placed with it
                for action in list(self.table.actions):
                    if self.blocker.blocked(action):
                        changed = True

    def _apply(self, edge: Ordering, mask: int) -> bool:
        first, then, flags = edge.first, edge.then, edge.flags & mask
        changed = False
        if flags & Flag.ANY_RUNNABLE:
            return False
        # (what a collective's summary action requires of a bundle's replica, it requires
        # whole: a bundle restarts its containers for it)
        clone_summary = first.pseudo and (first.rsc is None or first.rsc.variant == "clone") \
            and not (then.rsc is not None and then.rsc.extra.get("bundled")
                     and first.task in ("running", "stopped"))
        if flags & Flag.NO_MIGRATE and _blocks_migration(first, then) \
                and self._starts_again(then):
            self._cancel_migration(first, then)
            changed = True
        # a live migration restarts nothing; neither does the stop that finishes one
        migrating = "migrating" in first.meta or "migrating" in then.meta \
            or "dangling" in first.meta
        if flags & Flag.IMPLIES_THEN and clone_summary and then.optional and not migrating \
                and self._required_on_node(first, then):
            then.optional = False
            then.reason = then.reason or _describe("required", first)
            changed = True
        if flags & Flag.IMPLIES_THEN and not first.optional and then.optional \
                and not clone_summary and not migrating:
            then.optional = False
            then.reason = then.reason or _cause("required", first, then)
            then.required_by_own_stop = first.for_blocked_start and first.rsc is then.rsc
            if first.rsc is then.rsc:
                then.meta["required_by_own"] = "1"
            changed = True
        elif flags & Flag.IMPLIES_THEN and not first.optional and not then.optional \
                and then.reason is None and "required_by_own" in then.meta \
                and not clone_summary and not migrating:
            # required already by its own resource's action, which tells nothing: another
            # resource's required action is the reason given
            then.reason = _cause("required", first, then)
        if flags & Flag.IMPLIES_FIRST and not then.optional and first.optional \
                and not migrating:
            first.optional = False
            if not edge.flags & (Flag.INTERLEAVED | Flag.QUIET):
                # (between interleaved instances the stop keeps no reason of its own: the
                # summary then tells why its start cannot run)
                first.reason = first.reason or _cause("required", then, first)
            changed = True
        if flags & Flag.RESTART and not then.optional and first.optional:
            first.optional = False
            changed = True
        if flags & Flag.STOP_WAITS and not first.runnable and not first.optional \
                and then.runnable and not then.optional and first.rsc is not None \
                and (not first.rsc.managed or first.rsc.blocked or "held" in first.meta):
            # a required stop waits for the stop of a resource the cluster no longer
            # manages (it will not happen): it cannot happen either, nor what waits for it
            # in turn. (A stop that merely cannot run yet, on a lost node that cannot be
            # fenced, holds nothing up.)
            then.runnable = False
            then.meta["held"] = "1"
            then.reason = then.reason or _cause("unrunnable", first, then)
            changed = True
        if flags & Flag.RUNNABLE_LEFT and not first.runnable and then.runnable:
            if first.optional and first.rsc is not None and first.node is not None \
                    and first.task != "stop":
                return changed
            then.runnable = False
            then.unrunnable_reason = first.unrunnable_reason if first.task == "stonith" \
                else _describe("unrunnable", first)
            if first.pseudo and first.task == "stop" and first.unrunnable_reason:
                then.unrunnable_reason = first.unrunnable_reason
            if flags & Flag.STOP_BLOCKED:
                self._stop_if_cannot_continue(then, first, bool(edge.flags & Flag.INTERLEAVED))
            changed = True
        return changed

    def _starts_again(self, stop: Action) -> bool:
        """Does the resource (the clone, for an instance) that ``stop`` stops also start? A
        migration ordered between that stop and that start cannot happen."""
        rsc = stop.rsc
        if rsc is None:
            return False
        whole = rsc.clone_parent() or rsc
        return any(not a.optional and a.node is not None
                   for p in whole.primitives() for a in self.table.find(p, "start"))

    def _cancel_migration(self, stop: Action, cause: Action) -> None:
        """``stop`` was to end a live migration, but it has to come before ``cause``, the
        real stop of another resource: the resource moves by a stop and a start instead."""
        rsc = stop.rsc
        assert rsc is not None
        for action in self.table.find(rsc, "start") + self.table.find(rsc, "stop"):
            action.meta.pop("migrating", None)
        holder = cause.rsc.clone_parent() if cause.rsc is not None else None
        name = holder.id if holder is not None else (cause.rsc.id if cause.rsc else "")
        rsc.extra["migration_blocked_by"] = f"unrunnable {name} {cause.task}"

    def _required_on_node(self, summary: Action, then: Action) -> bool:
        """A clone's summary action (running, stopped) requires what is ordered after it
        only on that action's node: where one of the clone's own actions there is
        required. (A clone instance's orders are per instance, not through here.)"""
        rsc, node = then.rsc, then.node
        if node is None or rsc is None or rsc.clone_parent() is not None:
            return False
        if summary.rsc is None or summary.rsc.variant != "clone":
            return False
        pending = [e.first for e in summary.after if e.flags & Flag.ANY_RUNNABLE]
        while pending:
            action = pending.pop()
            if action.node is None and action.pseudo:
                pending.extend(e.first for e in action.after if e.flags & Flag.ANY_RUNNABLE)
            elif action.node is node and not action.optional:
                return True
        return False

    def _stop_if_cannot_continue(self, start: Action, first: Action, interleaved: bool) -> None:
        """A resource whose start (here) became unrunnable because of ``first`` cannot keep
        running here. The stop is "required" by ``first`` when ``first`` itself is required
        (a resource that is stopping requires its start, even where it cannot start), else
        it is due to ``first`` being unrunnable."""
        rsc = start.rsc
        if start.task != "start" or rsc is None or start.node is None:
            return
        if start.node not in rsc.running_on:
            return
        stop = self.table.get(rsc, "stop", start.node)
        if stop is not None and stop.optional:
            stop.optional = False
            stop.for_blocked_start = True
            if self._required(first, interleaved):
                stop.reason = _describe("required", first)
            else:
                stop.reason = start.unrunnable_reason

    def _required(self, action: Action, interleaved: bool) -> bool:
        """Whether ``action`` counts as required for the wording of a dependent's stop."""
        if action.rsc is None:
            return False  # a gate counting runnable instances is only ever unrunnable
        if not action.optional:
            # between interleaved instances, a start that only its own stop requires (a
            # stop forced by that start being unrunnable) is seen as merely unrunnable
            return not (interleaved and action.required_by_own_stop)
        if action.task != "start" or action.node is not None:
            return False
        # the stand-in start of a resource placed nowhere is required by its stop
        return any(not stop.optional for stop in self.table.find(action.rsc, "stop"))

    def _aggregate(self, action: Action) -> bool:
        firsts = [e.first for e in action.after if e.flags & Flag.ANY_RUNNABLE]
        if not firsts:
            return False
        if "needed" in action.meta:
            runnable = sum(1 for f in firsts if f.runnable) >= int(action.meta["needed"])
        elif action.rsc is not None and action.rsc.variant == "group":
            runnable = all(f.runnable for f in firsts)
        else:
            runnable = any(f.runnable for f in firsts)
        optional = all(f.optional for f in firsts)
        changed = False
        if action.runnable and not runnable:
            action.runnable = False
            changed = True
        if action.optional and not optional:
            action.optional = False
            changed = True
        return changed


def _blocks_migration(first: Action, then: Action) -> bool:
    """A migrating resource's stop ordered before another resource's real, required stop
    (and so its start after that resource's start): a live migration cannot fit between
    them."""
    return (first.task == "stop" and then.task == "stop" and "migrating" in first.meta
            and "migrating" not in then.meta and not then.optional and not then.pseudo
            and then.rsc is not first.rsc)


def _cause(word: str, cause: Action, action: Action) -> str | None:
    """The reason ``cause`` gives ``action``: none when both are the same resource's (a
    resource's own actions explain nothing about each other)."""
    if cause.rsc is not None and cause.rsc is action.rsc:
        return None
    return _describe(word, cause)


def _interleaved_last(edge: Ordering) -> int:
    return 1 if edge.flags & Flag.INTERLEAVED else 0


def _describe(word: str, action: Action) -> str:
    if action.rsc is None and action.node is None:
        return f"{word} {action.task}"
    name = action.rsc.id if action.rsc is not None else (action.node.name if action.node else "")
    task = action.task
    if action.pseudo and action.rsc is not None and task in SUMMARY_TASKS \
            and action.rsc.meta.get("notify", "false").lower() in ("true", "yes", "1", "on"):
        # a clone that notifies is done once its instances are notified: orders after it
        # follow that
        task = "notified"
    return f"{word} {name} {task}"

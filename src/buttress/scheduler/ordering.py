"""Stage 5: orderings between actions, and how they make actions mandatory or unrunnable.

Flags say what an ordering implies besides "first before then":
IMPLIES_THEN   first mandatory -> then mandatory ("required <first>")
IMPLIES_FIRST  then mandatory -> first mandatory
RUNNABLE_LEFT  first unrunnable -> then unrunnable ("unrunnable <first>")
RESTART        then mandatory and the resource is active there -> first mandatory
STOP_BLOCKED   then (a start) became unrunnable where its resource runs -> stop it there
               ("required <first>" when first is required, else "unrunnable <first>")
INTERLEAVED    a marker: the order is between instances of interleaved clones
NO_MIGRATE     then (a stop) is required and no migration: first (a stop) cannot migrate
               ("unrunnable <then>")
STOP_WAITS     first (a stop) is required but cannot run -> then (a required stop) cannot
               either
"""

from __future__ import annotations

import itertools

from buttress.model.constraints import Order
from buttress.scheduler.actions import ActionTable
from buttress.scheduler.coloc_block import ColocationBlocker
from buttress.scheduler.guest import runs_with_container
from buttress.scheduler.remote import connection_state
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import Action, Ordering, WNode, WRsc
from buttress.scores import parse_score


class Flag:
    """Ordering flags (plain ints: they are tested in the scheduler's innermost loop)."""

    NONE = 0
    IMPLIES_THEN = 1
    IMPLIES_FIRST = 2
    RUNNABLE_LEFT = 4
    RESTART = 8
    ANY_RUNNABLE = 16     # then is runnable when any of its firsts is
    STOP_BLOCKED = 32     # a then that can no longer start where it runs must stop there
    INTERLEAVED = 64      # marks an order between instances of interleaved clones
    NO_MIGRATE = 128      # a then that really stops keeps first (a stop) from migrating
    STOP_WAITS = 256      # then (a required stop) cannot run while first (a stop) cannot
    QUIET = 512           # a first it requires keeps no reason from it (a bundle replica's
                          # stops tell why its start cannot run instead)


#: a collective's summary actions (done once all its instances' actions are)
SUMMARY_TASKS = ("running", "stopped", "promoted", "demoted")
MANDATORY_START = Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT | Flag.STOP_BLOCKED
BLOCKING = Flag.RUNNABLE_LEFT | Flag.STOP_BLOCKED | Flag.ANY_RUNNABLE

INVERSE = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote",
           "running": "stopped", "stopped": "running", "promoted": "demoted",
           "demoted": "promoted"}


class Orderer:
    def __init__(self, cluster: Cluster, table: ActionTable,
                 blocker: ColocationBlocker | None = None) -> None:
        self.cluster = cluster
        self.table = table
        self.orderings: list[Ordering] = []
        self.blocker = blocker

    def order(self, first: Action | None, then: Action | None, flags: int) -> None:
        if first is None or then is None or first is then:
            return
        edge = Ordering(first, then, flags)
        first.before.append(edge)
        then.after.append(edge)
        self.orderings.append(edge)

    # ---- implicit orderings -----------------------------------------------------------

    def implicit(self) -> None:
        for rsc in self.cluster.by_id.values():
            if rsc.variant == "primitive":
                self._primitive(rsc)
            elif rsc.variant == "group":
                self._group(rsc)
            elif rsc.variant == "clone":
                self._clone(rsc)

    def _container(self, rsc: WRsc) -> None:
        """A filler (or a guest's connection) starts after its container and stops before
        it; a guest's reset follows its container's stop."""
        container = runs_with_container(rsc)
        if container is None:
            return
        t = self.table
        for first in t.find(container, "start"):
            for then in t.find(rsc, "start"):
                self.order(first, then, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
        quiet = Flag.QUIET if rsc.extra.get("bundle_connection") else Flag.NONE
        for first in t.find(rsc, "stop"):
            for then in t.find(container, "stop"):
                self.order(first, then, Flag.IMPLIES_FIRST | quiet)
        guest = self.cluster.node_by_name.get(rsc.id)
        fence = t.get(None, "stonith", guest) if guest is not None else None
        for stop in t.find(container, "stop"):
            self.order(stop, fence, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)

    def _primitive(self, rsc: WRsc) -> None:
        t = self.table
        stops = t.find(rsc, "stop")
        starts = t.find(rsc, "start")
        for stop in stops:
            fence = t.get(None, "stonith", stop.node) if stop.node else None
            self.order(fence, stop, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
            for start in starts:
                if start.node is None:
                    continue  # the stand-in start of a resource placed nowhere
                flags = Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT
                if start.node is stop.node:
                    flags |= Flag.RESTART
                self.order(stop, start, flags)
            for demote in t.find(rsc, "demote"):
                if demote.node is stop.node:
                    self.order(demote, stop, Flag.IMPLIES_FIRST)
                    fence = t.get(None, "stonith", stop.node) if stop.node else None
                    self.order(fence, demote, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
        for start in starts:
            for promote in t.find(rsc, "promote"):
                self.order(start, promote, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
            for monitor in t.find(rsc, "monitor"):
                if monitor.interval_ms > 0 and monitor.node is start.node:
                    self.order(start, monitor, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
                elif monitor.interval_ms == 0:
                    self.order(monitor, start, Flag.NONE)
        for promote in t.find(rsc, "promote"):
            for monitor in t.find(rsc, "monitor"):
                if monitor.interval_ms > 0 and monitor.node is promote.node:
                    self.order(promote, monitor, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
        for demote in t.find(rsc, "demote"):
            for promote in t.find(rsc, "promote"):
                self.order(demote, promote, Flag.NONE)
        self._container(rsc)

    def _group(self, group: WRsc) -> None:
        t = self.table
        running = t.get(group, "running", None)
        stopped = t.get(group, "stopped", None)
        for child in group.children:
            for start in t.find(child, "start"):
                self.order(start, running, Flag.ANY_RUNNABLE)
            for stop in t.find(child, "stop"):
                self.order(stop, stopped, Flag.ANY_RUNNABLE)
        children = group.children
        if not _ordered(group):
            return  # (deprecated ordered=false: members start and stop independently)
        for before, after in itertools.pairwise(children):
            for first in self._ends(before, "start", as_first=True):
                for then in self._ends(after, "start", as_first=False):
                    self.order(first, then, MANDATORY_START)
            for first in self._ends(after, "stop", as_first=True):
                for then in self._ends(before, "stop", as_first=False):
                    self.order(first, then,
                               Flag.IMPLIES_FIRST | Flag.NO_MIGRATE | Flag.STOP_WAITS)
            for first in self._ends(before, "promote", as_first=True):
                for then in self._ends(after, "promote", as_first=False):
                    self.order(first, then, MANDATORY_START)
            for first in self._ends(after, "demote", as_first=True):
                for then in self._ends(before, "demote", as_first=False):
                    self.order(first, then, Flag.IMPLIES_FIRST)

    def remote_connections(self) -> None:
        """Actions on a remote node wait for its connection when the connection must start
        (an action there cannot run while the connection cannot be established)."""
        on_node: dict[str, list[Action]] = {}
        for action in self.table.actions:
            if action.node is not None and action.rsc is not None and not action.pseudo:
                on_node.setdefault(action.node.name, []).append(action)
        for node in self.cluster.nodes:
            if node.kind == "guest" and node.remote_rsc is not None:
                self._guest(node, on_node.get(node.name, []))
                continue
            if node.kind != "remote" or node.remote_rsc is None:
                continue
            conn = self.cluster.by_id.get(node.remote_rsc)
            if conn is None:
                continue
            starts = [a for a in self.table.find(conn, "start") if not a.optional]
            if not starts:
                continue
            # a stop (or demotion) there waits for the connection only while the connection
            # is to be re-established away from a lost host; otherwise it happens over the
            # connection as it is
            waits = connection_state(conn) in ("resting", "unknown")
            for action in on_node.get(node.name, ()):
                if action.task in ("stop", "demote") and not waits:
                    continue
                for start in starts:
                    self.order(start, action, Flag.RUNNABLE_LEFT)

    def _guest(self, node: WNode, actions: list[Action]) -> None:
        """What runs on a guest starts (is promoted, monitored) once its connection is up,
        again whenever the connection restarts; it stops before the connection does,
        unless the guest is being reset (then its stops are implied by the reset)."""
        conn = self.cluster.by_id.get(node.remote_rsc or "")
        if conn is None:
            return
        starts = self.table.find(conn, "start")
        stops = self.table.find(conn, "stop")
        container = conn.extra.get("container")
        container_starts = self.table.find(container, "start") \
            if isinstance(container, WRsc) else []
        # a bundle replica whose connection is placed is held up by its container first
        container_first = node.bundle_guest and conn.assigned is not None
        quiet = Flag.QUIET if node.bundle_guest else Flag.NONE
        for action in actions:
            if action.task in ("start", "promote") and container_first:
                for start in container_starts:
                    self.order(start, action, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
            if action.task in ("start", "promote", "monitor"):
                for start in starts:
                    self.order(start, action, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
            if action.task in ("start", "promote"):
                # (added last: a restart of the container is what requires it first)
                for start in container_starts:
                    self.order(start, action, Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT)
            elif action.task in ("stop", "demote") and not node.reset:
                for stop in stops:
                    self.order(action, stop, Flag.IMPLIES_FIRST | quiet)

    def _clone(self, clone: WRsc) -> None:
        t = self.table
        running = t.get(clone, "running", None)
        stopped = t.get(clone, "stopped", None)
        for inst in clone.children:
            for start in self._ends(inst, "start", as_first=True):
                self.order(start, running, Flag.ANY_RUNNABLE)
            for stop in self._ends(inst, "stop", as_first=True):
                self.order(stop, stopped, Flag.ANY_RUNNABLE)
        promoted = t.get(clone, "promoted", None)
        demoted = t.get(clone, "demoted", None)
        for inst in clone.children:
            for promote in self._ends(inst, "promote", as_first=True):
                self.order(promote, promoted, Flag.ANY_RUNNABLE)
            for demote in self._ends(inst, "demote", as_first=True):
                self.order(demote, demoted, Flag.ANY_RUNNABLE)
        if clone.extra.get("promotable"):
            # every demotion (also one implied by fencing) before any promotion: two
            # promoted instances must never overlap, even for a moment
            demotes = [d for inst in clone.children for d in self._ends(inst, "demote", True)]
            promotes = [p for inst in clone.children
                        for p in self._ends(inst, "promote", False)]
            for demote in demotes:
                for promote in promotes:
                    if demote.rsc is not promote.rsc:
                        self.order(demote, promote, Flag.NONE)

    # ---- endpoints --------------------------------------------------------------------

    def _ends(self, rsc: WRsc, task: str, as_first: bool) -> list[Action]:
        """The primitive actions that stand for ``task`` of ``rsc`` on one side of an order."""
        if rsc.variant == "primitive":
            return self.table.find(rsc, task)
        if as_first and task == "promote" and rsc.variant == "clone":
            from buttress.scheduler.promoted import promoted_summary

            summary = promoted_summary(self, rsc)
            if summary is not None:
                return [summary]
        if rsc.variant == "group" and as_first and task in ("start", "stop"):
            found = self.table.get(rsc, {"start": "running", "stop": "stopped"}[task], None)
            return [found] if found is not None else []
        if rsc.variant == "group":
            if not rsc.children:
                return []
            if not _ordered(rsc):
                return [a for child in rsc.children for a in self._ends(child, task, as_first)]
            forward = task in ("start", "promote")
            pick = rsc.children[-1] if forward == as_first else rsc.children[0]
            return self._ends(pick, task, as_first)
        if as_first:
            pseudo = {"start": "running", "stop": "stopped", "promote": "promoted",
                      "demote": "demoted"}.get(task)
            if pseudo is not None:
                found = self.table.get(rsc, pseudo, None)
                return [found] if found is not None else []
        found_all: list[Action] = []
        for inst in rsc.children:
            found_all.extend(self._ends(inst, task, as_first))
        return found_all

    # ---- constraints ------------------------------------------------------------------

    def constraints(self) -> None:
        for con in self.cluster.cib.configuration.orders:
            self._constraint(con)

    def _flags(self, con: Order, then_task: str, symmetrical: bool) -> int:
        kind = (con.kind or "").lower()
        if not kind:
            kind = "optional" if con.score is not None and parse_score(con.score) == 0 \
                else "mandatory"
        if kind == "mandatory":
            if then_task in ("start", "promote"):
                return MANDATORY_START if symmetrical else MANDATORY_START & ~Flag.STOP_BLOCKED
            return Flag.IMPLIES_THEN
        return Flag.NONE

    def _constraint(self, con: Order) -> None:
        pairs: list[tuple[WRsc, str, WRsc, str]] = []
        if not con.sets:
            f_task = _task(con.first_action or "start")
            t_task = _task(con.then_action or con.first_action or "start")
            for first in self.cluster.resolve(con.first):
                for then in self.cluster.resolve(con.then):
                    if self._one_or_more(con, first, f_task, then, t_task):
                        continue
                    pairs.append((first, f_task, then, t_task))
        else:
            previous: list[tuple[WRsc, str]] = []
            gate: Action | None = None
            for rset in con.sets:
                members = [(m, _task(rset.action or "start")) for r in rset.resources
                           for m in self.cluster.resolve(r)]
                if gate is not None:
                    for b, bt in members:
                        for then_action in self._ends(b, bt, as_first=False):
                            self.order(gate, then_action, self._flags(con, bt, True))
                    gate = None
                    previous = []
                for a, at in previous:
                    for b, bt in (members[:1] if rset.sequential else members):
                        pairs.append((a, at, b, bt))
                if not rset.require_all and members:
                    # what follows this set needs only one of its members
                    gate = self._gate(f"one-or-more:{rset.id}", 1,
                                      [a for m, mt in members
                                       for a in self._ends(m, mt, as_first=True)])
                    previous = []
                    continue
                if rset.sequential:
                    for (a, at), (b, bt) in itertools.pairwise(members):
                        pairs.append((a, at, b, bt))
                if members:
                    previous = members[-1:] if rset.sequential else members
        symmetrical = con.symmetrical
        kind = (con.kind or "").lower()
        if symmetrical is None:
            symmetrical = kind != "serialize"
        for first, f_task, then, t_task in pairs:
            self._pair(con, first, f_task, then, t_task, symmetrical)

    def _gate(self, name: str, needed: int, firsts: list[Action]) -> Action:
        """A pseudo action runnable once ``needed`` of ``firsts`` can run."""
        gate = self.table.make(None, name, None, optional=True, pseudo=True)
        gate.meta["needed"] = str(needed)
        for first in firsts:
            self.order(first, gate, Flag.ANY_RUNNABLE)
        return gate

    def _one_or_more(self, con: Order, first: WRsc, f_task: str, then: WRsc,
                     t_task: str) -> bool:
        """``first`` is a clone of which only some instances are needed (require-all=false
        or clone-min): order ``then`` after a gate that counts them."""
        if first.variant != "clone" or f_task != "start":
            return False
        clone_min = parse_score(first.meta.get("clone-min"), 0)
        if con.require_all and clone_min <= 0:
            return False
        firsts = [a for inst in first.children for a in self._ends(inst, "start", True)]
        gate = self._gate(f"clone-one-or-more:{con.id}", max(clone_min, 1), firsts)
        flags = self._flags(con, t_task, True)
        for then_action in self._ends(then, t_task, as_first=False):
            self.order(gate, then_action, flags)
        symmetrical = con.symmetrical if con.symmetrical is not None else True
        if symmetrical and t_task in INVERSE:
            self._link(then, INVERSE[t_task], first, "stop", Flag.NONE)
        return True

    def _pair(self, con: Order, first: WRsc, f_task: str, then: WRsc, t_task: str,
              symmetrical: bool) -> None:
        if (con.kind or "").lower() == "serialize":
            return
        flags = self._flags(con, t_task, symmetrical)
        inv_flags = Flag.IMPLIES_FIRST if flags else Flag.NONE
        if f_task == t_task and t_task in ("start", "stop") and \
                then.meta.get("restart-type", "").lower() == "restart":
            # the deprecated restart-type=restart: whatever restarts what this resource is
            # ordered after restarts it too, however weak the order
            flags |= Flag.IMPLIES_THEN
        self._link(first, f_task, then, t_task, flags)
        if symmetrical and f_task in INVERSE and t_task in INVERSE:
            self._link(then, INVERSE[t_task], first, INVERSE[f_task], inv_flags)

    def _link(self, first: WRsc, f_task: str, then: WRsc, t_task: str, flags: int) -> None:
        interleave = (first.variant == "clone" and then.variant == "clone"
                      and bool(then.extra.get("interleave")))
        if interleave:
            self._interleave(first, f_task, then, t_task, flags)
            return
        if f_task == "stop" and t_task == "stop" and flags & (Flag.IMPLIES_FIRST |
                                                               Flag.IMPLIES_THEN):
            flags |= Flag.STOP_WAITS
            if flags & Flag.IMPLIES_FIRST:
                flags |= Flag.NO_MIGRATE
        if then.variant == "clone":
            # one instance stopping does not make the whole clone stop, so it does not force
            # what is ordered after the clone (and so stops before it) to stop either
            flags &= ~Flag.IMPLIES_FIRST
        for a in self._ends(first, f_task, as_first=True):
            for b in self._ends(then, t_task, as_first=False):
                self.order(a, b, flags)

    def _interleave(self, first: WRsc, f_task: str, then: WRsc, t_task: str,
                    flags: int) -> None:
        """Each instance of ``then`` is ordered after the instance of ``first`` on its node.

        Where that instance will not do ``f_task`` there (it is not promoted there, or there
        is no instance there at all), the order is against an action that cannot run, so a
        mandatory order blocks the dependent instance.
        """
        for t_inst in then.children:
            t_node = _where(t_inst)
            if t_node is None:
                continue
            f_inst = next((f for f in first.children if f.assigned is t_node), None) or next(
                (f for f in first.children if _where(f) is t_node), None)
            firsts = self._ends(f_inst, f_task, as_first=True) if f_inst is not None else []
            if not firsts and f_task not in ("start", "promote"):
                continue
            if not firsts:
                holder = (f_inst.primitives()[0] if f_inst is not None
                          else first.children[0].primitives()[0] if first.children else None)
                if holder is None:
                    continue
                firsts = [self.table.make(holder, f_task, None, optional=True)]
            for a in firsts:
                for b in self._ends(t_inst, t_task, as_first=False):
                    self.order(a, b, flags | Flag.INTERLEAVED)

    # ---- propagation ------------------------------------------------------------------

    def propagate(self) -> None:
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


def _ordered(group: WRsc) -> bool:
    return group.meta.get("ordered", "true").lower() not in ("false", "no", "0", "off")


def _task(action: str) -> str:
    return {"promote": "promote", "demote": "demote", "stop": "stop", "start": "start"}.get(
        action, action)


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


def _where(inst: WRsc) -> WNode | None:
    """Where a clone instance is going to be, else where it is."""
    if inst.assigned is not None:
        return inst.assigned
    for prim in inst.primitives():
        if prim.running_on:
            return prim.running_on[0]
    return None

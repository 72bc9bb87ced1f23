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
from buttress.scheduler.order_flags import INVERSE, MANDATORY_START, Flag
from buttress.scheduler.propagation import Propagator
from buttress.scheduler.remote import connection_state
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import Action, Ordering, WNode, WRsc
from buttress.scores import parse_score


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
        # each instance action before its clone's summary action
        for pairs in ((("start", "running"), ("stop", "stopped")),
                      (("promote", "promoted"), ("demote", "demoted"))):
            summaries = [(task, self.table.get(clone, done, None)) for task, done in pairs]
            for inst in clone.children:
                for task, summary in summaries:
                    for action in self._ends(inst, task, as_first=True):
                        self.order(action, summary, Flag.ANY_RUNNABLE)
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

    def propagate(self) -> None:
        """Spread mandatory-ness and runnability along the orderings (:mod:`.propagation`)."""
        Propagator(self.table, self.blocker).run()


def _ordered(group: WRsc) -> bool:
    return group.meta.get("ordered", "true").lower() not in ("false", "no", "0", "off")


def _task(action: str) -> str:
    return {"promote": "promote", "demote": "demote", "stop": "stop", "start": "start"}.get(
        action, action)


def _where(inst: WRsc) -> WNode | None:
    """Where a clone instance is going to be, else where it is."""
    if inst.assigned is not None:
        return inst.assigned
    for prim in inst.primitives():
        if prim.running_on:
            return prim.running_on[0]
    return None

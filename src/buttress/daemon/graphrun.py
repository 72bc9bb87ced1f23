"""Run one transition graph: dispatch ready actions, collect results, fence, abort.

Contract of :class:`TransitionRun`:

* An action is *ready* when every action in its ``requires`` is done. Pseudo actions are
  done as soon as they are ready; ``stonith`` actions are run by the controller itself
  (:func:`buttress.daemon.fencing.fence_node`); every other action becomes an
  :class:`ActionOrder` under ``actions/<node>/``, written in one transaction per batch
  guarded by the leadership (a failed guard raises LostLeadership: stop at once).
* Several scheduler actions that are the same operation on the same node and resource
  (the probes of ``db:0``, ``db:1`` and ``db:2`` all run ``db monitor_0``) are run once.
* An action is done when its order disappeared and the node's history holds the result
  with this action's transition key; it failed when the result is not the expected rc.
  An order whose node left or rebooted is lost.
* The run *aborts* (dispatches nothing more, waits for what is in flight, returns) on a
  failed or lost action, a failed fence, a membership change, a configuration change, a
  history entry written by something other than this transition (a recurring monitor
  noticing a failure), or a transient attribute change (promotion scores). The caller
  then reads the state again and schedules anew: level-triggered, nothing is lost.
* The transition is recorded at ``transition`` (number, actions, state) for observers and
  for the next leader, which waits for the orders still in flight before it schedules,
  so an action that a dead leader dispatched is neither lost nor repeated.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from buttress.daemon.eventlog import EventLog
from buttress.daemon.fencing import FenceBook, LostLeadership, fence_node
from buttress.daemon.livecib import Snapshot
from buttress.daemon.records import (
    ActionOrder,
    DaemonKeys,
    HistoryEntry,
    dumps,
    parse_transition_key,
)
from buttress.model import Cib
from buttress.store import Compare, Event, EventType, Put, Store
from buttress.transition.graph import Transition, TransitionAction

log = logging.getLogger("buttress.controller")


@dataclass
class RunResult:
    """What a run did, and the sentence that tells it."""

    number: int
    total: int
    completed: list[TransitionAction] = field(default_factory=list)
    failed: list[tuple[TransitionAction, str]] = field(default_factory=list)
    abort_reason: str | None = None
    fenced: list[str] = field(default_factory=list)
    duration_s: float = 0.0

    def sentence(self) -> str:
        parts = [f"fenced {node}" for node in self.fenced]
        by_verb: dict[tuple[str, str], list[str]] = {}
        for action in self.completed:
            if action.task in ("start", "stop", "promote", "demote") and action.node:
                by_verb.setdefault((action.task, action.node), []).append(
                    action.resource or "?")
        for (task, node), names in sorted(by_verb.items()):
            verb = {"stop": "stopped", "promote": "promoted", "demote": "demoted"}.get(
                task, "started")
            parts.append(f"{verb} {', '.join(sorted(names))} on {node}")
        for action, why in self.failed:
            if action.task == "stonith":
                parts.append(f"fencing of {action.node} failed: {why}")
            else:
                parts.append(f"{action.task} of {action.resource} on {action.node} failed: "
                             f"{why}")
        done = "; ".join(parts) if parts else "no resource changes"
        if self.abort_reason:
            return (f"transition {self.number} aborted after {len(self.completed)} of "
                    f"{self.total} actions ({self.abort_reason}): {done}")
        return (f"transition {self.number} complete in {self.duration_s:.1f}s "
                f"({self.total} actions): {done}")


@dataclass(frozen=True)
class _Dispatched:
    action: TransitionAction
    key: str
    node: str
    resource: str
    op_key: str


class TransitionRun:
    """One transition being run by the leader (module docstring)."""

    def __init__(self, store: Store, keys: DaemonKeys, guard: list[Compare], number: int,
                 transition: Transition, snap: Snapshot, cib: Cib, events: EventLog,
                 fence_book: FenceBook, leader_name: str,
                 still_leading: Callable[[], bool],
                 already_done: set[int] | None = None) -> None:
        self.store = store
        self.keys = keys
        self.guard = guard
        self.number = number
        self.transition = transition
        self.snap = snap
        self.cib = cib
        self.events = events
        self.fence_book = fence_book
        self.leader_name = leader_name
        self.still_leading = still_leading
        self.result = RunResult(number, len(transition.actions))
        self._wake = asyncio.Event()
        self._done: set[int] = set(already_done or ())
        self._dispatched: dict[str, _Dispatched] = {}
        self._same_op: dict[tuple[str, str, str], list[int]] = {}
        self._settled: list[tuple[str, HistoryEntry | None]] = []
        self._fences: dict[int, asyncio.Task[tuple[bool, str]]] = {}
        self._polled = time.monotonic()

    # -- events from the controller's feed -------------------------------------------

    def on_event(self, event: Event) -> None:
        """Called for every change under the cluster prefix while this run is active."""
        layout = self.keys.layout
        try:
            parts = layout.parse(event.key)
        except Exception:
            return
        kind = parts[0]
        if kind == "actions" and event.type is EventType.DELETE and \
                event.key in self._dispatched:
            self._settled.append((event.key, None))
        elif kind == "history" and event.type is EventType.PUT and len(parts) == 4:
            entry = HistoryEntry.decode(event.value)
            parsed = parse_transition_key(entry.transition_key) if entry else None
            if entry is not None and parsed is not None and parsed[1] == self.number:
                for key, sent in self._dispatched.items():
                    if (sent.node, sent.resource, sent.op_key) == (parts[1], parts[2],
                                                                    parts[3]):
                        self._settled.append((key, entry))
            elif entry is not None:
                what = "failed" if entry.failed else f"returned rc {entry.rc}"
                self.abort(f"{parts[2]} {entry.task} {what} on {parts[1]}")
        elif kind == "members":
            node = parts[1] if len(parts) > 1 else "?"
            verb = "joined" if event.type is EventType.PUT else "left the cluster"
            self.abort(f"node {node} {verb}")
            if event.type is EventType.DELETE:
                self.snap.members.pop(node, None)
                for key, sent in self._dispatched.items():
                    if sent.node == node:
                        self._settled.append((key, None))
        elif event.key == layout.config():
            self.abort("the configuration changed")
        elif kind == "attributes" and len(parts) == 3 and \
                not parts[2].startswith(("fail-count-", "last-failure-")):
            self.abort(f"attribute {parts[2]} changed on {parts[1]}")
        self._wake.set()

    def abort(self, reason: str) -> None:
        if self.result.abort_reason is None:
            self.result.abort_reason = reason
            log.info("transition %d: aborting: %s", self.number, reason)

    # -- running ---------------------------------------------------------------------------

    async def _record(self, state: str) -> None:
        actions = [{"id": a.id, "task": a.task, "resource": a.resource, "node": a.node,
                    "interval": a.interval_ms, "done": a.id in self._done}
                   for a in self.transition.actions if not a.pseudo]
        value = dumps({"number": self.number, "leader": self.leader_name, "state": state,
                       "actions": actions, "ts": time.time()})
        written = await self.store.txn(self.guard, [Put(self.keys.layout.transition(), value)])
        if not written.succeeded:
            raise LostLeadership()

    async def run(self) -> RunResult:
        began = time.monotonic()
        await self._record("running")
        pending = {a.id: a for a in self.transition.actions if a.id not in self._done}
        try:
            while True:
                if not self.still_leading():
                    raise LostLeadership()
                progressed = False
                if self.result.abort_reason is None:
                    progressed = await self._dispatch_ready(pending)
                progressed = await self._collect() or progressed
                if not self._dispatched and not self._fences and (
                        not pending or self.result.abort_reason is not None):
                    break
                if not progressed and not self._settled:
                    await self._sleep()
                    if time.monotonic() - self._polled > 2.0:
                        await self._poll()
        finally:
            for task in self._fences.values():
                task.cancel()
        if pending and self.result.abort_reason is None:
            self.abort("actions could not run")
        self.result.duration_s = time.monotonic() - began
        await self._record("aborted" if self.result.abort_reason else "complete")
        return self.result

    async def _sleep(self) -> None:
        self._wake.clear()
        waits: list[asyncio.Future[object]] = [
            asyncio.ensure_future(self._wake.wait())]
        waits.extend(self._fences.values())  # type: ignore[arg-type]
        await asyncio.wait(waits, timeout=1.0, return_when=asyncio.FIRST_COMPLETED)
        waits[0].cancel()

    async def _dispatch_ready(self, pending: dict[int, TransitionAction]) -> bool:
        progressed = False
        batch: list[Put] = []
        sent: list[_Dispatched] = []
        for action in list(pending.values()):
            if not all(r in self._done for r in action.requires):
                continue
            del pending[action.id]
            if action.pseudo or action.node is None or (
                    action.task != "stonith" and action.resource is None):
                self._complete(action)
                progressed = True
            elif action.task == "stonith":
                self._fences[action.id] = asyncio.ensure_future(self._fence(action))
            else:
                order = self._order(action)
                if order is None:
                    self.result.failed.append((action, f"{action.node} is not online"))
                    self.abort(f"{action.node} is not online")
                    continue
                identity = (action.node, order.resource, order.op_key)
                if identity in self._same_op and action.task != "notify":
                    self._same_op[identity].append(action.id)
                    continue
                self._same_op[identity] = []
                key = self.keys.action(action.node, self.number, action.id)
                batch.append(Put(key, order.encode()))
                sent.append(_Dispatched(action, key, action.node, order.resource,
                                        order.op_key))
        if batch:
            # registered before the write: results may come back before the txn returns
            for item in sent:
                self._dispatched[item.key] = item
            written = await self.store.txn(self.guard, batch)
            if not written.succeeded:
                raise LostLeadership()
            log.info("transition %d: dispatched %s", self.number,
                     ", ".join(f"{d.resource}_{d.op_key}@{d.node}" for d in sent))
        return progressed

    def _order(self, action: TransitionAction) -> ActionOrder | None:
        assert action.node is not None
        member = self.snap.members.get(action.node)
        if member is None:
            return None
        return ActionOrder(self.number, action.id, action.task,
                           action.lrm_id or action.resource or "", action.resource or "",
                           action.interval_ms, action.target_rc, str(member.get("boot", "")),
                           time.time(), dict(action.notify))

    def _complete(self, action: TransitionAction) -> None:
        self._done.add(action.id)
        if not action.pseudo:
            self.result.completed.append(action)

    async def _poll(self) -> None:
        """Safety net for missed events: settle orders that are gone from the queue."""
        self._polled = time.monotonic()
        queued = await self.store.range(self.keys.actions_prefix())
        present = {kv.key for kv in queued.kvs}
        for key in self._dispatched:
            if key not in present and all(key != k for k, _ in self._settled):
                self._settled.append((key, None))

    async def _lookup(self, sent: _Dispatched) -> HistoryEntry | None:
        """The node's history entry for a settled order, if this action wrote it."""
        if sent.node not in self.snap.members:
            return None
        kv = await self.store.get(self.keys.layout.history(sent.node, sent.resource,
                                                           sent.op_key))
        entry = HistoryEntry.decode(kv.value) if kv is not None else None
        parsed = parse_transition_key(entry.transition_key) if entry else None
        if parsed is None or parsed[:2] != (sent.action.id, self.number):
            return None
        return entry

    async def _collect(self) -> bool:
        """Settle finished orders and fences; True when anything settled."""
        settled, self._settled = self._settled, []
        finished = [aid for aid, task in self._fences.items() if task.done()]
        for key, entry in settled:
            sent = self._dispatched.pop(key, None)
            if sent is None:
                continue
            if entry is None:
                entry = await self._lookup(sent)
            followers = self._same_op.pop((sent.node, sent.resource, sent.op_key), [])
            action = sent.action
            if entry is None and action.task == "notify":
                # agents confirm a notification by removing its order; like Pacemaker,
                # a notification's outcome never blocks the transition
                self._complete(action)
                continue
            if entry is None:
                self.result.failed.append((action, "the order was lost"))
                self.abort(f"{action.task} of {action.resource} on {sent.node} was lost")
                continue
            if entry.rc == action.target_rc and entry.op_status == 0:
                self._complete(action)
                for other in followers:
                    self._done.add(other)
                continue
            why = entry.exit_reason or f"rc={entry.rc}"
            self.result.failed.append((action, why))
            self.abort(f"{action.task} of {action.resource} failed on {sent.node}")
        for aid, task in list(self._fences.items()):
            if not task.done():
                continue
            del self._fences[aid]
            action = next(a for a in self.transition.actions if a.id == aid)
            if task.cancelled():
                continue
            error = task.exception()
            if isinstance(error, LostLeadership):
                raise error
            ok, why = task.result() if error is None else (False, str(error))
            if ok:
                self._complete(action)
                self.result.fenced.append(action.node or "?")
            else:
                self.result.failed.append((action, why))
                self.abort(f"fencing of {action.node} failed")
        return bool(settled or finished)

    async def _fence(self, action: TransitionAction) -> tuple[bool, str]:
        node = action.node or ""
        wait = self.fence_book.retry_in(node, time.monotonic())
        if wait > 0:
            return False, f"retrying in {wait:.0f}s after earlier failures"
        if not self.still_leading():
            raise LostLeadership()
        held = self.snap.member_kvs.get(node)
        result = await fence_node(self.store, self.keys, self.guard, self.cib, node,
                                  action.fence_action or "reboot", self.events,
                                  self.leader_name, held.value if held else None)
        if result.ok:
            self.fence_book.succeeded(node)
            return True, result.reason
        count = self.fence_book.failed(node, time.monotonic())
        log.error("fencing %s failed (%d times): %s", node, count, result.reason)
        return False, result.reason

"""The controller: leader election on an etcd lease and the level-triggered reconcile loop.

Where it runs: every full-node agent starts one candidate in its own process (as
Pacemaker's controller runs on every node and one is the DC); ``buttress controller``
runs a candidate alone (for control-plane-only hosts, and for tests that kill a leader
without killing a node). Candidates are equal; the first to create the ``leader`` key
(an exclusive put attached to its own lease) leads, the others watch the key and try
again when it disappears.

The leader repeats :meth:`Controller.reconcile` (Kubernetes' reconcile, Patroni's loop):

1. read the whole cluster in one range (:func:`buttress.daemon.livecib.read_snapshot`);
2. if orders of an earlier transition are still in flight on live nodes (a previous
   leader died mid-transition), wait for them: their results land in the history, so the
   next schedule neither repeats nor forgets them;
3. build the live CIB and ``schedule(cib, now)``;
4. run the graph (:class:`buttress.daemon.graphrun.TransitionRun`) until it completes or
   aborts; then go round again at once. When nothing is left to do, sleep until the store
   changes (or ``recheck_s`` passes, for failure timeouts and fencing retries).

Each pass returns a sentence (also logged and stored at ``controller/status``), e.g.
``"transition 3 complete in 1.2s (9 actions): fenced n1; started d1, d2 on n2"`` or
``"no change needed: 3 of 3 nodes online"``.

A candidate that runs inside a node agent (``node`` set) campaigns only while that agent is
a member, and never fences its own node: when a transition would fence it, the leader steps
down and stays out of the election for ``2 * lease_ttl`` so a candidate on another node
fences it and records the confirmation (a node that powers itself off cannot).

Beside that loop the leader runs the instance-HA loop (:mod:`.instanceha`): fence events
recorded by ``fence_nova`` levels drive the evacuation engine (recover, resume after a
leader change, restore when the node is back), poked by changes of fence events,
membership and configuration.

Every write is a transaction guarded by ``leader == <this candidate's identity>``. When the
leadership is lost (the LeaseKeeper finds the key taken, a guarded write fails, or the lease
has not been renewed for a full TTL) the leading task is cancelled at once, which also
kills a fence agent or waits in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from pathlib import Path

from buttress.cib.reader import cib_from_element
from buttress.daemon.eventlog import EventLog
from buttress.daemon.fencing import FenceBook, LostLeadership
from buttress.daemon.graphrun import TransitionRun
from buttress.daemon.instanceha import InstanceHa
from buttress.daemon.livecib import Snapshot, build_cib, read_snapshot
from buttress.daemon.records import DaemonKeys, dumps
from buttress.daemon.watching import follow
from buttress.errors import ButtressError
from buttress.scheduler import schedule
from buttress.store import (
    Compare,
    Delete,
    Event,
    EventType,
    KeyValue,
    LeaseKeeper,
    Put,
    Store,
    StoreError,
)
from buttress.transition.graph import Transition

log = logging.getLogger("buttress.controller")


class Controller:
    """One controller candidate (module docstring)."""

    def __init__(self, store: Store, cluster: str, name: str, *, lease_ttl: int = 5,
                 events_path: Path | None = None, recheck_s: float = 15.0,
                 node_member: asyncio.Event | None = None) -> None:
        """``node_member``: set while the agent of the node this candidate runs on is a
        member (the candidate then runs on node ``name``); None for a standalone one."""
        self.store = store
        self.node_member = node_member
        self.keys = DaemonKeys.of(cluster)
        self.layout = self.keys.layout
        self.name = name
        self.identity = f"{name}:{uuid.uuid4().hex[:8]}"
        self.lease_ttl = lease_ttl
        self.recheck_s = recheck_s
        self.events = EventLog(events_path, f"controller:{name}")
        self.fence_book = FenceBook()
        self.keeper = LeaseKeeper(store, lease_ttl, interval=max(lease_ttl / 5, 0.2),
                                  on_lost=self._on_lost)
        self.leading = False
        self.sentences: list[str] = []
        self._lead_task: asyncio.Task[None] | None = None
        self._changed = asyncio.Event()
        self._run: TransitionRun | None = None
        self._stepped_down = False
        self.instance_ha: InstanceHa | None = None

    @property
    def guard(self) -> list[Compare]:
        return [Compare.value(self.layout.leader(), "==", self.identity)]

    def still_leading(self) -> bool:
        fresh = time.monotonic() - self.keeper.last_renewed < self.lease_ttl
        return self.leading and fresh

    async def _on_lost(self, key: str) -> None:
        if key == self.layout.leader():
            self._abdicate("another controller holds the leader key")

    def _abdicate(self, why: str) -> None:
        if self.leading:
            log.warning("%s: lost leadership: %s", self.name, why)
        self.leading = False
        if self._lead_task is not None and not self._lead_task.done():
            self._lead_task.cancel()

    # -- election ----------------------------------------------------------------------

    async def run(self) -> None:
        """Campaign and lead, forever (until cancelled)."""
        try:
            while True:
                if self._stepped_down:
                    self._stepped_down = False
                    await asyncio.sleep(2 * self.lease_ttl)
                if self.node_member is not None:
                    await self.node_member.wait()
                try:
                    await self._campaign()
                except StoreError as error:
                    log.debug("%s: campaign failed: %s", self.name, error)
                    await asyncio.sleep(0.3)
                    continue
                self._lead_task = asyncio.ensure_future(self._lead())
                with contextlib.suppress(asyncio.CancelledError):
                    await self._lead_task
                self.leading = False
                with contextlib.suppress(StoreError):
                    await self.keeper.remove(self.layout.leader())
        finally:
            if self._lead_task is not None:
                self._lead_task.cancel()
            await self.keeper.stop(revoke=True)

    async def _campaign(self) -> None:
        if self.keeper.lease is None:
            await self.keeper.start()
        while True:
            if await self.keeper.put(self.layout.leader(), self.identity, exclusive=True):
                self.leading = True
                log.info("%s: elected leader (%s)", self.name, self.identity)
                return
            held = await self.store.range(self.layout.leader())
            if not held.kvs:
                continue
            async with self.store.watch(self.layout.leader(),
                                        start_revision=held.revision + 1) as events:
                async for event in events:
                    if event.type is EventType.DELETE:
                        break

    # -- leading -----------------------------------------------------------------------

    async def _lead(self) -> None:
        feed = asyncio.ensure_future(follow(self.store, self.keys.prefix, self._on_list,
                                            self._on_event))
        self.instance_ha = InstanceHa(self.store, self.keys, self.guard, events=self.events,
                                      still_leading=self.still_leading)
        evacuations = asyncio.ensure_future(self.instance_ha.run())
        try:
            while True:
                if not self.still_leading():
                    self._abdicate("the leader lease was not renewed in time")
                    return
                try:
                    sentence, again = await self.reconcile()
                except LostLeadership:
                    self._abdicate("a guarded write failed")
                    return
                except _MustBeFenced as must:
                    await self._publish(f"stepping down: {must} must be fenced by another "
                                        "node's controller")
                    self._stepped_down = True
                    self._abdicate(f"{must} must be fenced")
                    return
                except StoreError as error:
                    sentence, again = f"the store is unavailable: {error}", False
                    await asyncio.sleep(0.3)
                await self._publish(sentence)
                if not again:
                    await self._wait_for_change()
        finally:
            feed.cancel()
            evacuations.cancel()
            self.instance_ha = None
            for task in (feed, evacuations):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _on_list(self, kvs: tuple[KeyValue, ...]) -> None:
        self._changed.set()

    async def _on_event(self, event: Event) -> None:
        if event.key in (self.layout.transition(), self.keys.controller_status(),
                         self.layout.leader()):
            return
        if event.key.startswith(self.keys.evacuation_journal()):
            return  # the instance-HA loop's own progress
        if self.instance_ha is not None and (
                event.key.startswith((self.keys.fence_events_prefix(),
                                      self.layout.members_prefix()))
                or event.key == self.layout.config()):
            self.instance_ha.poke()
        if event.key.startswith(self.keys.actions_prefix()) and event.type is EventType.PUT:
            return
        if self._run is not None:
            self._run.on_event(event)
        self._changed.set()

    async def _wait_for_change(self) -> None:
        timeout = self.recheck_s
        retry = [self.fence_book.retry_in(n, time.monotonic())
                 for n in self.fence_book.failures]
        if retry:
            timeout = min(timeout, max(0.2, min(retry) + 0.05))
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._changed.wait(), timeout)
        self._changed.clear()

    async def _publish(self, sentence: str) -> None:
        if sentence != (self.sentences[-1] if self.sentences else None):
            log.info("%s: %s", self.name, sentence)
        self.sentences.append(sentence)
        del self.sentences[:-50]
        value = dumps({"leader": self.name, "sentence": sentence, "ts": time.time()})
        with contextlib.suppress(StoreError):
            written = await self.store.txn(self.guard,
                                           [Put(self.keys.controller_status(), value)])
            if not written.succeeded:
                self._abdicate("a guarded write failed")

    # -- one pass ----------------------------------------------------------------------

    async def reconcile(self) -> tuple[str, bool]:
        """One level-triggered pass. Returns (sentence, whether to go again at once)."""
        self._changed.clear()
        snap = await read_snapshot(self.store, self.keys)
        if snap.config is None:
            return "no configuration in the store yet; waiting", False
        in_flight = await self._in_flight(snap)
        if in_flight:
            await self._wait_for_change()
            return (f"waiting for {in_flight} action(s) in flight from transition "
                    f"{snap.transition.get('number', '?')}", True)
        try:
            root = build_cib(snap)
            cib = cib_from_element(root)
            transition = schedule(cib, int(time.time()))
        except ButtressError as error:
            return f"cannot schedule: {error}", False
        if self.node_member is not None and any(
                a.task == "stonith" and a.node == self.name for a in transition.actions):
            raise _MustBeFenced(self.name)
        known = redundant_probes(snap, transition)
        real = [a for a in transition.actions if not a.pseudo and a.id not in known]
        if not real:
            online = len(snap.members)
            total = len(cib.configuration.nodes)
            return f"no change needed: {online} of {total} nodes online", False
        number = int(str(snap.transition.get("number", 0) or 0)) + 1
        run = TransitionRun(self.store, self.keys, self.guard, number, transition, snap, cib,
                            self.events, self.fence_book, self.name, self.still_leading,
                            already_done=known)
        self._run = run
        try:
            result = await run.run()
        finally:
            self._run = None
        again = not any(a.task == "stonith" for a, _ in result.failed)
        return result.sentence(), again

    async def _in_flight(self, snap: Snapshot) -> int:
        """Orders still queued on live nodes; stale ones (node gone or rebooted) go."""
        stale = []
        live = 0
        for key, kv in snap.queued.items():
            node = key[len(self.keys.actions_prefix()):].split("/", 1)[0]
            member = snap.members.get(node)
            from buttress.daemon.records import ActionOrder

            order = ActionOrder.decode(kv.value)
            if member is None or order is None or order.boot != member.get("boot"):
                stale.append(key)
            else:
                live += 1
        if stale:
            written = await self.store.txn(self.guard, [Delete(k) for k in stale])
            if not written.succeeded:
                raise LostLeadership()
        return live


class _MustBeFenced(Exception):
    """The transition fences the node this leader runs on; another node must do it."""


def redundant_probes(snap: Snapshot, transition: Transition) -> set[int]:
    """Probes of a resource the node has already probed (its history holds a ``monitor_0``).

    The scheduler may ask for one probe per anonymous clone instance on a node although
    the node keeps one history for the resource (``lrm_id``); the node has already said
    what runs there, so these probes are done without running them again.
    """
    found = set()
    for action in transition.actions:
        if action.task != "monitor" or action.interval_ms != 0 or action.node is None:
            continue
        rsc = action.lrm_id or action.resource or ""
        if "monitor_0" in snap.history.get(action.node, {}).get(rsc, {}):
            found.add(action.id)
    return found

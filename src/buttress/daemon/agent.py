"""The node agent: membership on a lease, the node's action queue, history, self-fencing.

Lifecycle of :class:`NodeAgent` (``buttress agent --node NAME --store ENDPOINT``):

1. **Boot.** The node's run directory (``<state>/run``: ``HA_RSCTMP``, ``HA_VARRUN``) is
   its volatile ``/run``; with ``wipe_run_dir`` (the sandbox, where a BMC power cycle
   restarts the agent) it is emptied, as a real reboot would. If the node's membership
   key is still held by a previous incarnation, the agent waits for that lease to expire
   (so the controller sees the node lost and fences it: a crashed node is never trusted).
2. **Join.** One transaction erases the node's history, transient attributes and queue,
   and writes its :class:`NodeRecord` (expected "member", a fresh boot id); then the
   membership key ``members/<node>`` is put on the agent's lease (LeaseKeeper).
3. **Serve.** Orders appearing under ``actions/<node>/`` are run (one task each, one lock
   per resource). Each result is written in ONE transaction guarded by the membership key
   still being ours: the history entry, the deletion of the order, the fail count on a
   failure, and the erasure of cancelled recurring monitors. A guard failure means the
   cluster removed us (fenced, lease lost): the agent stops everything and joins again,
   unless a stop failed: then it stays out of the cluster, to be fenced.
   The agents' helper commands are served from the store (:mod:`.attributes`).
4. **Self-fence.** When the lease could not be renewed for ``lease_ttl - margin -
   stop_budget`` seconds (:class:`buttress.fencing.SelfFencePolicy`), every local
   resource is stopped at once and no order is run until renewals succeed again, so a
   node cut off from the store is inert before its lease can expire anywhere. The stop
   results are written to the history once the store answers again.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import time
import uuid
from collections.abc import Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from buttress.daemon.attributes import StoreAttributeBackend
from buttress.daemon.eventlog import EventLog
from buttress.daemon.faultagent import sandbox_registry
from buttress.daemon.localexec import EXEC_DONE, LocalResources, OpOutcome
from buttress.daemon.records import (
    ActionOrder,
    DaemonKeys,
    HistoryEntry,
    NodeRecord,
    transition_key,
)
from buttress.daemon.watching import follow
from buttress.exec import AttributeServer, ExecContext, install_helper_bin
from buttress.fencing import SelfFenceGuard, SelfFencePolicy
from buttress.store import (
    Compare,
    Delete,
    Event,
    EventType,
    KeyValue,
    LeaseKeeper,
    Op,
    Put,
    Store,
    StoreError,
    StoreUnavailable,
)

log = logging.getLogger("buttress.agent")


@dataclass
class AgentSettings:
    """How one node agent runs. ``lease_ttl`` in whole seconds (etcd leases are)."""

    node: str
    cluster: str = "buttress"
    state_dir: Path = field(default_factory=lambda: Path("/var/lib/buttress"))
    lease_ttl: int = 5
    wipe_run_dir: bool = False
    events_path: Path | None = None
    stop_budget_s: float | None = None
    safety_margin_s: float | None = None

    def policy(self) -> SelfFencePolicy:
        margin = self.safety_margin_s if self.safety_margin_s is not None \
            else max(0.4, self.lease_ttl * 0.2)
        budget = self.stop_budget_s if self.stop_budget_s is not None \
            else max(0.4, self.lease_ttl * 0.3)
        return SelfFencePolicy(float(self.lease_ttl), budget, margin)


def _short_socket_path(state_dir: Path, node: str) -> Path:
    path = state_dir / "attrd.sock"
    if len(str(path)) < 100:
        return path
    short = Path("/tmp") / f"buttress-{uuid.uuid4().hex[:10]}"
    short.mkdir(mode=0o700)
    return short / f"{node}.sock"


class NodeAgent:
    """One node's agent (module docstring). ``run()`` until cancelled."""

    def __init__(self, store: Store, settings: AgentSettings) -> None:
        self.store = store
        self.settings = settings
        self.node = settings.node
        self.keys = DaemonKeys.of(settings.cluster)
        self.layout = self.keys.layout
        self.events = EventLog(settings.events_path, f"agent:{self.node}")
        state = settings.state_dir
        self.run_dir = state / "run"
        self.socket_path = _short_socket_path(state, self.node)
        self.ctx = ExecContext(self.node, self.run_dir / "rsctmp",
                               helper_bin=None, attrd_socket=self.socket_path,
                               ha_varrun=self.run_dir / "varrun")
        self.resources = LocalResources(self.node, self.ctx, self.events,
                                        sandbox_registry(self.run_dir))
        self.keeper = LeaseKeeper(store, settings.lease_ttl,
                                  interval=max(settings.lease_ttl / 5, 0.2),
                                  on_regrant=self._on_regrant)
        self.boot = ""
        self.member_value = b""
        self.call_id = 0
        self.self_fenced = False
        self.joined = asyncio.Event()
        self._running: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self._unsent: list[tuple[str, HistoryEntry]] = []
        self._rejoin = asyncio.Event()
        self._config_revision = 0

    # -- boot and join -------------------------------------------------------------------

    def _prepare_dirs(self) -> None:
        state = self.settings.state_dir
        state.mkdir(parents=True, exist_ok=True)
        if self.settings.wipe_run_dir and self.run_dir.exists():
            shutil.rmtree(self.run_dir, ignore_errors=True)
        for sub in ("rsctmp", "varrun"):
            (self.run_dir / sub).mkdir(parents=True, exist_ok=True)
        bin_dir = install_helper_bin(state / "bin")
        self.ctx = ExecContext(self.node, self.run_dir / "rsctmp", helper_bin=bin_dir,
                               attrd_socket=self.socket_path, ha_varrun=self.run_dir / "varrun")
        self.resources.ctx = self.ctx
        self.resources.executor.ctx = self.ctx

    async def _wait_previous_incarnation(self) -> None:
        member = self.layout.member(self.node)
        announced = False
        while True:
            held = await self.store.get(member)
            if held is None:
                return
            if not announced:
                log.warning("%s: a previous agent of this node still holds %s; waiting for "
                            "its lease to expire", self.node, member)
                announced = True
            await asyncio.sleep(0.1)

    async def join(self) -> None:
        """Steps 1-2 of the module docstring. Raises StoreUnavailable."""
        await self._wait_previous_incarnation()
        self.boot = uuid.uuid4().hex[:12]
        self.member_value = json.dumps(
            {"boot": self.boot, "pid": os.getpid(), "since": time.time()},
            sort_keys=True).encode()
        record = NodeRecord("member", self.boot, time.time())
        lease = self.keeper.lease or await self.keeper.start()
        member = self.layout.member(self.node)
        # One transaction: the record must never say "member" without the membership key,
        # or the controller would see a lost node and fence us again.
        joined = await self.store.txn([Compare.absent(member)], [
            Delete(self.layout.history_prefix(self.node), prefix=True),
            Delete(self.layout.attributes_prefix(self.node), prefix=True),
            Delete(self.keys.actions_prefix(self.node), prefix=True),
            Put(self.keys.node(self.node), record.encode()),
            Put(member, self.member_value, lease.id),
        ])
        if not joined.succeeded:
            raise StoreError(f"{member} was taken while joining")
        self.call_id = 0
        await self.keeper.put(member, self.member_value)  # remembered for re-grants
        self.self_fenced = False
        self.joined.set()
        log.info("%s joined the cluster (boot %s)", self.node, self.boot)

    async def _on_regrant(self, _lease: object) -> None:
        # Our lease expired: the cluster may have declared us lost (and fenced us).
        log.warning("%s: membership lease expired and was re-granted; rejoining", self.node)
        self._rejoin.set()

    # -- main loop -----------------------------------------------------------------------

    async def run(self) -> None:
        """Boot, join, serve until cancelled (then stop the lease keeper)."""
        self._prepare_dirs()
        await self.store.get(self.layout.config())  # fail fast when etcd is unreachable
        server = AttributeServer(StoreAttributeBackend(self.store, self.keys, self.node),
                                 self.socket_path, self.node)
        await server.start()
        try:
            await self.join()
            loops = [self._spawn(self._follow_config()), self._spawn(self._follow_queue()),
                     self._spawn(self._guard_loop()), self._spawn(self._rejoin_loop())]
            await asyncio.gather(*loops)
        finally:
            for task in list(self._tasks):
                task.cancel()
            self.resources.cancel_recurring()
            await self.keeper.stop(revoke=False)
            await server.close()

    def _spawn(self, coro: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _follow_config(self) -> None:
        from buttress.cib.reader import parse_cib
        from buttress.errors import ButtressError

        async def apply(value: bytes, revision: int) -> None:
            if revision <= self._config_revision:
                return
            try:
                self.resources.set_config(parse_cib(value))
                self._config_revision = revision
            except ButtressError as exc:
                log.error("%s: the stored configuration cannot be used: %s", self.node, exc)

        async def on_list(kvs: tuple[KeyValue, ...]) -> None:
            for kv in kvs:
                await apply(kv.value, kv.mod_revision)

        async def on_event(event: Event) -> None:
            if event.type is EventType.PUT:
                await apply(event.value, event.mod_revision)

        await follow(self.store, self.layout.config(), on_list, on_event)

    async def _follow_queue(self) -> None:
        async def on_list(kvs: tuple[KeyValue, ...]) -> None:
            for kv in kvs:
                self._accept(kv.key, kv.value)

        async def on_event(event: Event) -> None:
            if event.type is EventType.PUT:
                self._accept(event.key, event.value)

        await self.joined.wait()
        await follow(self.store, self.keys.actions_prefix(self.node), on_list, on_event)

    def _accept(self, key: str, value: bytes) -> None:
        order = ActionOrder.decode(value)
        if key in self._running or order is None:
            return
        if order.boot != self.boot:
            log.info("%s: dropping order %s for another boot", self.node, key)
            self._spawn(self._drop(key))
            return
        self._running.add(key)
        self._spawn(self._handle(key, order))

    async def _drop(self, key: str) -> None:
        with contextlib.suppress(StoreError):
            await self.store.txn([Compare.value(self.layout.member(self.node), "==",
                                                self.member_value)], [Delete(key)])

    # -- running orders ------------------------------------------------------------------

    async def _handle(self, key: str, order: ActionOrder) -> None:
        try:
            while self.self_fenced or self._config_revision == 0:
                await asyncio.sleep(0.05)
            outcome = await self.resources.execute(order.resource, order.instance, order.task,
                                                   order.interval_ms, order.meta)
            log.info("%s: %s %s_%s: rc=%d%s", self.node, order.key, order.resource,
                     order.op_key, outcome.rc,
                     f" ({outcome.exit_reason})" if outcome.exit_reason else "")
            if order.task == "notify":
                await self._write([], [Delete(key)])
                return
            entry = self._entry(order.task, order.interval_ms, outcome, order.key)
            await self._record(order.resource, entry, extra=[Delete(key)],
                               clear_monitors=order.task in ("start", "stop", "promote",
                                                             "demote"))
            if order.task == "monitor" and order.interval_ms > 0:
                self.resources.start_recurring(order.resource, order.instance,
                                               order.interval_ms, order.target_rc, outcome,
                                               self._monitor_changed)
        finally:
            self._running.discard(key)

    def _entry(self, task: str, interval_ms: int, outcome: OpOutcome, tkey: str
               ) -> HistoryEntry:
        self.call_id += 1
        return HistoryEntry(task, interval_ms, self.call_id, outcome.rc, outcome.op_status,
                            tkey, int(time.time()), outcome.exec_ms, outcome.exit_reason,
                            outcome.rsc_class, outcome.provider, outcome.type,
                            outcome.op_digest)

    async def _monitor_changed(self, rsc: str, instance: str, interval_ms: int,
                               target_rc: int, outcome: OpOutcome) -> None:
        if self.self_fenced:
            return
        entry = self._entry("monitor", interval_ms, outcome,
                            transition_key(0, 0, target_rc))
        await self._record(rsc, entry)

    @staticmethod
    def _is_failure(entry: HistoryEntry) -> bool:
        if entry.op_status != EXEC_DONE:
            return True
        if entry.task == "monitor" and entry.interval_ms == 0:
            return entry.rc not in (0, 7, 8)
        if entry.task == "stop" and entry.rc == 7:
            return False
        return entry.rc != entry.target_rc

    async def _record(self, rsc: str, entry: HistoryEntry, extra: list[Op] | None = None,
                      clear_monitors: bool = False) -> None:
        """Write one result (module docstring, step 3); retries while the store is away."""
        while True:
            ops: list[Op] = [Put(self.layout.history(self.node, rsc, entry.op_key),
                                 entry.encode()), *(extra or [])]
            try:
                if clear_monitors:
                    existing = await self.store.range(
                        self.layout.history_resource_prefix(self.node, rsc))
                    for kv in existing.kvs:
                        name = kv.key.rsplit("/", 1)[1]
                        if name.startswith("monitor_") and name != "monitor_0":
                            ops.append(Delete(kv.key))
                if self._is_failure(entry):
                    ops.extend(await self._fail_count_ops(rsc, entry))
                await self._write([], ops)
                return
            except StoreUnavailable as error:
                log.warning("%s: cannot record %s_%s yet: %s", self.node, rsc, entry.op_key,
                            error)
                await asyncio.sleep(0.3)
            except _Removed:
                return

    async def _fail_count_ops(self, rsc: str, entry: HistoryEntry) -> list[Op]:
        name = f"fail-count-{rsc}#{entry.op_key}"
        kv = await self.store.get(self.layout.attribute(self.node, name))
        count = int(kv.text) if kv is not None and kv.text.isdigit() else 0
        return [Put(self.layout.attribute(self.node, name), str(count + 1).encode()),
                Put(self.layout.attribute(self.node, f"last-failure-{rsc}#{entry.op_key}"),
                    str(int(time.time())).encode())]

    async def _write(self, compare: list[Compare], ops: list[Op]) -> None:
        guard = [Compare.value(self.layout.member(self.node), "==", self.member_value),
                 *compare]
        result = await self.store.txn(guard, ops)
        if not result.succeeded:
            log.warning("%s: the cluster no longer counts this agent as a member", self.node)
            self._rejoin.set()
            raise _Removed()

    # -- self-fencing and rejoining ------------------------------------------------------

    async def _guard_loop(self) -> None:
        policy = self.settings.policy()
        guard = SelfFenceGuard(policy, self._self_fence, time.monotonic())
        while True:
            await asyncio.sleep(0.05)
            renewed = self.keeper.last_renewed
            if renewed > guard.last_renewal:
                guard.renewed(renewed)
                if self.self_fenced:
                    self.self_fenced = False
                    log.warning("%s: the store answers again; flushing %d stop results",
                                self.node, len(self._unsent))
                    self._spawn(self._flush_unsent())
            await guard.check(time.monotonic())

    async def _self_fence(self) -> None:
        self.self_fenced = True
        silent = time.monotonic() - self.keeper.last_renewed
        log.error("%s: no lease renewal for %.1fs: stopping every resource (self-fence)",
                  self.node, silent)
        self.events.write("selfstop", self.node)
        budget = self.settings.policy().stop_budget_s
        results = await self.resources.stop_all(budget)
        for rsc, outcome in results.items():
            self._unsent.append((rsc, self._entry("stop", 0, outcome,
                                                  transition_key(0, 0, 0))))
        log.error("%s: self-fence stopped %d resources", self.node,
                  sum(1 for o in results.values() if o.rc == 0))

    async def _flush_unsent(self) -> None:
        pending, self._unsent = self._unsent, []
        for rsc, entry in pending:
            await self._record(rsc, entry, clear_monitors=True)

    async def _rejoin_loop(self) -> None:
        while True:
            await self._rejoin.wait()
            self._rejoin.clear()
            self.joined.clear()
            stopped = await self.resources.stop_all(self.settings.policy().stop_budget_s * 4)
            self._unsent.clear()
            still_active = sorted(r for r, outcome in stopped.items() if outcome.rc != 0)
            if still_active:
                # Joining erases this node's history: with a resource that may still run
                # here the cluster would start it elsewhere. Stay out until fenced.
                log.error("%s: cannot stop %s; not rejoining: this node must be fenced",
                          self.node, ", ".join(still_active))
                self.events.write("unclean", self.node)
                return
            while True:
                try:
                    await self.keeper.remove(self.layout.member(self.node))
                    await self.join()
                    break
                except StoreError as error:
                    log.warning("%s: rejoin failed: %s", self.node, error)
                    await asyncio.sleep(0.5)


class _Removed(Exception):
    """The guarded write failed: this agent is no longer the node's member."""

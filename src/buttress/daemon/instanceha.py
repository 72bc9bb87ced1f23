"""The leader's instance-HA loop: from recorded fence events to evacuations and back.

Runs beside the scheduling loop while a controller leads (:class:`InstanceHa`, started
and cancelled with the leadership), so a long evacuation never delays a transition. It
is woken by changes of fence events, membership and configuration (and every ``poll_s``
while a recovery is running or backing off).
Level-triggered: each pass reads the store once (:func:`read_snapshot`) and, for every
node with a :class:`FenceEventRecord` (written when a level holding a ``fence_nova``
device fenced it, see :mod:`.fencing`), compares it with the evacuation journal:

* no record of its nova host, a record of another (finished) fence, or an unfinished
  record -> ``engine.recover`` (the same ``fence_id`` resumes: a new leader continues
  where the dead one stopped, and the journal's instance records prevent a second
  evacuate request); events of one device found in one pass are recovered together
  (``recover_many``), so ``max_failed_hosts`` sees hosts that failed together;
* DONE or REFUSED for this fence and the node's agent joined again after the fence
  (its membership key is newer than the fence: it is back and renewing its lease) ->
  ``engine.restore``: forced-down unset, service enabled; RESTORED -> nothing.

Engines are made per fence_nova device from its parameters
(:class:`buttress.openstack.device.NovaDeviceSettings`) and write their journal under
``instance-ha/journal/`` guarded by this controller's leadership. A pass that fails
(Nova unreachable after the engine's retries, bad device parameters) backs off per node
(2 s, 4 s, ... 60 s), unless the device's parameters changed since (fixed credentials).
Engine events are logged (no secret in them) and appended to the daemons' event log as
kind ``evacuation``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from typing import Any

from buttress.cib.reader import parse_cib
from buttress.daemon.eventlog import EventLog
from buttress.daemon.livecib import Snapshot, read_snapshot
from buttress.daemon.records import DaemonKeys, FenceEventRecord
from buttress.daemon.resources import fence_devices
from buttress.errors import ButtressError
from buttress.fencing import FenceDevice
from buttress.fencing.builtin import is_nova_recorder
from buttress.openstack import (
    EvacuationEngine,
    Event,
    FenceEvent,
    OpenStackError,
    RecoveryInProgress,
    SdkNova,
)
from buttress.openstack.device import NovaDeviceSettings
from buttress.openstack.errors import ConfigError
from buttress.openstack.store_journal import StoreJournal
from buttress.store import Compare, Store, StoreError

log = logging.getLogger("buttress.controller")

MAX_BACKOFF_S = 60.0
_UNFINISHED = ("fenced", "isolated", "evacuating")
_FINISHED = ("done", "refused")


@dataclass(frozen=True)
class Step:
    """What a pass decided for one fenced node: ``recover`` or ``restore``."""

    node: str
    action: str
    event: FenceEventRecord


def plan(snap: Snapshot) -> list[Step]:
    """The steps the journal and membership call for (module docstring). Pure."""
    steps = []
    for node, event in sorted(snap.fence_events.items()):
        record = snap.evacuations.get(event.nova_host)
        phase = str(record.get("phase")) if record else None
        same = record is not None and record.get("fence_id") == event.fence_id
        if record is None or phase in _UNFINISHED or (not same and phase in (
                *_FINISHED, "restored")):
            steps.append(Step(node, "recover", event))
        elif same and phase in _FINISHED and rejoined(snap, node, event.fenced_at):
            steps.append(Step(node, "restore", event))
    return steps


def rejoined(snap: Snapshot, node: str, since: float) -> bool:
    """Whether the node's agent is a member that joined after ``since`` (epoch s)."""
    member = snap.members.get(node)
    if member is None:
        return False
    try:
        return float(str(member.get("since", 0))) > since
    except ValueError:
        return False


class InstanceHa:
    """The loop of the module docstring, for one leading controller."""

    def __init__(self, store: Store, keys: DaemonKeys, guard: Sequence[Compare], *,
                 events: EventLog | None = None, poll_s: float = 5.0,
                 still_leading: Callable[[], bool] = lambda: True) -> None:
        self.store = store
        self.keys = keys
        self.guard = list(guard)
        self.events = events
        self.poll_s = poll_s
        self.still_leading = still_leading
        self._wake = asyncio.Event()
        self._engines: dict[str, tuple[tuple[tuple[str, str], ...], EvacuationEngine]] = {}
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._backoff: dict[str, tuple[int, float]] = {}
        self._pending = True

    def poke(self) -> None:
        """Something changed in the store: pass again soon."""
        self._wake.set()

    async def run(self) -> None:
        """Pass, then wait for a poke (or ``poll_s`` while anything is left to do: a
        recovery running or backing off); repeat until cancelled (then clean up)."""
        try:
            while True:
                self._wake.clear()
                self._pending = True
                try:
                    await self.pass_once()
                except (StoreError, ButtressError) as error:
                    log.warning("instance-ha: pass failed: %s", error)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(),
                                           self.poll_s if self._pending else None)
        finally:
            for task in self._tasks.values():
                task.cancel()
            for _, engine in self._engines.values():
                engine.close()

    async def pass_once(self) -> list[Step]:
        """One level-triggered pass; returns the steps it started."""
        snap = await read_snapshot(self.store, self.keys)
        steps = plan(snap) if snap.config is not None and self.still_leading() else []
        self._pending = bool(steps)
        if not steps or snap.config is None:
            return []
        devices = {d.id: d for d in fence_devices(parse_cib(snap.config))
                   if is_nova_recorder(d)}
        now = time.monotonic()
        started: list[Step] = []
        recover: dict[str, list[Step]] = {}
        for step in steps:
            task = self._tasks.get(step.node)
            device = devices.get(step.event.device)
            known = self._engines.get(step.event.device)
            reconfigured = device is not None and known is not None and \
                known[0] != device.params  # fixed credentials: try again at once
            if (task is not None and not task.done()) or (
                    self._backoff.get(step.node, (0, 0.0))[1] > now and not reconfigured):
                continue
            if device is None:
                self._failed(step.node, f"fence device {step.event.device} is no longer "
                             "configured (or not a fence_nova device)")
                continue
            if step.action == "recover":
                recover.setdefault(device.id, []).append(step)
            else:
                self._spawn([step], self._restore(device, step))
            started.append(step)
        for device_id, steps in recover.items():
            self._spawn(steps, self._recover(devices[device_id], steps))
        return started

    def _spawn(self, steps: list[Step], work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.ensure_future(work)
        for step in steps:
            self._tasks[step.node] = task

        def done(finished: asyncio.Task[None]) -> None:
            if not finished.cancelled() and finished.exception() is not None:
                for step in steps:
                    self._failed(step.node, f"{step.action} failed: "
                                 f"{type(finished.exception()).__name__}: "
                                 f"{finished.exception()}")
            self.poke()

        task.add_done_callback(done)

    def _failed(self, node: str, why: str) -> None:
        count = self._backoff.get(node, (0, 0.0))[0] + 1
        wait = min(2.0 ** count, MAX_BACKOFF_S)
        self._backoff[node] = (count, time.monotonic() + wait)
        log.warning("instance-ha: %s: %s (next try in %.0fs)", node, why, wait)

    def _engine(self, device: FenceDevice) -> EvacuationEngine:
        """The engine of ``device`` (made again when its parameters changed)."""
        known = self._engines.get(device.id)
        if known is not None and known[0] == device.params:
            return known[1]
        settings = NovaDeviceSettings.from_params(dict(device.params))
        try:
            nova = SdkNova(settings.credentials)
        except Exception as exc:  # openstacksdk's config errors: never show the values
            raise ConfigError(f"fence_nova {device.id}: cannot configure the Nova client "
                              f"({type(exc).__name__}) for "
                              f"{settings.credentials.describe()}") from None
        journal = StoreJournal(self.store, self.keys.evacuation_journal(), self.guard)
        engine = EvacuationEngine(nova, journal, settings.config, events=self._emit)
        if known is not None:
            known[1].close()
        self._engines[device.id] = (device.params, engine)
        return engine

    def _emit(self, event: Event) -> None:
        level = logging.WARNING if event.kind.endswith(
            ("retry", "refused", "failed", "stalled")) else logging.INFO
        log.log(level, "instance-ha: %s", event)
        if self.events is not None:
            self.events.write("evacuation", event.host, what=event.kind,
                              instance=event.instance, message=event.message)

    async def _recover(self, device: FenceDevice, steps: list[Step]) -> None:
        try:
            engine = self._engine(device)
            reports = await engine.recover_many([
                FenceEvent(s.event.nova_host, s.event.fenced_at, s.event.fence_id)
                for s in steps])
        except OpenStackError as error:
            for step in steps:
                self._failed(step.node, f"evacuation of {step.event.nova_host}: {error}")
            return
        for step, report in zip(steps, reports, strict=True):
            if report.complete:
                self._backoff.pop(step.node, None)
                log.warning("instance-ha: %s (%s): %s, %d recovered, %d failed", step.node,
                            step.event.nova_host, report.host.phase.value,
                            len(report.recovered()), len(report.failed()))
            else:
                self._failed(step.node, f"evacuation of {step.event.nova_host} is "
                             f"unfinished ({report.host.error or report.host.phase.value})")

    async def _restore(self, device: FenceDevice, step: Step) -> None:
        try:
            engine = self._engine(device)
            await engine.restore(step.event.nova_host)
        except RecoveryInProgress:
            return
        except OpenStackError as error:
            self._failed(step.node, f"restore of {step.event.nova_host}: {error}")
            return
        self._backoff.pop(step.node, None)
        log.warning("instance-ha: %s is back: %s enabled in nova, no longer forced down",
                    step.node, step.event.nova_host)

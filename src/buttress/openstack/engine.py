"""The instance-HA engine: from "host X was fenced at T" to its instances running elsewhere.

Steps of :meth:`EvacuationEngine.recover` for one fence event, each recorded in the
journal before the next starts, so any engine holding the same journal resumes it:

1. register: a HostRecord (FENCED) keyed by host, identified by the fence id;
2. isolate: force the nova-compute service down, then disable it with a reason naming the
   fence event (this order: Nova refuses to evacuate from a service it believes up, and
   disabling such a service blocks on an RPC to the dead compute) -> ISOLATED;
3. decide: more than ``max_failed_hosts`` hosts fenced within ``failure_window_s`` and not
   restored -> REFUSED, nothing is evacuated, a ``host.refused`` event says why;
4. select: the instances the policy chooses, each recorded PENDING with its power state
   -> EVACUATING;
5. evacuate: at most ``max_parallel`` instances at a time (see instance_flow) -> DONE.

:meth:`restore` is step 6, when the host is back: unset forced-down, enable -> RESTORED.
Nova failures are retried with backoff; when retries run out the host record keeps its
phase with ``error`` set (a ``host.stalled`` event) and the next call resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from buttress.openstack.config import EvacuationConfig
from buttress.openstack.errors import JournalConflict, NovaError, RecoveryInProgress
from buttress.openstack.events import EventSink
from buttress.openstack.instance_flow import InstanceFlow
from buttress.openstack.journal import Journal
from buttress.openstack.nova import NovaClient, error_summary
from buttress.openstack.poller import ServerPoller
from buttress.openstack.records import (
    HostPhase,
    HostRecord,
    InstancePhase,
    InstanceRecord,
    RecoveryReport,
)
from buttress.openstack.runtime import Clock, Runtime, Sleep
from buttress.openstack.selection import choose, needs_images

HOSTS = "hosts/"
INSTANCES = "instances/"
_UNFINISHED = (HostPhase.FENCED, HostPhase.ISOLATED, HostPhase.EVACUATING)


@dataclass(frozen=True)
class FenceEvent:
    """Input from the fencing layer: ``host`` was fenced (confirmed) at ``fenced_at``.

    ``fence_id`` names the event (default ``host@fenced_at``); calling ``recover`` again
    with the same id resumes that recovery instead of starting another.
    """

    host: str
    fenced_at: float
    fence_id: str = ""

    def __post_init__(self) -> None:
        if not self.fence_id:
            object.__setattr__(self, "fence_id", f"{self.host}@{self.fenced_at:.3f}")


def host_key(host: str) -> str:
    return f"{HOSTS}{host}"


def instance_prefix(host: str, fence_id: str) -> str:
    return f"{INSTANCES}{host}/{fence_id}/"


class EvacuationEngine:
    """Recovers the instances of fenced compute hosts through the Nova API.

    ``nova`` is a NovaClient (``SdkNova(credentials)`` in production); ``journal`` keeps
    progress (``StoreJournal`` on etcd, ``FileJournal``, ``InMemoryJournal``); ``events``
    receives every Event. One engine at a time may act on a journal (the controller's
    leadership guarantees it; the compare-and-swap writes make a second one fail loudly
    rather than evacuate twice). Use ``async with`` or call ``close``.
    """

    def __init__(self, nova: NovaClient, journal: Journal,
                 config: EvacuationConfig | None = None, *, events: EventSink | None = None,
                 clock: Clock | None = None, sleep: Sleep | None = None):
        self.config = config or EvacuationConfig()
        self.rt = Runtime(nova, journal, self.config, events, clock, sleep)
        self._sem = asyncio.Semaphore(self.config.max_parallel)

    async def __aenter__(self) -> EvacuationEngine:
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the Nova thread pool."""
        self.rt.close()

    # -- public API -------------------------------------------------------------------

    async def recover(self, event: FenceEvent) -> RecoveryReport:
        """Run (or resume) the recovery of one fenced host; see the module docstring.

        Returns the report whatever happened; ``report.complete`` says whether anything
        is left to do (then call again later: it resumes from the journal).
        """
        return (await self.recover_many([event]))[0]

    async def recover_many(self, events: Sequence[FenceEvent]) -> list[RecoveryReport]:
        """Recover several hosts fenced together. All are registered before any decision,
        so ``max_failed_hosts`` sees them all at once."""
        registered = [await self._register(e) for e in events]
        return list(await asyncio.gather(*(self._drive(rec, ver) for rec, ver in registered)))

    async def resume(self) -> list[RecoveryReport]:
        """Continue every unfinished recovery found in the journal (a new controller)."""
        todo = []
        for entry in await self.rt.journal.list(HOSTS):
            rec = HostRecord.from_json(entry.value)
            if rec.phase in _UNFINISHED:
                todo.append((rec, entry.version))
        return list(await asyncio.gather(*(self._drive(rec, ver) for rec, ver in todo)))

    async def restore(self, host: str, *, wait_up_s: float = 0.0) -> HostRecord | None:
        """The host is back and healthy: unset forced-down and enable its service.

        Raises RecoveryInProgress while its evacuation is unfinished (enabling it then
        would make Nova refuse the remaining evacuations). With ``wait_up_s`` > 0, waits
        that long for Nova to report the service up. Returns the updated record (None if
        the host was never recorded). NovaErrors propagate after retries.
        """
        entry = await self.rt.journal.get(host_key(host))
        rec = HostRecord.from_json(entry.value) if entry else None
        if rec is not None and rec.phase in _UNFINISHED:
            raise RecoveryInProgress(f"recovery of {host} ({rec.fence_id}) is still "
                                     f"{rec.phase.value}; restore it when it is done")
        nova = self.rt.nova
        svc = await self.rt.call(f"show service of {host}", nova.compute_service, host,
                                 host=host)
        await self.rt.call(f"unset forced_down on {host}", nova.set_forced_down, svc.id,
                           False, host=host)
        await self.rt.call(f"enable {host}", nova.set_enabled, svc.id, True, None, host=host)
        deadline = self.rt.clock() + wait_up_s
        while wait_up_s > 0 and self.rt.clock() < deadline:
            svc = await self.rt.call(f"show service of {host}", nova.compute_service, host,
                                     host=host)
            if svc.state == "up":
                break
            await self.rt.sleep(self.config.poll_interval_s)
        self.rt.emit("host.restored", f"{host} is back: enabled and no longer forced down",
                     host=host)
        if rec is None or entry is None:
            return None
        restored: HostRecord
        restored, _ = await self.rt.write(host_key(host), rec, entry.version, HostRecord.to_json,
                                     phase=HostPhase.RESTORED, restored_at=self.rt.clock(),
                                     error=None)
        return restored

    async def report(self, host: str) -> RecoveryReport | None:
        """The journal's view of the latest recovery of ``host`` (None if never fenced)."""
        entry = await self.rt.journal.get(host_key(host))
        if entry is None:
            return None
        rec = HostRecord.from_json(entry.value)
        return RecoveryReport(rec, await self._instances(rec))

    # -- steps ------------------------------------------------------------------------

    async def _register(self, event: FenceEvent) -> tuple[HostRecord, int]:
        key = host_key(event.host)
        entry = await self.rt.journal.get(key)
        if entry is not None:
            old = HostRecord.from_json(entry.value)
            if old.fence_id == event.fence_id or old.phase in _UNFINISHED:
                return old, entry.version  # the same event, or an unfinished recovery
        rec = HostRecord(event.host, event.fence_id, event.fenced_at,
                         registered_at=self.rt.clock())
        version = await self.rt.journal.put(key, rec.to_json(), entry.version if entry else 0)
        self.rt.emit("host.fenced", f"{event.host} was fenced ({event.fence_id}); "
                     "recovering its instances", host=event.host, fence_id=event.fence_id)
        return rec, version

    async def _drive(self, rec: HostRecord, version: int) -> RecoveryReport:
        key = host_key(rec.host)
        try:
            if rec.phase is HostPhase.FENCED:
                rec, version = await self._isolate(rec, version)
            if rec.phase is HostPhase.ISOLATED:
                rec, version = await self._decide_and_select(rec, version)
            if rec.phase is HostPhase.EVACUATING:
                rec, version = await self._evacuate(rec, version)
        except NovaError as exc:
            self.rt.emit("host.stalled", f"recovery of {rec.host} stalled in phase "
                         f"{rec.phase.value}: {exc}; the next pass resumes it",
                         host=rec.host, phase=rec.phase.value, **error_summary(exc))
            with contextlib.suppress(JournalConflict):
                rec, version = await self.rt.write(key, rec, version, HostRecord.to_json,
                                                   error=str(exc), attempts=rec.attempts + 1)
        return RecoveryReport(rec, await self._instances(rec))

    async def _isolate(self, rec: HostRecord, version: int) -> tuple[HostRecord, int]:
        nova, host = self.rt.nova, rec.host
        svc = await self.rt.call(f"show service of {host}", nova.compute_service, host,
                                 host=host)
        when = datetime.datetime.fromtimestamp(rec.fenced_at, datetime.UTC)
        reason = (f"{self.config.disabled_reason_prefix}: fenced by {rec.fence_id} at "
                  f"{when.isoformat(timespec='seconds')}")
        await self.rt.call(f"force down {host}", nova.set_forced_down, svc.id, True, host=host)
        await self.rt.call(f"disable {host}", nova.set_enabled, svc.id, False, reason,
                           host=host)
        self.rt.emit("host.isolated", f"{host}: nova-compute forced down and disabled "
                     f"({reason})", host=host, service_id=svc.id)
        return await self.rt.write(host_key(host), rec, version, HostRecord.to_json,
                                   phase=HostPhase.ISOLATED, service_id=svc.id,
                                   isolated_at=self.rt.clock(), error=None)

    async def _failed_hosts(self) -> list[HostRecord]:
        since = self.rt.clock() - self.config.failure_window_s
        hosts = [HostRecord.from_json(e.value) for e in await self.rt.journal.list(HOSTS)]
        return [h for h in hosts if h.active and h.fenced_at >= since]

    async def _decide_and_select(self, rec: HostRecord,
                                 version: int) -> tuple[HostRecord, int]:
        key, limit = host_key(rec.host), self.config.max_failed_hosts
        if limit is not None:
            failed = await self._failed_hosts()
            if len(failed) > limit:
                names = ", ".join(sorted(h.host for h in failed))
                why = (f"{len(failed)} hosts failed within "
                       f"{self.config.failure_window_s:.0f}s ({names}), more than "
                       f"max_failed_hosts={limit}: evacuation of {rec.host} refused")
                self.rt.emit("host.refused", why, host=rec.host, failed_hosts=sorted(
                    h.host for h in failed), max_failed_hosts=limit)
                return await self.rt.write(key, rec, version, HostRecord.to_json,
                                           phase=HostPhase.REFUSED, reason=why,
                                           finished_at=self.rt.clock(), error=None)
        nova, host = self.rt.nova, rec.host
        servers = await self.rt.call(f"list servers of {host}", nova.servers_on_host, host,
                                     host=host)
        images: dict[str, Mapping[str, str]] = {}
        if needs_images(self.config.policy):
            for image_id in sorted({s.image_id for s in servers if s.image_id}):
                images[image_id] = await self.rt.call(
                    f"show image {image_id}", nova.image_properties, image_id, host=host)
        choice = choose(servers, self.config.policy, images)
        migrations = await self.rt.call(f"list evacuations of {host}", nova.evacuations_from,
                                        host, host=host)
        for server in choice.selected:
            baseline = sum(1 for m in migrations if m.instance_id == server.id)
            irec = InstanceRecord(server.id, server.name, host, rec.fence_id, server.status,
                                  baseline_evacuations=baseline)
            # An interrupted pass may have written it already; nothing was sent before
            # the host record became EVACUATING, so the existing record is as good.
            with contextlib.suppress(JournalConflict):
                await self.rt.journal.put(instance_prefix(host, rec.fence_id) + server.id,
                                          irec.to_json(), 0)
        for server_id, why in choice.skipped.items():
            self.rt.emit("instance.skipped", f"{server_id} stays on {host}: {why}",
                         host=host, instance=server_id, reason=why)
        self.rt.emit("host.evacuating", f"{host}: evacuating {len(choice.selected)} of "
                     f"{len(servers)} instances", host=host, selected=len(choice.selected),
                     skipped=len(choice.skipped))
        return await self.rt.write(key, rec, version, HostRecord.to_json,
                                   phase=HostPhase.EVACUATING,
                                   selected=tuple(s.id for s in choice.selected),
                                   skipped=dict(choice.skipped),
                                   changes_since=min((s.updated for s in choice.selected
                                                      if s.updated), default=None),
                                   evacuation_started_at=self.rt.clock(), error=None)

    async def _evacuate(self, rec: HostRecord, version: int) -> tuple[HostRecord, int]:
        prefix = instance_prefix(rec.host, rec.fence_id)
        entries = {e.key: e for e in await self.rt.journal.list(prefix)}
        poller = ServerPoller(self.rt, rec.changes_since, rec.host)

        async def one(server_id: str) -> None:
            entry = entries[prefix + server_id]
            irec = InstanceRecord.from_json(entry.value)
            if irec.settled:
                return
            async with self._sem:
                await InstanceFlow(self.rt, entry.key, irec, entry.version, poller).run()

        results = await asyncio.gather(*(one(i) for i in rec.selected), return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result
        instances = await self._instances(rec)
        summary = {p.value: sum(1 for i in instances if i.phase is p) for p in InstancePhase}
        now = self.rt.clock()
        self.rt.emit("host.done", f"{rec.host}: {summary['recovered']} instance(s) "
                     f"recovered, {summary['failed']} failed, {now - rec.fenced_at:.2f}s "
                     "after fencing", host=rec.host, counts=summary)
        return await self.rt.write(host_key(rec.host), rec, version, HostRecord.to_json,
                                   phase=HostPhase.DONE, finished_at=now, error=None)

    async def _instances(self, rec: HostRecord) -> tuple[InstanceRecord, ...]:
        entries = await self.rt.journal.list(instance_prefix(rec.host, rec.fence_id))
        by_id = {e.key.rsplit("/", 1)[1]: InstanceRecord.from_json(e.value) for e in entries}
        return tuple(by_id[i] for i in rec.selected if i in by_id)


def report_json(reports: Sequence[RecoveryReport]) -> list[dict[str, Any]]:
    """JSON-able list of reports (for status renderers)."""
    return [r.to_json() for r in reports]

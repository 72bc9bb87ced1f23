"""The evacuation of one instance: claim, request, wait, restore power, record.

Exactly-once: an evacuate request is only sent after the instance record moved to
REQUESTED by compare-and-swap. A record found in REQUESTED without knowing whether the
request reached Nova (a controller died, a call timed out) is resolved by counting the
instance's evacuation migrations from the failed host against the count taken when the
instance was selected: Nova records the migration before it accepts the request, so a
higher count means it went through and the engine only waits for it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from buttress.openstack.errors import NovaNotFound, NovaRefused
from buttress.openstack.nova import Migration, Server
from buttress.openstack.poller import ServerPoller
from buttress.openstack.records import InstancePhase, InstanceRecord
from buttress.openstack.runtime import Runtime

_FAILED_MIGRATION = ("error", "failed")
T = TypeVar("T")


class InstanceFlow:
    """Drives one instance record at ``key`` to RECOVERED or FAILED.

    ``run`` returns when the record is settled; NovaErrors that exhaust their retries
    propagate with the record left where it was, to be resumed by the next pass.
    """

    def __init__(self, rt: Runtime, key: str, record: InstanceRecord, version: int,
                 poller: ServerPoller):
        self.rt = rt
        self.poller = poller
        self.key = key
        self.rec = record
        self.version = version
        self._sent = False
        self._acted_at: float | None = None

    async def _set(self, **changes: Any) -> None:
        self.rec, self.version = await self.rt.write(
            self.key, self.rec, self.version, InstanceRecord.to_json, **changes)

    def _emit(self, kind: str, message: str, **data: Any) -> None:
        self.rt.emit(kind, message, host=self.rec.source_host, instance=self.rec.id,
                     name=self.rec.name, **data)

    async def _call(self, what: str, fn: Callable[..., T], *args: Any) -> T:
        return await self.rt.call(what, fn, *args, host=self.rec.source_host,
                                  instance=self.rec.id)

    async def _show(self) -> Server:
        """The server as read after Nova accepted our last request (an older read still
        shows the instance idle on the failed host, which looks like a failed attempt and
        costs a migrations listing, or not yet started after a start)."""
        max_age = self.rt.config.poll_interval_s / 2
        if self._acted_at is not None:
            max_age = max(0.0, min(max_age, self.rt.clock() - self._acted_at))
        return await self.poller.get(self.rec.id, max_age)

    async def run(self) -> InstanceRecord:
        while not self.rec.settled:
            if self.rec.phase is InstancePhase.PENDING:
                await self._request()
            else:
                await self._follow()
        return self.rec

    # -- PENDING -> REQUESTED ---------------------------------------------------------

    async def _request(self) -> None:
        targets = self.rt.config.targets()
        if self.rec.attempts >= self.rt.config.evacuation_attempts:
            await self._fail(self.rec.error or "no evacuation attempts left")
            return
        target = targets[self.rec.attempts % len(targets)]
        if target is not None:
            await self._prepare_target(target)
        await self._set(phase=InstancePhase.REQUESTED, attempts=self.rec.attempts + 1,
                        target_host=target, requested_at=self.rt.clock())
        where = target or "a host the scheduler picks"
        try:
            running = self.rt.config.keep_running and self.rec.original_status == "ACTIVE"
            await self._call(f"evacuate {self.rec.name}", self.rt.nova.evacuate,
                             self.rec.id, target, running)
        except NovaRefused as exc:
            self._emit("instance.refused", f"nova refused to evacuate {self.rec.name} "
                       f"to {where}: {exc}", status=exc.status, reason=str(exc))
            # A refusal repeats for the same target: move on to the next one or give up.
            if self.rec.attempts >= len(targets) or isinstance(exc, NovaNotFound):
                await self._fail(str(exc))
            else:
                await self._set(phase=InstancePhase.PENDING, error=str(exc))
            return
        self._sent, self._acted_at = True, self.rt.clock()
        self._emit("instance.evacuate_requested",
                   f"evacuation of {self.rec.name} to {where} accepted "
                   f"(attempt {self.rec.attempts})", attempt=self.rec.attempts, target=target)

    async def _prepare_target(self, target: str) -> None:
        """A reserved host is kept disabled until used (Masakari): enable it now."""
        service = await self._call(f"show service of {target}",
                                   self.rt.nova.compute_service, target)
        if service.status != "enabled":
            await self._call(f"enable reserved host {target}", self.rt.nova.set_enabled,
                             service.id, True, None)
            self._emit("host.reserved_enabled", f"reserved host {target} enabled for "
                       f"evacuations", target=target)

    # -- REQUESTED -> RECOVERED / PENDING / FAILED ------------------------------------

    async def _evacuations(self, max_age: float = 0.0) -> list[Migration]:
        """This instance's evacuations from the failed host, as listed (for every flow
        at once, see ServerPoller) at most ``max_age`` seconds ago."""
        migrations = await self.poller.evacuations(max_age)
        return [m for m in migrations if m.instance_id == self.rec.id]

    async def _accepted(self) -> bool:
        """Whether Nova took an evacuate request for this attempt (its migration exists,
        or the API already marked the instance rebuilding)."""
        if len(await self._evacuations()) > self.rec.baseline_evacuations:
            return True
        server = await self.poller.get(self.rec.id, 0.0)
        return server.task_state == "rebuilding"

    async def _follow(self) -> None:
        if not self._sent:
            accepted = await self._accepted()
            if not accepted:
                # A dead controller's request may still be inside Nova, which does not
                # refuse a second evacuation while the first runs: wait it out first.
                wait = (self.rec.requested_at or 0.0) + self.rt.config.resume_grace_s \
                    - self.rt.clock()
                if wait > 0:
                    self._emit("instance.resume_wait", f"waiting {wait:.1f}s for a possibly "
                               f"in-flight evacuation of {self.rec.name} before resending",
                               wait_s=round(wait, 3))
                    await self.rt.sleep(wait)
                    accepted = await self._accepted()
            if not accepted:
                self._emit("instance.resumed", f"evacuation of {self.rec.name} was not "
                           "sent before the interruption; sending it")
                await self._set(phase=InstancePhase.PENDING, attempts=self.rec.attempts - 1)
                return
            self._emit("instance.resumed", f"evacuation of {self.rec.name} was already "
                       "accepted by nova; waiting for it")
            self._sent, self._acted_at = True, self.rt.clock()
        server = await self._wait_landed()
        if server is None:
            return
        await self._restore_power(server)

    async def _wait_landed(self) -> Server | None:
        """Poll until the instance settled on another host (returned) or the attempt
        failed or timed out (record updated, None returned)."""
        deadline = self.rt.clock() + self.rt.config.instance_timeout_s
        while True:
            try:
                server = await self._show()
            except NovaNotFound:
                await self._fail("the instance was deleted during its evacuation")
                return None
            if server.task_state is None:
                if server.host not in (None, self.rec.source_host):
                    if self.rec.landed_at is None:
                        await self._set(landed_host=server.host, landed_at=self.rt.clock())
                        self._emit("instance.landed", f"{self.rec.name} rebuilt on "
                                   f"{server.host} ({server.status})", target=server.host,
                                   status=server.status)
                    return server
                failure = await self._attempt_failure(server)
                if failure is not None:
                    self._emit("instance.evacuation_failed", f"evacuation of "
                               f"{self.rec.name} failed: {failure}", reason=failure,
                               attempt=self.rec.attempts)
                    await self._set(phase=InstancePhase.PENDING, error=failure)
                    await self.rt.sleep(self.rt.config.retry.delay_after(self.rec.attempts))
                    return None
            if self.rt.clock() > deadline:
                await self._fail(f"not settled on another host within "
                                 f"{self.rt.config.instance_timeout_s:.0f}s "
                                 f"(task_state {server.task_state})")
                return None
            await self.rt.sleep(self.rt.config.poll_interval_s)

    async def _attempt_failure(self, server: Server) -> str | None:
        # Idle on the failed host: failed, or rebuilt and about to move (Nova sets the
        # host last). A shared listing a little old is good enough to tell, if it was
        # made after our latest request was accepted (so it holds that attempt's row).
        max_age = max(1.0, 4 * self.rt.config.poll_interval_s)
        if self._acted_at is not None:
            max_age = max(0.0, min(max_age, self.rt.clock() - self._acted_at))
        found = await self._evacuations(max_age)
        latest = found[-1] if len(found) > self.rec.baseline_evacuations else None
        if latest is not None and latest.status in _FAILED_MIGRATION:
            return server.fault or f"evacuation migration {latest.status}"
        return None

    async def _restore_power(self, server: Server) -> None:
        want = self.rec.original_status
        status: str | None = server.status
        if status == "ERROR":
            await self._fail(f"landed on {server.host} in ERROR: {server.fault or '?'}")
            return
        if want == "ACTIVE" and status == "SHUTOFF":
            status = await self._power(server, "ACTIVE")
        elif want == "SHUTOFF" and status == "ACTIVE":
            status = await self._power(server, "SHUTOFF")
        if status is None:
            return
        now = self.rt.clock()
        await self._set(phase=InstancePhase.RECOVERED, final_status=status,
                        finished_at=now, error=None)
        self._emit("instance.recovered", f"{self.rec.name} recovered on {server.host} "
                   f"({status}) {now - self.rec.requested_at if self.rec.requested_at else 0:.2f}s "
                   "after its evacuation request", target=server.host, status=status)

    async def _power(self, server: Server, want: str) -> str | None:
        action = self.rt.nova.start if want == "ACTIVE" else self.rt.nova.stop
        verb = "start" if want == "ACTIVE" else "stop"
        try:
            await self._call(f"{verb} {self.rec.name}", action, self.rec.id)
        except NovaRefused as exc:
            if exc.status != 409:  # 409: already in that state (e.g. a resumed start)
                await self._fail(f"{verb} after evacuation refused: {exc}")
                return None
        self._acted_at = self.rt.clock()
        deadline = self.rt.clock() + self.rt.config.instance_timeout_s
        while self.rt.clock() <= deadline:
            current = await self._show()
            if current.status == want and current.task_state is None:
                return want
            if current.status == "ERROR":
                await self._fail(f"{verb} after evacuation failed: {current.fault or '?'}")
                return None
            await self.rt.sleep(self.rt.config.poll_interval_s)
        await self._fail(f"did not reach {want} within "
                         f"{self.rt.config.instance_timeout_s:.0f}s after {verb}")
        return None

    async def _fail(self, reason: str) -> None:
        await self._set(phase=InstancePhase.FAILED, error=reason, finished_at=self.rt.clock())
        self._emit("instance.failed", f"{self.rec.name} not recovered: {reason}",
                   reason=reason)


"""A node's resources: run operations with real agents, keep recurring monitors, stop all.

:class:`LocalResources` is what a node agent runs actions through. Contract:

* Operations of one resource id never overlap (one lock per resource id), so a recurring
  monitor never runs concurrently with a start or stop of the same resource.
* ``execute`` never raises for an agent problem: an unknown resource, a missing agent or a
  bad definition is an :class:`OpOutcome` with an OCF rc and an exit reason.
* Recurring monitors run locally every interval once the first run was ordered
  (``start_recurring``); only a *change* of result is reported (through the callback the
  agent gives), as Pacemaker's executor does. Any start/stop/promote/demote of the resource
  cancels them (the scheduler orders the monitors of the new role afterwards).
* ``stonith``-class resources are fence devices: start checks the device with the agent's
  ``monitor`` and registers it, stop unregisters, a probe reports whether it is registered.
  A built-in ``fence_nova``/``fence_compute`` device is checked by parsing its parameters
  (a bad one fails with a one-line reason naming keys, never values).
* The event log gets ``start``/``promote`` before and ``stop``/``demote``/``observe`` after.
* ``stop_all`` (self-fencing) stops every resource believed active here, in parallel,
  within the given budget, and reports which stops did not succeed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from buttress.daemon.eventlog import EventLog
from buttress.daemon.resources import ResolvedResource, base_id, build_request, index_primitives
from buttress.exec import ExecContext, Executor, OcfRc, PythonAgentRegistry
from buttress.fencing import FenceDevice, run_fence_agent
from buttress.fencing.builtin import is_nova_recorder
from buttress.model import Cib
from buttress.model.nvsets import merge_unruled
from buttress.scheduler.digests import digest, digest_params

log = logging.getLogger("buttress.agent")

EXEC_DONE = 0
EXEC_TIMEOUT = 2
EXEC_ERROR = 4


@dataclass(frozen=True)
class OpOutcome:
    """The result of one operation, ready to become a history entry."""

    rc: int
    op_status: int = EXEC_DONE
    exit_reason: str | None = None
    exec_ms: int = 0
    rsc_class: str = "ocf"
    provider: str | None = None
    type: str = ""
    op_digest: str | None = None
    """Pacemaker's ``op-digest`` of the parameters the operation ran with."""


MonitorCallback = Callable[[str, str, int, int, OpOutcome], Awaitable[None]]
"""(resource id, instance, interval_ms, target_rc, outcome) of a changed monitor result."""


class LocalResources:
    """The resources of one node (module docstring)."""

    def __init__(self, node: str, ctx: ExecContext, events: EventLog,
                 python_agents: PythonAgentRegistry | None = None) -> None:
        self.node = node
        self.ctx = ctx
        self.events = events
        self.executor = Executor(ctx, python_agents, systemd=None)
        self.cib: Cib | None = None
        self.index: dict[str, ResolvedResource] = {}
        self.op_defaults: dict[str, str] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._recurring: dict[tuple[str, int], asyncio.Task[None]] = {}
        self._stonith: set[str] = set()
        self._observed: dict[str, int] = {}
        self.active: dict[str, str] = {}
        """Resource id -> instance name, for every resource that may be active here."""

    def set_config(self, cib: Cib) -> None:
        self.cib = cib
        self.index = index_primitives(cib)
        self.op_defaults = merge_unruled(cib.configuration.op_defaults)

    def lock(self, rsc: str) -> asyncio.Lock:
        return self._locks.setdefault(rsc, asyncio.Lock())

    # -- one operation ---------------------------------------------------------------------

    async def execute(self, rsc: str, instance: str, task: str, interval_ms: int,
                      extra_meta: dict[str, str] | None = None) -> OpOutcome:
        """Run one operation under the resource's lock (module docstring); ``extra_meta``
        are meta attributes for this call only (a notification's environment)."""
        if task in ("start", "stop", "promote", "demote"):
            self.cancel_recurring(rsc)
        async with self.lock(rsc):
            return await self._execute(rsc, instance, task, interval_ms, extra_meta or {})

    async def _execute(self, rsc: str, instance: str, task: str, interval_ms: int,
                       extra_meta: dict[str, str]) -> OpOutcome:
        res = self.index.get(base_id(rsc)) or self.index.get(base_id(instance))
        if res is None:
            return OpOutcome(int(OcfRc.ERR_CONFIGURED), EXEC_ERROR,
                             f"resource {rsc} is not in the configuration")
        prim = res.primitive
        primitive_id = prim.id
        if task in ("start", "promote"):
            self.events.write(task, self.node, primitive_id)
            self.active[rsc] = instance
        began = time.monotonic()
        if prim.rsc_class == "stonith":
            rc, reason, status = await self._stonith_op(res, task, interval_ms)
        else:
            try:
                request = build_request(res, instance, rsc, task, interval_ms, self.op_defaults,
                                        extra_meta)
            except ValueError as exc:
                rc, reason, status = int(OcfRc.ERR_CONFIGURED), str(exc), EXEC_ERROR
            else:
                result = await self.executor.run(request)
                rc, reason = result.rc, result.exit_reason
                status = EXEC_TIMEOUT if result.timed_out else EXEC_DONE
        exec_ms = int((time.monotonic() - began) * 1000)
        self._track(rsc, instance, primitive_id, task, rc, status)
        op_digest = digest(digest_params(res.params, prim.operations, task, interval_ms))
        return OpOutcome(rc, status, reason, exec_ms, prim.rsc_class, prim.provider, prim.type,
                         op_digest)

    def _track(self, rsc: str, instance: str, primitive_id: str, task: str, rc: int,
               status: int) -> None:
        ok = status == EXEC_DONE and rc == 0
        if task != "monitor":
            self._observed.pop(rsc, None)
        if task == "stop":
            self.events.write("stop", self.node, primitive_id, rc=rc if status == 0 else -1)
            if ok:
                self.active.pop(rsc, None)
        elif task == "demote":
            self.events.write("demote", self.node, primitive_id, rc=rc)
        elif task == "monitor" and status == EXEC_DONE and rc in (0, 7, 8):
            if self._observed.get(rsc) != rc:
                self.events.write("observe", self.node, primitive_id, rc=rc)
            self._observed[rsc] = rc
            if rc == 7:
                self.active.pop(rsc, None)
            else:
                self.active[rsc] = instance
        elif task in ("start", "promote"):
            self.active[rsc] = instance

    async def _stonith_op(self, res: ResolvedResource, task: str, interval_ms: int
                          ) -> tuple[int, str | None, int]:
        prim = res.primitive
        if task == "stop":
            self._stonith.discard(prim.id)
            return 0, None, EXEC_DONE
        if task == "monitor" and interval_ms == 0:
            return (0 if prim.id in self._stonith else 7), None, EXEC_DONE
        if task == "monitor" and prim.id not in self._stonith:
            return 7, None, EXEC_DONE
        if task not in ("start", "monitor"):
            return int(OcfRc.ERR_UNIMPLEMENTED), f"fence devices have no {task}", EXEC_DONE
        try:
            device = FenceDevice.from_params(prim.id, prim.type, res.params)
        except ValueError as exc:
            return int(OcfRc.ERR_CONFIGURED), str(exc), EXEC_ERROR
        if is_nova_recorder(device):
            problem = nova_device_problem(device)
            if problem is not None:
                return int(OcfRc.ERR_CONFIGURED), problem, EXEC_ERROR
        result = await run_fence_agent(device, "monitor", None,
                                       timeout_s=device.timeout_s("monitor", 20.0))
        if result.ok:
            self._stonith.add(prim.id)
            return 0, None, EXEC_DONE
        status = EXEC_TIMEOUT if result.timed_out else EXEC_DONE
        return 1, result.reason or f"{prim.type} monitor failed", status

    # -- recurring monitors ------------------------------------------------------------

    def start_recurring(self, rsc: str, instance: str, interval_ms: int, target_rc: int,
                        last: OpOutcome, on_change: MonitorCallback) -> None:
        """Keep running the monitor every ``interval_ms``; report changes."""
        key = (rsc, interval_ms)
        old = self._recurring.pop(key, None)
        if old is not None:
            old.cancel()
        self._recurring[key] = asyncio.get_running_loop().create_task(
            self._recur(rsc, instance, interval_ms, target_rc, last, on_change))

    async def _recur(self, rsc: str, instance: str, interval_ms: int, target_rc: int,
                     last: OpOutcome, on_change: MonitorCallback) -> None:
        previous = (last.rc, last.op_status)
        while True:
            await asyncio.sleep(interval_ms / 1000)
            async with self.lock(rsc):
                outcome = await self._execute(rsc, instance, "monitor", interval_ms, {})
            if (outcome.rc, outcome.op_status) != previous:
                previous = (outcome.rc, outcome.op_status)
                log.info("monitor %s_%d on %s changed: rc=%d %s", rsc, interval_ms, self.node,
                         outcome.rc, outcome.exit_reason or "")
                try:
                    await on_change(rsc, instance, interval_ms, target_rc, outcome)
                except Exception:  # the agent retries its own writes; never kill the loop
                    log.exception("recording the monitor result of %s failed", rsc)

    def recurring_of(self, rsc: str) -> list[int]:
        return [interval for (name, interval) in self._recurring if name == rsc]

    def cancel_recurring(self, rsc: str | None = None) -> list[int]:
        """Cancel the recurring monitors of ``rsc`` (all when None); their intervals."""
        cancelled = []
        for key in list(self._recurring):
            if rsc is None or key[0] == rsc:
                self._recurring.pop(key).cancel()
                cancelled.append(key[1])
        return cancelled

    # -- self-fencing ------------------------------------------------------------------

    async def stop_all(self, budget_s: float) -> dict[str, OpOutcome]:
        """Stop everything that may be active here (module docstring)."""
        self.cancel_recurring()
        targets = dict(self.active)
        if not targets:
            return {}

        async def one(rsc: str, instance: str) -> tuple[str, OpOutcome]:
            return rsc, await self.execute(rsc, instance, "stop", 0)

        tasks = [asyncio.ensure_future(one(r, i)) for r, i in targets.items()]
        done, pending = await asyncio.wait(tasks, timeout=max(budget_s, 0.1))
        for task in pending:
            task.cancel()
        for task in pending:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        results = dict(t.result() for t in done if not t.cancelled() and t.exception() is None)
        for rsc in targets:
            results.setdefault(rsc, OpOutcome(1, EXEC_TIMEOUT, "stop did not finish in time"))
        return results


def nova_device_problem(device: FenceDevice) -> str | None:
    """Why a fence_nova device's parameters are unusable (None when they are fine)."""
    from buttress.openstack.device import NovaDeviceSettings
    from buttress.openstack.errors import ConfigError

    try:
        NovaDeviceSettings.from_params(dict(device.params))
    except ConfigError as exc:
        return str(exc)
    return None

"""Fence a node: choose devices (topology levels or capable devices) and run them.

Semantics (Pacemaker 2.1's fencer, minus the peer broadcast):

* With fencing levels registered for the target (by name, name pattern or node
  attribute), levels are tried in ascending index. In a level every device is run in
  order and *all* must succeed; the first failure abandons the level and the next level is
  tried. A level naming a device that is unknown or cannot fence the target is skipped.
  A ``reboot`` through a level of several devices is run as ``off`` on each device, then
  ``on`` on each (so redundant power supplies are all off at once); once every ``off``
  succeeded the fencing is successful even if an ``on`` fails.
* Without levels, every device able to fence the target (see :mod:`.device`) is tried
  alone, higher ``priority`` first, until one succeeds.
* Each device action gets ``pcmk_<action>_retries`` tries (default 2) within its
  ``pcmk_<action>_timeout`` (default 60 s), after ``pcmk_delay_base``.
* Built-in devices (:mod:`.builtin`: ``fence_nova``/``fence_compute``) are steps run here,
  not agents; they never fence alone (no candidate without a level, and a level of only
  built-in devices is skipped). ``FencingResult.recorders`` names those of the level that
  succeeded: the caller records what they stand for (a fence event for the evacuation).

Nothing here is cached or shared: one :class:`Fencer` per node agent, results are
frozen :class:`FencingResult` values whose text holds no secret.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from buttress.fencing.agent import AGENT_DIR, FenceAgentResult, agent_actions, list_targets
from buttress.fencing.agent import run_fence_agent as _run_agent
from buttress.fencing.builtin import can_fence as builtin_can_fence
from buttress.fencing.builtin import is_builtin, run_builtin
from buttress.fencing.device import FenceDevice

log = logging.getLogger("buttress.fencing")


@dataclass(frozen=True)
class FenceLevel:
    """A fencing topology level: ``devices`` (in order) for the targets it matches.

    Exactly one of ``target`` (a node name), ``target_pattern`` (a regular expression
    matched against the whole name) or ``target_attribute`` (``(name, value)`` of a node
    attribute) is set.
    """

    index: int
    devices: tuple[str, ...]
    target: str | None = None
    target_pattern: str | None = None
    target_attribute: tuple[str, str] | None = None

    def applies_to(self, node: str, attributes: Mapping[str, str] | None = None) -> bool:
        if self.target is not None:
            return node == self.target
        if self.target_pattern is not None:
            return re.fullmatch(self.target_pattern, node) is not None
        if self.target_attribute is not None:
            name, value = self.target_attribute
            return (attributes or {}).get(name) == value
        return False


@dataclass(frozen=True)
class FenceAttempt:
    """One device action within a fencing operation (``level`` None: no topology)."""

    level: int | None
    result: FenceAgentResult


@dataclass(frozen=True)
class FencingResult:
    target: str
    action: str
    ok: bool
    reason: str
    attempts: tuple[FenceAttempt, ...] = ()
    level: int | None = None
    devices: tuple[str, ...] = ()
    duration_s: float = 0.0
    recorders: tuple[str, ...] = ()
    """Built-in devices of the successful level (they record, they do not power off)."""

    def describe(self) -> str:
        state = "succeeded" if self.ok else "failed"
        return f"{self.action} of {self.target} {state}: {self.reason}"


class Fencer:
    """Runs fencing operations for one node agent; see the module docstring."""

    def __init__(self, devices: Sequence[FenceDevice], levels: Sequence[FenceLevel] = (),
                 agent_dir: Path = AGENT_DIR) -> None:
        self.devices = {d.id: d for d in devices}
        self.levels = tuple(sorted(levels, key=lambda lv: lv.index))
        self.agent_dir = agent_dir

    async def _run(self, device: FenceDevice, action: str, target: str) -> FenceAgentResult:
        """One device action with delay and retries inside the action's timeout."""
        if is_builtin(device):
            return run_builtin(device, action, target)
        deadline = time.monotonic() + device.timeout_s(action)
        if device.delay_base_s and action in ("off", "reboot"):
            await asyncio.sleep(device.delay_base_s)
        result: FenceAgentResult | None = None
        for attempt in range(device.retries(action)):
            remaining = deadline - time.monotonic()
            if remaining <= 0 and result is not None:
                break
            result = await _run_agent(device, action, target, agent_dir=self.agent_dir,
                                      timeout_s=max(remaining, 0.1))
            log.info("fence %s %s via %s (try %d): rc=%s %s", action, target, device.id,
                     attempt + 1, result.rc, result.reason or "")
            if result.ok or result.timed_out:
                break
        assert result is not None
        return result

    async def can_fence(self, device: FenceDevice, target: str) -> bool:
        """Whether ``device`` may fence ``target`` under its effective ``pcmk_host_check``."""
        if is_builtin(device):
            return builtin_can_fence(device, target)
        check = device.option("pcmk_host_check")
        if check is None and not (device.host_list or device.host_map):
            actions = await agent_actions(device, self.agent_dir)
            check = device.host_check("list" in actions, "status" in actions)
        check = check or device.host_check()
        if check == "none":
            return True
        if check == "static-list":
            return device.statically_matches(target)
        if check == "dynamic-list":
            names = await list_targets(device, self.agent_dir)
            return names is not None and (target in names or device.port_for(target) in names)
        status = await _run_agent(device, "status", target, agent_dir=self.agent_dir,
                                  timeout_s=device.timeout_s("status"))
        return status.power is not None

    async def capable_devices(self, target: str) -> tuple[FenceDevice, ...]:
        """Devices able to fence ``target``, higher priority first (stable order)."""
        ordered = sorted((d for d in self.devices.values() if not is_builtin(d)),
                         key=lambda d: -d.priority)
        return tuple([d for d in ordered if await self.can_fence(d, target)])

    async def fence(self, target: str, action: str = "reboot",
                    attributes: Mapping[str, str] | None = None) -> FencingResult:
        """Fence ``target`` (``reboot``, ``off`` or ``on``); never raises for agent failures."""
        began = time.monotonic()
        attempts: list[FenceAttempt] = []
        levels = [lv for lv in self.levels if lv.applies_to(target, attributes)]
        notes: list[str] = []
        plans: list[tuple[int | None, tuple[str, ...]]]
        if levels:
            plans = [(lv.index, lv.devices) for lv in levels]
        else:
            plans = [(None, (d.id,)) for d in await self.capable_devices(target)]
            if not plans:
                return FencingResult(target, action, False,
                                     f"no fence device can fence {target}",
                                     duration_s=time.monotonic() - began)
        for index, device_ids in plans:
            devices = [self.devices.get(d) for d in device_ids]
            missing = [d for d, dev in zip(device_ids, devices, strict=True) if dev is None]
            if missing:
                notes.append(f"level {index}: unknown device {', '.join(missing)}")
                continue
            usable = [d for d in devices if d is not None]
            if all(is_builtin(d) for d in usable):
                notes.append(f"level {index}: {', '.join(device_ids)} only record, "
                             "a level needs a device that powers the node off")
                continue
            if index is not None:
                unable = [d.id for d in usable if not await self.can_fence(d, target)]
                if unable:
                    notes.append(f"level {index}: {', '.join(unable)} cannot fence {target}")
                    continue
            ok = await self._run_level(index, usable, action, target, attempts)
            if ok:
                return FencingResult(
                    target, action, True,
                    f"fenced by {', '.join(device_ids)}"
                    + (f" (level {index})" if index is not None else ""),
                    tuple(attempts), index, tuple(device_ids), time.monotonic() - began,
                    tuple(d.id for d in usable if is_builtin(d)))
            last = attempts[-1].result
            notes.append(f"{last.device_id}: {last.reason or 'rc=' + str(last.rc)}")
        return FencingResult(target, action, False,
                             "all fencing options failed: " + "; ".join(notes),
                             tuple(attempts), None, (), time.monotonic() - began)

    async def _run_level(self, index: int | None, devices: list[FenceDevice], action: str,
                         target: str, attempts: list[FenceAttempt]) -> bool:
        if action == "reboot" and len(devices) > 1:
            for device in devices:
                result = await self._run(device, "off", target)
                attempts.append(FenceAttempt(index, result))
                if not result.ok:
                    return False
            for device in devices:
                result = await self._run(device, "on", target)
                attempts.append(FenceAttempt(index, result))
                if not result.ok:
                    log.warning("fencing %s: %s could not power it back on (%s)", target,
                                device.id, result.reason)
            return True
        for device in devices:
            result = await self._run(device, action, target)
            attempts.append(FenceAttempt(index, result))
            if not result.ok:
                return False
        return True

    async def monitor(self, device_id: str) -> FenceAgentResult:
        """Run the device's ``monitor`` action (checks the device, not a node)."""
        device = self.devices[device_id]
        return await _run_agent(device, "monitor", None, agent_dir=self.agent_dir,
                                timeout_s=device.timeout_s("monitor"))

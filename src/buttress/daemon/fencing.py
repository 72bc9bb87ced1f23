"""The controller's fencing: run the configured fence devices, record a confirmed fence.

Only the leader fences. Devices are the configuration's ``stonith`` primitives, levels its
``fencing-topology`` (see :class:`buttress.fencing.Fencer` for the semantics: levels in
order, the next level when one fails). A confirmed fence is recorded in ONE transaction
guarded by the leadership and by the node's membership key being absent: the node's
history, transient attributes and queued orders are erased and its NodeRecord becomes
"down" (so the scheduler sees it fenced: offline and clean). If the node's agent already
joined again (a power cycle restarts it, and it erased its own history when it joined),
only the fencing record is written. Failures are remembered per node so that retries back
off (2 s, 4 s, ... up to 30 s); the node stays unclean meanwhile and nothing of it is
started elsewhere.

When the successful level holds a built-in ``fence_nova`` device, the same transaction
(either form) also writes the node's :class:`FenceEventRecord` at
``instance-ha/fenced/<node>``: the event exists if and only if the fence was confirmed and
recorded, and the leader's instance-HA loop (:mod:`.instanceha`) evacuates from it.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

from buttress.daemon.eventlog import EventLog
from buttress.daemon.records import DaemonKeys, FenceEventRecord, NodeRecord, dumps
from buttress.daemon.resources import fence_devices, fence_levels
from buttress.fencing import Fencer, FencingResult
from buttress.fencing.builtin import nova_host
from buttress.model import Cib
from buttress.store import Compare, Delete, Op, Put, Store

log = logging.getLogger("buttress.controller")

MAX_BACKOFF_S = 30.0


class LostLeadership(Exception):
    """A guarded write failed: another controller leads now. Stop acting at once."""


@dataclass
class FenceBook:
    """Failed fencing attempts per node, for the retry back-off."""

    failures: dict[str, tuple[int, float]] = field(default_factory=dict)

    def retry_in(self, node: str, now: float) -> float:
        """Seconds before fencing ``node`` may be tried again (0: now)."""
        count, last = self.failures.get(node, (0, 0.0))
        if count == 0:
            return 0.0
        wait = min(2.0 ** count, MAX_BACKOFF_S)
        return max(0.0, last + wait - now)

    def failed(self, node: str, now: float) -> int:
        count = self.failures.get(node, (0, 0.0))[0] + 1
        self.failures[node] = (count, now)
        return count

    def succeeded(self, node: str) -> None:
        self.failures.pop(node, None)


async def fence_node(store: Store, keys: DaemonKeys, guard: list[Compare], cib: Cib,
                     node: str, action: str, events: EventLog, by: str,
                     old_member: bytes | None = None) -> FencingResult:
    """Fence ``node`` and record the outcome (module docstring). Raises LostLeadership."""
    attributes = {}
    for configured in cib.configuration.nodes:
        if configured.uname == node:
            for nvset in configured.attributes:
                attributes.update(dict(nvset.pairs))
    devices = fence_devices(cib)
    fencer = Fencer(devices, fence_levels(cib))
    log.warning("fencing %s (%s)", node, action)
    result = await fencer.fence(node, action, attributes)
    now = time.time()
    record = dumps({"action": action, "ok": result.ok, "reason": result.reason,
                    "devices": list(result.devices), "level": result.level,
                    "ts": now, "by": by, "duration_s": round(result.duration_s, 3)})
    layout = keys.layout
    extra: list[Op] = []
    if result.ok and result.recorders:
        device = next(d for d in devices if d.id == result.recorders[0])
        event = FenceEventRecord(node, nova_host(device, node), device.id,
                                 f"{node}@{now:.3f}", now, action)
        extra.append(Put(keys.fence_event(node), event.encode()))
        log.warning("%s fenced by a level with %s: evacuation of %s recorded (%s)", node,
                    device.id, event.nova_host, event.fence_id)
    if result.ok:
        events.write("fence", node, ok=True, action=action)
        member = layout.member(node)
        clear: list[Op] = [Put(keys.fencing(node), record), *extra,
                           Delete(layout.history_prefix(node), prefix=True),
                           Delete(layout.attributes_prefix(node), prefix=True),
                           Delete(keys.actions_prefix(node), prefix=True),
                           Put(keys.node(node), NodeRecord("down", "", time.time(),
                                                           {"fenced": True}).encode())]
        # The fenced incarnation may still hold its membership key (its lease outlives
        # it by up to a TTL): that key goes with the rest. A key of a NEW incarnation
        # (it rebooted and joined already, erasing its own history) is left alone.
        conditions = [[Compare.absent(member)]]
        if old_member is not None:
            conditions.append([Compare.value(member, "==", old_member)])
            clear.append(Delete(member))
        for condition in conditions:
            cleared = await store.txn([*guard, *condition], clear)
            if cleared.succeeded:
                return result
    written = await store.txn(guard, [Put(keys.fencing(node), record), *extra])
    if not written.succeeded:
        raise LostLeadership()
    return result

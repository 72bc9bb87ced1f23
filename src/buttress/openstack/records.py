"""Progress records of a host recovery, as kept in the journal and shown in status.

A :class:`HostRecord` exists per fenced host (one fence event at a time) and an
:class:`InstanceRecord` per selected instance of that fence event. Both are frozen and
round-trip through ``to_json``/``from_json``; changes are made with ``dataclasses.replace``
and written with a compare-and-swap, so the journal is the single source of progress.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class HostPhase(enum.Enum):
    """FENCED: fence confirmed, Nova not yet told. ISOLATED: forced down and disabled.
    REFUSED: too many hosts failed at once; no evacuation. EVACUATING: instances chosen
    and recorded. DONE: every chosen instance recovered or failed. RESTORED: the host is
    back, enabled and no longer forced down."""

    FENCED = "fenced"
    ISOLATED = "isolated"
    REFUSED = "refused"
    EVACUATING = "evacuating"
    DONE = "done"
    RESTORED = "restored"


class InstancePhase(enum.Enum):
    """PENDING: chosen, no evacuate request in flight. REQUESTED: an evacuate request was
    (or is about to be) sent for attempt ``attempts``; a resuming engine asks Nova's
    migrations whether it went through before sending another. RECOVERED: on another host
    in its original power state. FAILED: given up; ``error`` holds Nova's reason."""

    PENDING = "pending"
    REQUESTED = "requested"
    RECOVERED = "recovered"
    FAILED = "failed"


@dataclass(frozen=True)
class InstanceRecord:
    """One instance of one host recovery. Times are epoch seconds (None = not yet)."""

    id: str
    name: str
    source_host: str
    fence_id: str
    original_status: str
    phase: InstancePhase = InstancePhase.PENDING
    attempts: int = 0
    baseline_evacuations: int = 0
    target_host: str | None = None
    landed_host: str | None = None
    final_status: str | None = None
    requested_at: float | None = None
    landed_at: float | None = None
    finished_at: float | None = None
    error: str | None = None

    @property
    def settled(self) -> bool:
        return self.phase in (InstancePhase.RECOVERED, InstancePhase.FAILED)

    def to_json(self) -> dict[str, Any]:
        out = _plain(self)
        out["phase"] = self.phase.value
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> InstanceRecord:
        values = dict(data)
        values["phase"] = InstancePhase(values["phase"])
        return cls(**values)


@dataclass(frozen=True)
class HostRecord:
    """The recovery of one host after one fence event.

    ``selected`` are the instance ids being evacuated (fixed when the phase becomes
    EVACUATING); ``skipped`` maps ids left alone to the reason; ``attempts`` counts Nova
    failures of the host-level steps; ``error`` is the latest problem (cleared on
    progress); ``reason`` explains a REFUSED decision; ``changes_since`` is Nova's
    ``updated`` time of the least recently updated selected instance (for batched polls).
    """

    host: str
    fence_id: str
    fenced_at: float
    phase: HostPhase = HostPhase.FENCED
    service_id: str | None = None
    selected: tuple[str, ...] = ()
    skipped: Mapping[str, str] | None = None
    registered_at: float | None = None
    isolated_at: float | None = None
    evacuation_started_at: float | None = None
    finished_at: float | None = None
    restored_at: float | None = None
    attempts: int = 0
    error: str | None = None
    reason: str | None = None
    changes_since: str | None = None

    @property
    def active(self) -> bool:
        """Whether the host still counts as failed (not yet restored)."""
        return self.phase is not HostPhase.RESTORED

    def to_json(self) -> dict[str, Any]:
        out = _plain(self)
        out["phase"] = self.phase.value
        out["selected"] = list(self.selected)
        out["skipped"] = dict(self.skipped or {})
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> HostRecord:
        values = dict(data)
        values["phase"] = HostPhase(values["phase"])
        values["selected"] = tuple(values.get("selected", ()))
        values["skipped"] = dict(values.get("skipped") or {})
        return cls(**values)


@dataclass(frozen=True)
class RecoveryReport:
    """The outcome of one ``recover`` call: the host record, its instance records and
    the derived timings. ``to_json`` is what status renderers show."""

    host: HostRecord
    instances: tuple[InstanceRecord, ...]

    @property
    def complete(self) -> bool:
        """True when nothing is left to do for this fence event (DONE or REFUSED)."""
        return self.host.phase in (HostPhase.DONE, HostPhase.REFUSED, HostPhase.RESTORED)

    def recovered(self) -> list[InstanceRecord]:
        return [i for i in self.instances if i.phase is InstancePhase.RECOVERED]

    def failed(self) -> list[InstanceRecord]:
        return [i for i in self.instances if i.phase is InstancePhase.FAILED]

    def to_json(self) -> dict[str, Any]:
        fenced = self.host.fenced_at
        instances = []
        for rec in self.instances:
            item = rec.to_json()
            if rec.finished_at is not None and rec.phase is InstancePhase.RECOVERED:
                item["recovery_s"] = round(rec.finished_at - fenced, 3)
            instances.append(item)
        out: dict[str, Any] = {"host": self.host.to_json(), "instances": instances,
                               "recovered": len(self.recovered()),
                               "failed": len(self.failed()), "complete": self.complete}
        if self.host.finished_at is not None:
            out["total_s"] = round(self.host.finished_at - fenced, 3)
        return out


def _plain(obj: Any) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in obj.__dataclass_fields__}

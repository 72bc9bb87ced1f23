"""Events: what the engine did and why, as data (JSON-able), one line of prose each."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

log = logging.getLogger("buttress.openstack")


@dataclass(frozen=True)
class Event:
    """One thing that happened. ``kind`` is dotted (``host.refused``, ``nova.retry``,
    ``instance.recovered``...), ``message`` a readable sentence, ``data`` JSON-able
    details (never a credential), ``at`` the engine clock's epoch seconds."""

    kind: str
    message: str
    at: float
    host: str | None = None
    instance: str | None = None
    data: Mapping[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """A JSON-able dict."""
        out: dict[str, Any] = {"kind": self.kind, "message": self.message, "at": self.at}
        if self.host is not None:
            out["host"] = self.host
        if self.instance is not None:
            out["instance"] = self.instance
        if self.data:
            out["data"] = dict(self.data)
        return out

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


EventSink = Callable[[Event], None]


class EventLog:
    """An EventSink that keeps every event (thread-safe) and logs it at INFO/WARNING."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self._lock = threading.Lock()

    def __call__(self, event: Event) -> None:
        with self._lock:
            self._events.append(event)
        level = logging.WARNING if event.kind.endswith(
            ("retry", "refused", "failed", "gave_up", "stalled")) else logging.INFO
        log.log(level, "%s", event)

    @property
    def events(self) -> tuple[Event, ...]:
        with self._lock:
            return tuple(self._events)

    def of_kind(self, kind: str) -> list[Event]:
        """The events whose kind is ``kind`` (or starts with ``kind + '.'``)."""
        return [e for e in self.events if e.kind == kind or e.kind.startswith(kind + ".")]

"""An append-only log of what ran where, and the split-brain invariant checked over it.

Every node agent and controller of a sandbox appends JSON lines to one file (``O_APPEND``
writes of one short line are atomic on Linux, and all processes share the machine's
clock). Written *before* an action that may make a resource active (``start``,
``promote``: the resource counts as active from the moment the agent begins) and *after*
one that makes it inactive (``stop`` with its rc, ``demote``, a ``fence`` only once the
fence device confirmed it), so the log never under-states where a resource may be active.

Event fields: ``ts`` (wall clock), ``kind``, ``node`` and, for resource events, ``rsc``
(the configured primitive id) and ``rc``. Kinds:

* ``start``, ``promote`` - the agent begins the action;
* ``stop``, ``demote`` - finished, with ``rc`` (0 = done; anything else leaves it active);
* ``observe`` - a monitor/probe result: ``rc`` 7 means not running there, 0/8 running;
* ``fence`` - fencing of ``node`` confirmed by the controller (``ok`` true), which
  makes every resource inactive there;
* ``selfstop`` - the agent lost the store and stopped everything itself (each stop is
  also logged as ``stop``);
* ``unclean`` - the agent lost its membership and could not stop everything: it stays
  out of the cluster until fenced.

:func:`check_invariant`: no single-instance resource may be started on a node while it
may still be active on another, and no promotable clone may be promoted on a node while
promoted elsewhere, unless a confirmed stop/fence of the other node came in between.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any


class EventLog:
    """Appends events to a JSON-lines file; a no-op when ``path`` is None."""

    def __init__(self, path: str | os.PathLike[str] | None, source: str) -> None:
        self.path = Path(path) if path else None
        self.source = source

    def write(self, kind: str, node: str | None, rsc: str | None = None, **extra: Any) -> None:
        if self.path is None:
            return
        event = {"ts": time.time(), "kind": kind, "node": node, "by": self.source}
        if rsc is not None:
            event["rsc"] = rsc
        event.update(extra)
        line = (json.dumps(event, sort_keys=True) + "\n").encode()
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, line)
        finally:
            os.close(fd)


def read_events(path: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """Every event in the file, in time order (a torn last line is ignored)."""
    events = []
    try:
        text = Path(path).read_text()
    except FileNotFoundError:
        return []
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        if isinstance(event, dict):
            events.append(event)
    events.sort(key=lambda e: float(e.get("ts", 0)))
    return events


@dataclass(frozen=True)
class Violation:
    ts: float
    rsc: str
    node: str
    others: tuple[str, ...]
    what: str

    def __str__(self) -> str:
        return (f"{self.what} of {self.rsc} on {self.node} at {self.ts:.3f} while it may "
                f"still be active on {', '.join(self.others)} (no confirmed stop or fence)")


def check_invariant(events: Iterable[dict[str, Any]], single: Iterable[str],
                    promotable: Iterable[str] = ()) -> list[Violation]:
    """Violations of the invariant (module docstring); empty means the history is safe.

    ``single`` are the primitive ids that may be active on one node at a time,
    ``promotable`` those (primitive ids of promotable clones) that may be promoted on one.
    """
    singles, promos = set(single), set(promotable)
    active: dict[str, set[str]] = {}
    promoted: dict[str, set[str]] = {}
    found: list[Violation] = []
    for event in sorted(events, key=lambda e: float(e.get("ts", 0))):
        kind, node, rsc = event.get("kind"), event.get("node"), event.get("rsc")
        ts = float(event.get("ts", 0))
        if not isinstance(node, str):
            continue
        if kind == "fence":
            if event.get("ok", True):
                for nodes in (*active.values(), *promoted.values()):
                    nodes.discard(node)
            continue
        if not isinstance(rsc, str):
            continue
        rc = event.get("rc")
        here = active.setdefault(rsc, set())
        up = promoted.setdefault(rsc, set())
        if kind == "start":
            others = tuple(sorted(here - {node}))
            if rsc in singles and others:
                found.append(Violation(ts, rsc, node, others, "start"))
            here.add(node)
        elif kind == "promote":
            others = tuple(sorted(up - {node}))
            if rsc in promos and others:
                found.append(Violation(ts, rsc, node, others, "promotion"))
            up.add(node)
            here.add(node)
        elif kind == "stop" and rc == 0:
            here.discard(node)
            up.discard(node)
        elif kind == "demote" and rc == 0:
            up.discard(node)
        elif kind == "observe":
            if rc == 7:
                here.discard(node)
                up.discard(node)
            elif rc in (0, 8):
                here.add(node)
                if rc == 8:
                    up.add(node)
    return found

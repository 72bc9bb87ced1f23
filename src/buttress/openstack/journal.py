"""The progress journal: JSON documents under string keys, written by compare-and-swap.

Contract of every :class:`Journal`:

- ``get(key)`` returns the entry or None; an entry's ``version`` is > 0 and changes on
  every write of that key (it never repeats for the key).
- ``put(key, value, expected_version)`` writes only if the key is currently at
  ``expected_version`` (0 = the key must not exist) and returns the new version; otherwise
  it raises :class:`JournalConflict` and writes nothing. A put is atomic and durable for
  the backend's durability (memory: the process; file: fsync + rename; store: etcd).
- ``list(prefix)`` returns every entry whose key starts with ``prefix``, ordered by key.
- A backend that cannot be reached raises :class:`JournalError` with a one-line message.

Implementations: :class:`InMemoryJournal` (one process), :class:`FileJournal` (a
directory shared by processes of one machine; tests and single-controller deployments),
and ``buttress.openstack.store_journal.StoreJournal`` over the cluster's etcd Store.
"""

from __future__ import annotations

import fcntl
import json
import os
import threading
import urllib.parse
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from buttress.openstack.errors import JournalConflict, JournalError


@dataclass(frozen=True)
class JournalEntry:
    """One key, its JSON value and its version."""

    key: str
    value: Mapping[str, Any]
    version: int


class Journal(Protocol):
    """Compare-and-swap storage of JSON documents (see the module docstring)."""

    async def get(self, key: str) -> JournalEntry | None:
        ...

    async def put(self, key: str, value: Mapping[str, Any], expected_version: int) -> int:
        ...

    async def list(self, prefix: str) -> list[JournalEntry]:
        ...


class InMemoryJournal:
    """A Journal in a dict; versions come from one counter (like etcd's revision)."""

    def __init__(self) -> None:
        self._data: dict[str, JournalEntry] = {}
        self._revision = 0
        self._lock = threading.Lock()

    async def get(self, key: str) -> JournalEntry | None:
        with self._lock:
            return self._data.get(key)

    async def put(self, key: str, value: Mapping[str, Any], expected_version: int) -> int:
        encoded = json.loads(json.dumps(value))  # a detached copy; rejects non-JSON values
        with self._lock:
            current = self._data.get(key)
            actual = current.version if current else 0
            if actual != expected_version:
                raise JournalConflict(key, expected_version, actual)
            self._revision += 1
            self._data[key] = JournalEntry(key, encoded, self._revision)
            return self._revision

    async def list(self, prefix: str) -> list[JournalEntry]:
        with self._lock:
            return [self._data[k] for k in sorted(self._data) if k.startswith(prefix)]


class FileJournal:
    """A Journal in a directory: one JSON file per key, a lock file serialises writers.

    Safe across processes of one machine (``flock``); a put writes a temporary file,
    fsyncs it and renames it over the old one, so a killed writer leaves either the old
    or the new document, never a torn one.
    """

    def __init__(self, directory: str | os.PathLike[str]):
        self._dir = Path(directory)
        try:
            self._dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise JournalError(f"cannot create journal directory {self._dir}: {exc}") from None
        self._lockfile = self._dir / ".lock"

    def __repr__(self) -> str:
        return f"FileJournal({str(self._dir)!r})"

    def _path(self, key: str) -> Path:
        return self._dir / (urllib.parse.quote(key, safe="") + ".json")

    @contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            fd = os.open(self._lockfile, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise JournalError(f"cannot open journal lock {self._lockfile}: {exc}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    def _read(self, path: Path, key: str) -> JournalEntry | None:
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        except (OSError, ValueError) as exc:
            raise JournalError(f"cannot read journal entry {key!r}: {exc}") from None
        return JournalEntry(key, doc["value"], int(doc["version"]))

    async def get(self, key: str) -> JournalEntry | None:
        with self._locked():
            return self._read(self._path(key), key)

    async def put(self, key: str, value: Mapping[str, Any], expected_version: int) -> int:
        path = self._path(key)
        with self._locked():
            current = self._read(path, key)
            actual = current.version if current else 0
            if actual != expected_version:
                raise JournalConflict(key, expected_version, actual)
            version = actual + 1
            tmp = path.with_suffix(".tmp")
            try:
                with open(tmp, "w", encoding="utf-8") as handle:
                    json.dump({"key": key, "version": version, "value": value}, handle)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp, path)
            except (OSError, TypeError, ValueError) as exc:
                raise JournalError(f"cannot write journal entry {key!r}: {exc}") from None
            return version

    async def list(self, prefix: str) -> list[JournalEntry]:
        with self._locked():
            out = []
            for path in sorted(self._dir.glob("*.json")):
                key = urllib.parse.unquote(path.name[: -len(".json")])
                if key.startswith(prefix):
                    entry = self._read(path, key)
                    if entry is not None:
                        out.append(entry)
            return sorted(out, key=lambda e: e.key)

"""A Journal over the cluster's :class:`buttress.store.base.Store` (etcd in production).

Versions are etcd ``mod_revision`` values; a put is one transaction guarded by
``mod_revision(key) == expected`` (0 means "absent", as etcd reports for a missing key),
so a controller that lost the race (or its leadership) never overwrites progress.
``guard`` adds conditions to every write (the controller passes its leadership
``leader == <identity>``): a write refused by them raises JournalError, not a conflict.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from buttress.openstack.errors import JournalConflict, JournalError
from buttress.openstack.journal import JournalEntry
from buttress.store.base import Compare, Put, Store
from buttress.store.errors import StoreError


class StoreJournal:
    """Journal entries live at ``<root><key>`` of ``store`` (root ends with "/")."""

    def __init__(self, store: Store, root: str = "/buttress/instance-ha/",
                 guard: Sequence[Compare] = ()):
        self._store = store
        self._root = root if root.endswith("/") else root + "/"
        self._guard = list(guard)

    def __repr__(self) -> str:
        return f"StoreJournal(root={self._root!r})"

    async def get(self, key: str) -> JournalEntry | None:
        try:
            kv = await self._store.get(self._root + key)
        except StoreError as exc:
            raise JournalError(f"journal read of {key!r} failed: {exc}") from None
        if kv is None:
            return None
        return JournalEntry(key, json.loads(kv.value), kv.mod_revision)

    async def put(self, key: str, value: Mapping[str, Any], expected_version: int) -> int:
        full = self._root + key
        try:
            result = await self._store.txn(
                [*self._guard, Compare.mod_revision(full, "==", expected_version)],
                [Put.of(full, json.dumps(value, sort_keys=True))])
            if result.succeeded:
                return result.revision
            current = await self._store.get(full)
        except StoreError as exc:
            raise JournalError(f"journal write of {key!r} failed: {exc}") from None
        if self._guard and (current.mod_revision if current else 0) == expected_version:
            raise JournalError(f"journal write of {key!r} refused: its guard failed "
                               "(this controller no longer leads)")
        raise JournalConflict(key, expected_version, current.mod_revision if current else 0)

    async def list(self, prefix: str) -> list[JournalEntry]:
        try:
            found = await self._store.range(self._root + prefix)
        except StoreError as exc:
            raise JournalError(f"journal listing of {prefix!r} failed: {exc}") from None
        return [JournalEntry(kv.key[len(self._root):], json.loads(kv.value), kv.mod_revision)
                for kv in found.kvs]

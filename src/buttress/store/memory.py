"""In-memory Store with etcd's semantics, for unit tests of the components above it.

Revisions, transactions, leases and watches behave as the :class:`~buttress.store.base.Store`
contract says (and as etcd 3.4 does: the first write gets revision 2, a transaction is one
revision, VALUE comparisons on a missing key are false). Lease expiry runs on an injectable
clock, so a test can advance time instead of sleeping::

    now = [0.0]
    store = MemoryStore(clock=lambda: now[0])
    lease = await store.grant(5)
    await store.put("/n/a", "up", lease=lease.id)
    now[0] += 6
    assert await store.get("/n/a") is None     # expired on the next operation

Expiry is checked at every operation and, while a watch waits, every ``poll_interval``
seconds. ``set_available(False)`` makes every call raise StoreUnavailable (fault tests).
All state lives in one event loop's thread; there is no locking because no operation awaits
in the middle of a change.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import contextlib
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from buttress.store.base import (
    Compare,
    CompareTarget,
    Delete,
    DeleteResult,
    Event,
    EventType,
    Get,
    KeyValue,
    Lease,
    Op,
    OpResult,
    Put,
    PutResult,
    RangeResult,
    Store,
    TxnResult,
    Watch,
    as_bytes,
)
from buttress.store.errors import Compacted, LeaseExpired, StoreError, StoreUnavailable


@dataclass
class _LeaseState:
    ttl: int
    deadline: float
    keys: set[str] = field(default_factory=set)


def _sort_key(key: str) -> bytes:
    return key.encode("utf-8")


def check_txn_ops(ops: Sequence[Op]) -> None:
    """etcd's rule: a branch may not put a key twice, nor put a key it also deletes."""
    puts = [op.key for op in ops if isinstance(op, Put)]
    if len(set(puts)) != len(puts):
        raise StoreError("duplicate key given in txn request")
    for op in ops:
        if isinstance(op, Delete):
            for key in puts:
                if key == op.key or (op.prefix and key.startswith(op.key)):
                    raise StoreError("duplicate key given in txn request")


class MemoryStore:
    """A Store held in a dict; see the module docstring. Implements the Store protocol."""

    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        min_ttl: int = 1,
        poll_interval: float = 0.05,
    ) -> None:
        self._clock = clock
        self._min_ttl = min_ttl
        self._poll_interval = poll_interval
        self._data: dict[str, KeyValue] = {}
        self._revision = 1
        self._compacted = 0
        self._log: list[Event] = []
        self._log_revs: list[int] = []
        self._leases: dict[int, _LeaseState] = {}
        self._lease_ids = itertools.count(0x1000)
        self._watches: set[_MemoryWatch] = set()
        self._available = True
        self._closed = False

    # -- test controls -------------------------------------------------------------------

    @property
    def revision(self) -> int:
        """The current revision (no availability check: for assertions in tests)."""
        return self._revision

    def set_available(self, available: bool) -> None:
        """Simulate the store becoming unreachable (every call raises StoreUnavailable)."""
        self._available = available

    def expire_leases(self) -> int:
        """Expire every lease whose deadline has passed on the clock; returns how many."""
        now = self._clock()
        expired = [lid for lid, st in self._leases.items() if st.deadline <= now]
        for lease_id in expired:
            self._drop_lease(lease_id)
        return len(expired)

    # -- the Store protocol --------------------------------------------------------------

    async def get(self, key: str) -> KeyValue | None:
        self._enter()
        return self._data.get(key)

    async def range(self, prefix: str, *, limit: int = 0) -> RangeResult:
        self._enter()
        return self._range(prefix, limit)

    async def put(self, key: str, value: bytes | str, *, lease: int = 0) -> int:
        self._enter()
        self._check_lease(lease)
        events: list[Event] = []
        self._apply_put(Put(key, as_bytes(value), lease), self._revision + 1, events)
        self._commit(events)
        return self._revision

    async def delete(self, key: str) -> bool:
        self._enter()
        events: list[Event] = []
        self._apply_delete(Delete(key), self._revision + 1, events)
        self._commit(events)
        return bool(events)

    async def delete_prefix(self, prefix: str) -> int:
        self._enter()
        events: list[Event] = []
        self._apply_delete(Delete(prefix, prefix=True), self._revision + 1, events)
        self._commit(events)
        return len(events)

    async def txn(
        self, compare: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        self._enter()
        check_txn_ops(success)
        check_txn_ops(failure)
        succeeded = all(self._holds(c) for c in compare)
        ops = success if succeeded else failure
        for op in ops:
            if isinstance(op, Put):
                self._check_lease(op.lease)
        # Ops apply in order (a Get sees earlier Puts); every write gets the same revision,
        # and the results carry the revision after the transaction.
        rev = self._revision + 1
        events: list[Event] = []
        raw: list[OpResult] = []
        for op in ops:
            if isinstance(op, Put):
                self._apply_put(op, rev, events)
                raw.append(PutResult(rev))
            elif isinstance(op, Delete):
                raw.append(DeleteResult(self._apply_delete(op, rev, events)))
            else:
                raw.append(self._read(op))
        self._commit(events)
        results = tuple(RangeResult(r.kvs, self._revision) if isinstance(r, RangeResult)
                        else r for r in raw)
        return TxnResult(succeeded, results, self._revision)

    async def grant(self, ttl: int) -> Lease:
        self._enter()
        ttl = max(int(ttl), self._min_ttl)
        lease_id = next(self._lease_ids)
        self._leases[lease_id] = _LeaseState(ttl, self._clock() + ttl)
        return Lease(lease_id, ttl)

    async def keepalive(self, lease_id: int) -> int:
        self._enter()
        state = self._leases.get(lease_id)
        if state is None:
            raise LeaseExpired(lease_id)
        state.deadline = self._clock() + state.ttl
        return state.ttl

    async def revoke(self, lease_id: int) -> None:
        self._enter()
        self._drop_lease(lease_id)

    def watch(
        self, key: str, *, prefix: bool = False, start_revision: int | None = None
    ) -> Watch:
        return _MemoryWatch(self, key, prefix, start_revision)

    async def compact(self, revision: int) -> None:
        self._enter()
        if revision > self._revision:
            raise StoreError(f"cannot compact to future revision {revision}")
        if revision <= self._compacted:
            raise Compacted(revision, self._compacted)
        self._compacted = revision
        cut = bisect.bisect_left(self._log_revs, revision)
        del self._log[:cut]
        del self._log_revs[:cut]
        self._wake_watches()

    async def close(self) -> None:
        self._closed = True
        self._wake_watches()

    # -- internals -----------------------------------------------------------------------

    def _enter(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")
        if not self._available:
            raise StoreUnavailable("memory store is unavailable (simulated fault)")
        self.expire_leases()

    def _check_lease(self, lease: int) -> None:
        if lease and lease not in self._leases:
            raise LeaseExpired(lease)

    def _range(self, prefix: str, limit: int) -> RangeResult:
        keys = sorted((k for k in self._data if k.startswith(prefix)), key=_sort_key)
        if limit:
            keys = keys[:limit]
        return RangeResult(tuple(self._data[k] for k in keys), self._revision)

    def _read(self, op: Get) -> RangeResult:
        if op.prefix:
            return self._range(op.key, 0)
        kv = self._data.get(op.key)
        return RangeResult((kv,) if kv else (), self._revision)

    def _holds(self, c: Compare) -> bool:
        kv = self._data.get(c.key)
        if c.target is CompareTarget.VALUE:
            if kv is None:
                return False
            actual: int | bytes = kv.value
        elif c.target is CompareTarget.VERSION:
            actual = kv.version if kv else 0
        elif c.target is CompareTarget.CREATE_REVISION:
            actual = kv.create_revision if kv else 0
        else:
            actual = kv.mod_revision if kv else 0
        operand = c.operand
        if isinstance(actual, bytes) != isinstance(operand, bytes):
            raise StoreError(f"comparison of {c.target.value} with {operand!r}: wrong type")
        if c.op == "==":
            return actual == operand
        if c.op == "!=":
            return actual != operand
        if c.op == "<":
            return actual < operand  # type: ignore[operator]
        return actual > operand  # type: ignore[operator]

    def _apply_put(self, op: Put, rev: int, events: list[Event]) -> None:
        prev = self._data.get(op.key)
        if prev is not None and prev.lease and prev.lease in self._leases:
            self._leases[prev.lease].keys.discard(op.key)
        kv = KeyValue(op.key, op.value, prev.create_revision if prev else rev, rev,
                      prev.version + 1 if prev else 1, op.lease)
        self._data[op.key] = kv
        if op.lease:
            self._leases[op.lease].keys.add(op.key)
        events.append(Event(EventType.PUT, op.key, op.value, rev, kv.create_revision,
                            kv.version, op.lease))

    def _apply_delete(self, op: Delete, rev: int, events: list[Event]) -> int:
        if op.prefix:
            keys = sorted((k for k in self._data if k.startswith(op.key)), key=_sort_key)
        else:
            keys = [op.key] if op.key in self._data else []
        for key in keys:
            kv = self._data.pop(key)
            if kv.lease and kv.lease in self._leases:
                self._leases[kv.lease].keys.discard(key)
            events.append(Event(EventType.DELETE, key, b"", rev))
        return len(keys)

    def _drop_lease(self, lease_id: int) -> None:
        state = self._leases.pop(lease_id, None)
        if state is None:
            return
        events: list[Event] = []
        rev = self._revision + 1
        for key in sorted(state.keys, key=_sort_key):
            self._apply_delete(Delete(key), rev, events)
        self._commit(events)

    def _commit(self, events: list[Event]) -> None:
        if not events:
            return
        self._revision = events[0].mod_revision
        self._log.extend(events)
        self._log_revs.extend(e.mod_revision for e in events)
        self._wake_watches()

    def _wake_watches(self) -> None:
        for w in self._watches:
            w._wake.set()


class _MemoryWatch(Watch):
    """A watch reading the store's event log from its own position."""

    def __init__(self, store: MemoryStore, key: str, prefix: bool, start: int | None):
        self._store = store
        self._key = key
        self._prefix = prefix
        self._start = start
        self._scan = 0
        self._buffer: collections.deque[Event] = collections.deque()
        self._wake = asyncio.Event()
        self._started = False
        self._closed = False

    @property
    def next_revision(self) -> int:
        return self._buffer[0].mod_revision if self._buffer else self._scan

    async def start(self) -> None:
        if self._started:
            return
        self._store._enter()
        self._scan = self._start if self._start and self._start > 0 else self._store._revision + 1
        self._store._watches.add(self)
        self._started = True

    def _matches(self, key: str) -> bool:
        return key.startswith(self._key) if self._prefix else key == self._key

    async def next(self) -> Event:
        if not self._started:
            await self.start()
        store = self._store
        while True:
            if self._buffer:
                return self._buffer.popleft()
            if self._closed or store._closed:
                raise StopAsyncIteration
            if store._available:
                store.expire_leases()
            if self._scan < store._compacted:
                raise Compacted(self._scan, store._compacted)
            first = bisect.bisect_left(store._log_revs, self._scan)
            self._buffer.extend(e for e in store._log[first:] if self._matches(e.key))
            self._scan = store._revision + 1
            if self._buffer:
                continue
            self._wake.clear()
            timeout = store._poll_interval if store._leases else None
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout)

    async def aclose(self) -> None:
        self._closed = True
        self._store._watches.discard(self)
        self._wake.set()


def _conforms(store: MemoryStore) -> Store:
    return store  # mypy checks here that MemoryStore implements the Store protocol

"""LeaseKeeper: one lease, the keys attached to it, and the loop that keeps them alive.

A node agent keeps its membership key (and a controller its candidacy) with one::

    keeper = LeaseKeeper(store, ttl=10)
    async with keeper:                                   # grants, starts the keepalive loop
        await keeper.put(layout.member("node1"), b'{"addr": "10.0.0.1"}')
        won = await keeper.put(layout.leader(), b"node1", exclusive=True)
        ...                                              # on exit: stop, revoke the lease

Contract:

- ``put`` writes the key now with the current lease and remembers it. The keepalive loop
  renews the lease every ``interval`` seconds (default TTL/3) with ``store.keepalive``,
  which on etcd goes over the store's one long-lived keepalive stream.
- When the lease is found gone (keepalive answered TTL 0 -> LeaseExpired, e.g. after the
  node was cut off longer than the TTL), a new lease is granted and every remembered key is
  written again with it; ``regrants`` counts this and ``on_regrant`` is awaited.
- An ``exclusive`` key (the leader key) is only (re)written if absent, by a transaction;
  if someone else holds it, it is forgotten and ``on_lost(key)`` is awaited: the caller
  must stop acting as its owner at once.
- While the store is unreachable the loop keeps trying each interval; it never raises.
  ``last_renewed`` (monotonic time) tells how fresh the lease is.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from types import TracebackType

from buttress.store.base import Compare, Get, Lease, Put, RangeResult, Store, as_bytes
from buttress.store.errors import LeaseExpired, StoreError, StoreUnavailable

log = logging.getLogger(__name__)


class LeaseKeeper:
    """Owns a lease and a set of keys attached to it; see the module docstring."""

    def __init__(
        self,
        store: Store,
        ttl: int,
        *,
        interval: float | None = None,
        on_regrant: Callable[[Lease], Awaitable[None]] | None = None,
        on_lost: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.store = store
        self.ttl = ttl
        self.interval = interval if interval is not None else max(ttl / 3, 0.1)
        self.on_regrant = on_regrant
        self.on_lost = on_lost
        self.lease: Lease | None = None
        self.regrants = 0
        self.last_renewed = 0.0
        self._keys: dict[str, tuple[bytes, bool]] = {}
        self._needs_rewrite = False
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None

    @property
    def keys(self) -> dict[str, bytes]:
        """The keys this keeper holds, with their values."""
        return {key: value for key, (value, _) in self._keys.items()}

    async def start(self) -> Lease:
        """Grant the lease and start the keepalive loop. Raises StoreUnavailable."""
        async with self._lock:
            if self.lease is None:
                self.lease = await self.store.grant(self.ttl)
                self.last_renewed = time.monotonic()
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._loop())
        return self.lease

    async def put(self, key: str, value: bytes | str, *, exclusive: bool = False) -> bool:
        """Attach ``key`` to the lease with ``value``; False if exclusive and taken."""
        raw = as_bytes(value)
        async with self._lock:
            if self.lease is None:
                raise StoreError("LeaseKeeper.put before start")
            try:
                written = await self._write(key, raw, exclusive, self.lease.id)
            except LeaseExpired:
                await self._regrant_locked()
                written = await self._write(key, raw, exclusive, self._lease_id())
            if written:
                self._keys[key] = (raw, exclusive)
            return written

    async def remove(self, key: str) -> None:
        """Forget ``key`` and delete it."""
        async with self._lock:
            if self._keys.pop(key, None) is not None:
                await self.store.delete(key)

    async def stop(self, *, revoke: bool = True) -> None:
        """Stop the loop; with ``revoke`` the lease and all its keys go at once."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        if revoke and self.lease is not None:
            with contextlib.suppress(StoreError):
                await self.store.revoke(self.lease.id)
            self.lease = None

    async def __aenter__(self) -> LeaseKeeper:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # -- internals -----------------------------------------------------------------------

    def _lease_id(self) -> int:
        assert self.lease is not None
        return self.lease.id

    async def _write(self, key: str, value: bytes, exclusive: bool, lease_id: int) -> bool:
        if not exclusive:
            await self.store.put(key, value, lease=lease_id)
            return True
        result = await self.store.txn([Compare.absent(key)], [Put(key, value, lease_id)],
                                      [Get(key)])
        if result.succeeded:
            return True
        held = result.results[0]
        # Already ours (written by an earlier, partly failed rewrite with this lease)?
        return isinstance(held, RangeResult) and any(kv.lease == lease_id for kv in held.kvs)

    async def _loop(self) -> None:
        while True:
            await asyncio.sleep(self.interval)
            try:
                async with self._lock:
                    if self.lease is None:
                        await self._regrant_locked()
                        continue
                    if self._needs_rewrite:
                        await self._rewrite_locked(self.lease)
                        continue
                    try:
                        await self.store.keepalive(self.lease.id)
                        self.last_renewed = time.monotonic()
                    except LeaseExpired:
                        log.warning("lease %x expired; granting a new one", self.lease.id)
                        await self._regrant_locked()
            except StoreUnavailable as error:
                log.warning("lease keepalive failed: %s", error)
            except StoreError as error:
                log.error("lease keepalive failed: %s", error)

    async def _regrant_locked(self) -> None:
        """Grant a new lease and rewrite every key with it. Caller holds the lock."""
        self.lease = None
        lease = await self.store.grant(self.ttl)
        self.lease = lease
        self.last_renewed = time.monotonic()
        self.regrants += 1
        self._needs_rewrite = True
        await self._rewrite_locked(lease)

    async def _rewrite_locked(self, lease: Lease) -> None:
        """Write every remembered key with ``lease`` (again after a partial failure)."""
        lost: list[str] = []
        for key, (value, exclusive) in list(self._keys.items()):
            if not await self._write(key, value, exclusive, lease.id):
                del self._keys[key]
                lost.append(key)
        self._needs_rewrite = False
        if self.on_regrant is not None:
            await self.on_regrant(lease)
        for key in lost:
            log.warning("key %s was taken by another holder while our lease was gone", key)
            if self.on_lost is not None:
                await self.on_lost(key)

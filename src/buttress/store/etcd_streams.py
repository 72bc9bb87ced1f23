"""The two long-lived gRPC streams of the etcd backend: lease keepalive and watch.

KeepAliveStream: one bidirectional ``LeaseKeepAlive`` stream per store client, shared by
every lease it keeps alive. A keepalive writes the lease id and waits (bounded by the
store's timeout) for the answer carrying that id; etcd answers TTL 0 for a lease that no
longer exists, which becomes :class:`LeaseExpired`. When the stream breaks, waiting callers
get StoreUnavailable and the next keepalive opens a new stream.

EtcdWatch: one ``Watch`` stream per watch. It remembers the revision after the last event
it delivered (or after the last progress notification); when the stream is lost it opens
a new one from that revision, so no event is lost or repeated. Reconnection retries with
backoff for the store's ``watch_retry`` seconds, then raises StoreUnavailable. A start or
resume revision below etcd's compaction point raises :class:`Compacted`.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import time
from typing import TYPE_CHECKING, Any

from aetcd import rpc  # type: ignore[import-untyped]
from grpc import aio

from buttress.store.base import Event, EventType, Watch
from buttress.store.errors import Compacted, LeaseExpired, StoreError, StoreUnavailable

if TYPE_CHECKING:
    from buttress.store.etcd import EtcdStore

__all__ = ["EtcdWatch", "KeepAliveStream", "rpc"]


class KeepAliveStream:
    """The store client's single LeaseKeepAlive stream, multiplexed by lease id."""

    def __init__(self, store: EtcdStore) -> None:
        self._store = store
        self._call: Any = None
        self._reader: asyncio.Task[None] | None = None
        self._pending: dict[int, collections.deque[asyncio.Future[int]]] = {}
        self._lock = asyncio.Lock()

    async def keepalive(self, lease_id: int) -> int:
        """Renew ``lease_id`` once; returns its TTL. LeaseExpired / StoreUnavailable."""
        future: asyncio.Future[int] = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(self._store.timeout):
                async with self._lock:
                    call = self._open()
                    pending = self._pending
                    pending.setdefault(lease_id, collections.deque()).append(future)
                    try:
                        await call.write(rpc.LeaseKeepAliveRequest(ID=lease_id))
                    except (aio.AioRpcError, asyncio.InvalidStateError):
                        self._reset(call)
                        raise self._store.unavailable("keepalive stream broken") from None
                ttl = await future
        except TimeoutError:
            self._reset(self._call)
            raise self._store.unavailable() from None
        finally:
            for queue in self._pending.values():
                if future in queue:
                    queue.remove(future)
        if ttl <= 0:
            raise LeaseExpired(lease_id)
        return ttl

    def _open(self) -> Any:
        if self._call is None:
            self._call = self._store.lease_stub().LeaseKeepAlive(wait_for_ready=True)
            self._pending = {}
            self._reader = asyncio.get_running_loop().create_task(
                self._read(self._call, self._pending))
        return self._call

    async def _read(
        self, call: Any, pending: dict[int, collections.deque[asyncio.Future[int]]]
    ) -> None:
        error: StoreError = self._store.unavailable("keepalive stream closed")
        try:
            while True:
                resp = await call.read()
                if resp is aio.EOF:
                    break
                queue = pending.get(int(resp.ID))
                while queue:
                    future = queue.popleft()
                    if not future.done():
                        future.set_result(int(resp.TTL))
                        break
        except aio.AioRpcError as rpc_error:
            error = self._store.translate(rpc_error)
        except asyncio.CancelledError:
            pass
        finally:
            if self._call is call:
                self._call = None
            for queue in pending.values():
                for future in queue:
                    if not future.done():
                        future.set_exception(error)
            pending.clear()

    def _reset(self, call: Any) -> None:
        if call is not None:
            call.cancel()
        if self._call is call:
            self._call = None

    async def close(self) -> None:
        """Cancel the stream and its reader."""
        self._reset(self._call)
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
            self._reader = None


def to_event(event: Any) -> Event:
    """A protobuf mvccpb.Event as a frozen Event."""
    kv = event.kv
    key = kv.key.decode("utf-8")
    if event.type == 1:  # DELETE
        return Event(EventType.DELETE, key, b"", kv.mod_revision)
    return Event(EventType.PUT, key, bytes(kv.value), kv.mod_revision, kv.create_revision,
                 kv.version, kv.lease)


class EtcdWatch(Watch):
    """A watch on one etcd Watch stream, resumed from ``next_revision`` when lost."""

    def __init__(self, store: EtcdStore, range_request: Any, start: int | None) -> None:
        self._store = store
        self._range = range_request
        self._start = start if start and start > 0 else None
        self._next = self._start or 0
        self._call: Any = None
        self._buffer: collections.deque[Event] = collections.deque()
        self._started = False
        self._closed = False
        #: How many times the stream was re-established (for tests and logs).
        self.reconnects = 0

    @property
    def next_revision(self) -> int:
        return self._buffer[0].mod_revision if self._buffer else self._next

    async def start(self) -> None:
        if self._started:
            return
        self._call = await self._open(self._start)
        self._started = True

    async def _open(self, start: int | None) -> Any:
        """Open a stream and create the watch on it; returns the call once created."""
        create = rpc.WatchCreateRequest(
            key=self._range.key, range_end=self._range.range_end, progress_notify=True,
            start_revision=start or 0)
        call = self._store.watch_stub().Watch(wait_for_ready=True)
        try:
            async with asyncio.timeout(self._store.timeout):
                await call.write(rpc.WatchRequest(create_request=create))
                resp = await call.read()
        except TimeoutError:
            call.cancel()
            raise self._store.unavailable() from None
        except aio.AioRpcError as error:
            call.cancel()
            raise self._store.translate(error) from None
        if resp is aio.EOF:
            call.cancel()
            raise self._store.unavailable("watch stream closed")
        if resp.compact_revision:
            call.cancel()
            raise Compacted(start or 0, int(resp.compact_revision))
        if resp.canceled or not resp.created:
            call.cancel()
            raise StoreError(f"etcd refused the watch: {resp.cancel_reason or 'not created'}")
        if start is None:
            self._next = int(resp.header.revision) + 1
        return call

    async def _reconnect(self) -> None:
        deadline = time.monotonic() + self._store.watch_retry
        delay = 0.1
        while True:
            try:
                self._call = await self._open(self._next)
                self.reconnects += 1
                return
            except StoreUnavailable:
                if time.monotonic() + delay > deadline:
                    raise
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)
            if self._closed:
                return

    async def next(self) -> Event:
        if not self._started:
            await self.start()
        while True:
            if self._buffer:
                return self._buffer.popleft()
            if self._closed:
                raise StopAsyncIteration
            if self._call is None:
                await self._reconnect()
                continue
            try:
                resp = await self._call.read()
            except aio.AioRpcError:
                resp = aio.EOF
            except asyncio.CancelledError:
                if self._closed:
                    raise StopAsyncIteration from None
                raise
            if self._closed:
                raise StopAsyncIteration
            if resp is aio.EOF:
                self._drop()
                continue
            if resp.compact_revision:
                self._drop()
                raise Compacted(self._next, int(resp.compact_revision))
            if resp.canceled:
                self._drop()
                continue
            if resp.events:
                self._buffer.extend(to_event(e) for e in resp.events)
                self._next = max(self._next, self._buffer[-1].mod_revision + 1)
            elif not resp.created and resp.header.revision:
                # Progress notification: everything up to this revision was sent.
                self._next = max(self._next, int(resp.header.revision) + 1)

    def _drop(self) -> None:
        if self._call is not None:
            self._call.cancel()
        self._call = None

    async def aclose(self) -> None:
        self._closed = True
        self._drop()
        self._store.forget_watch(self)

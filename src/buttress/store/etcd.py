"""The Store on a real etcd (3.4 or later), over etcd's v3 gRPC API.

Transport: ``grpcio``'s asyncio channel with the etcd v3 protobuf stubs shipped by the
``aetcd`` package (``aetcd.rpc``). aetcd's own high-level client is not used: its lease
refresh opens a new stream per keepalive and its watcher does not resume after a lost
stream, which are the two things this backend must do. So this module speaks the raw
``KV``/``Lease``/``Watch`` services itself:

- unary calls carry ``timeout`` and ``wait_for_ready``: a short etcd blip (restart) is
  ridden over, a dead etcd yields :class:`StoreUnavailable` within ``timeout`` seconds
  with a one-line message; no gRPC exception ever leaves this package;
- one long-lived ``LeaseKeepAlive`` stream per store client, shared by all its leases
  (see :mod:`buttress.store.etcd_streams`), re-opened when it breaks;
- one ``Watch`` stream per watch, re-established from the last delivered revision + 1.

A request that timed out after being sent has an unknown outcome (as with any remote
store): callers re-read, which the level-triggered controller does anyway.

Usage::

    store = EtcdStore("127.0.0.1:2379", timeout=3)
    rev = await store.put("/buttress/c1/config/cib", cib_xml)
    await store.close()
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Sequence
from typing import Any, TypeVar

import grpc
from grpc import aio

from buttress.store import etcd_streams
from buttress.store.base import (
    Compare,
    CompareTarget,
    Delete,
    DeleteResult,
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
    prefix_end,
)
from buttress.store.errors import Compacted, LeaseExpired, StoreError, StoreUnavailable
from buttress.store.etcd_streams import rpc

T = TypeVar("T")

_COMPARE_RESULT = {"==": 0, ">": 1, "<": 2, "!=": 3}
_COMPARE_TARGET = {
    CompareTarget.VERSION: (0, "version"),
    CompareTarget.CREATE_REVISION: (1, "create_revision"),
    CompareTarget.MOD_REVISION: (2, "mod_revision"),
    CompareTarget.VALUE: (3, "value"),
}

#: Channel options: reconnect quickly after an etcd restart, detect dead peers by pings.
CHANNEL_OPTIONS: tuple[tuple[str, int], ...] = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    ("grpc.keepalive_permit_without_calls", 1),
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
)


def grpc_target(endpoints: str | Sequence[str]) -> tuple[str, str]:
    """The gRPC target and a display name for ``host:port`` endpoints (``http://`` allowed).

    Several endpoints must be IPv4 addresses; they become one ``ipv4:`` target.
    """
    items = [endpoints] if isinstance(endpoints, str) else list(endpoints)
    cleaned = [e.split("://", 1)[-1].rstrip("/") for e in items]
    cleaned = [c for part in cleaned for c in part.split(",") if c]
    if not cleaned:
        raise StoreError("no etcd endpoint given")
    display = ",".join(cleaned)
    if len(cleaned) == 1:
        return cleaned[0], display
    return "ipv4:" + ",".join(cleaned), display


def to_kv(kv: Any) -> KeyValue:
    """A protobuf mvccpb.KeyValue as a frozen KeyValue."""
    return KeyValue(kv.key.decode("utf-8"), bytes(kv.value), kv.create_revision,
                    kv.mod_revision, kv.version, kv.lease)


class EtcdStore:
    """The Store protocol on etcd. Create it anywhere; the channel opens on first use.

    ``timeout`` bounds every request (and the wait for a connection before it);
    ``watch_retry`` bounds how long a watch keeps re-connecting before it raises
    StoreUnavailable. A store belongs to the event loop it was first used in.
    """

    def __init__(
        self,
        endpoints: str | Sequence[str] = "127.0.0.1:2379",
        *,
        timeout: float = 5.0,
        watch_retry: float = 60.0,
    ) -> None:
        self._target, self.endpoint = grpc_target(endpoints)
        self.timeout = timeout
        self.watch_retry = watch_retry
        self._channel: aio.Channel | None = None
        self._kv: Any = None
        self._lease: Any = None
        self._watch_stub: Any = None
        self._keepalive: etcd_streams.KeepAliveStream | None = None
        self._watches: set[etcd_streams.EtcdWatch] = set()
        self._closed = False

    # -- plumbing ------------------------------------------------------------------------

    def _ensure(self) -> None:
        if self._closed:
            raise StoreError("the store is closed")
        if self._channel is None:
            self._channel = aio.insecure_channel(self._target, options=CHANNEL_OPTIONS)
            self._kv = rpc.KVStub(self._channel)
            self._lease = rpc.LeaseStub(self._channel)
            self._watch_stub = rpc.WatchStub(self._channel)
            self._keepalive = etcd_streams.KeepAliveStream(self)

    def watch_stub(self) -> Any:
        """The Watch service stub (for etcd_streams)."""
        self._ensure()
        return self._watch_stub

    def lease_stub(self) -> Any:
        """The Lease service stub (for etcd_streams)."""
        self._ensure()
        return self._lease

    def translate(self, error: grpc.RpcError, lease_id: int = 0) -> StoreError:
        """One StoreError for one gRPC failure, with a one-line message."""
        code = error.code() if isinstance(error, aio.AioRpcError) else None
        details = (error.details() if isinstance(error, aio.AioRpcError) else "") or str(code)
        if code in (grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED,
                    grpc.StatusCode.CANCELLED):
            return self.unavailable(details if code is grpc.StatusCode.UNAVAILABLE else "")
        if "lease not found" in details:
            return LeaseExpired(lease_id)
        if "compacted" in details:
            return Compacted(0, 0)
        return StoreError(f"etcd at {self.endpoint} refused the request: {details}")

    def unavailable(self, cause: str = "") -> StoreUnavailable:
        """The StoreUnavailable this store raises, naming the endpoint and the cause."""
        if not cause:
            state = self._channel.get_state() if self._channel is not None else None
            cause = f"no answer within {self.timeout:g}s"
            if state is grpc.ChannelConnectivity.TRANSIENT_FAILURE:
                cause += " (cannot connect)"
        elif "refused" in cause.lower():
            cause = "connection refused"
        elif "failed to connect" in cause.lower():
            cause = "cannot connect"
        return StoreUnavailable(f"etcd at {self.endpoint} is unreachable: {cause}")

    async def _call(self, request: Awaitable[T], lease_id: int = 0) -> T:
        try:
            return await request
        except aio.AioRpcError as error:
            raise self.translate(error, lease_id) from None

    def _opts(self) -> dict[str, Any]:
        return {"timeout": self.timeout, "wait_for_ready": True}

    # -- the Store protocol --------------------------------------------------------------

    async def get(self, key: str) -> KeyValue | None:
        self._ensure()
        resp = await self._call(self._kv.Range(rpc.RangeRequest(key=key.encode()),
                                               **self._opts()))
        return to_kv(resp.kvs[0]) if resp.kvs else None

    async def range(self, prefix: str, *, limit: int = 0) -> RangeResult:
        self._ensure()
        request = _range_request(prefix, True, limit)
        resp = await self._call(self._kv.Range(request, **self._opts()))
        return RangeResult(tuple(to_kv(kv) for kv in resp.kvs), resp.header.revision)

    async def put(self, key: str, value: bytes | str, *, lease: int = 0) -> int:
        self._ensure()
        request = rpc.PutRequest(key=key.encode(), value=as_bytes(value), lease=lease)
        resp = await self._call(self._kv.Put(request, **self._opts()), lease)
        return int(resp.header.revision)

    async def delete(self, key: str) -> bool:
        self._ensure()
        request = rpc.DeleteRangeRequest(key=key.encode())
        resp = await self._call(self._kv.DeleteRange(request, **self._opts()))
        return bool(resp.deleted)

    async def delete_prefix(self, prefix: str) -> int:
        self._ensure()
        start = prefix.encode() or b"\0"
        request = rpc.DeleteRangeRequest(key=start, range_end=prefix_end(prefix.encode()))
        resp = await self._call(self._kv.DeleteRange(request, **self._opts()))
        return int(resp.deleted)

    async def txn(
        self, compare: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        self._ensure()
        request = rpc.TxnRequest(
            compare=[_compare(c) for c in compare],
            success=[_request_op(op) for op in success],
            failure=[_request_op(op) for op in failure],
        )
        leases = [op.lease for op in (*success, *failure) if isinstance(op, Put) and op.lease]
        resp = await self._call(self._kv.Txn(request, **self._opts()),
                                leases[0] if leases else 0)
        revision = int(resp.header.revision)
        results: list[OpResult] = []
        for item in resp.responses:
            kind = item.WhichOneof("response")
            if kind == "response_range":
                kvs = tuple(to_kv(kv) for kv in item.response_range.kvs)
                results.append(RangeResult(kvs, revision))
            elif kind == "response_put":
                results.append(PutResult(revision))
            else:
                results.append(DeleteResult(int(item.response_delete_range.deleted)))
        return TxnResult(bool(resp.succeeded), tuple(results), revision)

    async def grant(self, ttl: int) -> Lease:
        self._ensure()
        resp = await self._call(self._lease.LeaseGrant(rpc.LeaseGrantRequest(TTL=ttl),
                                                       **self._opts()))
        if resp.error:
            raise StoreError(f"etcd at {self.endpoint} refused the lease: {resp.error}")
        return Lease(int(resp.ID), int(resp.TTL))

    async def keepalive(self, lease_id: int) -> int:
        self._ensure()
        assert self._keepalive is not None
        return await self._keepalive.keepalive(lease_id)

    async def revoke(self, lease_id: int) -> None:
        self._ensure()
        with contextlib.suppress(LeaseExpired):
            await self._call(self._lease.LeaseRevoke(rpc.LeaseRevokeRequest(ID=lease_id),
                                                     **self._opts()), lease_id)

    def watch(
        self, key: str, *, prefix: bool = False, start_revision: int | None = None
    ) -> Watch:
        self._ensure()
        watch = etcd_streams.EtcdWatch(self, _range_request(key, prefix, 0), start_revision)
        self._watches.add(watch)
        return watch

    def forget_watch(self, watch: etcd_streams.EtcdWatch) -> None:
        """Called by a watch when it is closed."""
        self._watches.discard(watch)

    async def compact(self, revision: int) -> None:
        self._ensure()
        try:
            await self._call(self._kv.Compact(rpc.CompactionRequest(revision=revision),
                                              **self._opts()))
        except Compacted:
            raise Compacted(revision, revision) from None
        except StoreError as error:
            if "future revision" in str(error):
                raise StoreError(f"cannot compact to future revision {revision}") from None
            raise

    async def status(self) -> str:
        """The etcd server version (a cheap health probe); raises StoreUnavailable."""
        self._ensure()
        assert self._channel is not None
        stub = rpc.MaintenanceStub(self._channel)
        resp = await self._call(stub.Status(rpc.StatusRequest(), **self._opts()))
        return str(resp.version)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for watch in list(self._watches):
            await watch.aclose()
        if self._keepalive is not None:
            await self._keepalive.close()
        if self._channel is not None:
            await self._channel.close()
            self._channel = None


def _range_request(key: str, prefix: bool, limit: int) -> Any:
    raw = key.encode()
    if not prefix:
        return rpc.RangeRequest(key=raw, limit=limit)
    return rpc.RangeRequest(key=raw or b"\0", range_end=prefix_end(raw), limit=limit)


def _compare(c: Compare) -> Any:
    target, field = _COMPARE_TARGET[c.target]
    message = rpc.Compare(key=c.key.encode(), target=target, result=_COMPARE_RESULT[c.op])
    if isinstance(c.operand, bytes) != (c.target is CompareTarget.VALUE):
        raise StoreError(f"comparison of {c.target.value} with {c.operand!r}: wrong type")
    setattr(message, field, c.operand)
    return message


def _request_op(op: Op) -> Any:
    if isinstance(op, Put):
        return rpc.RequestOp(request_put=rpc.PutRequest(key=op.key.encode(), value=op.value,
                                                        lease=op.lease))
    if isinstance(op, Get):
        return rpc.RequestOp(request_range=_range_request(op.key, op.prefix, 0))
    assert isinstance(op, Delete)
    raw = op.key.encode()
    if op.prefix:
        request = rpc.DeleteRangeRequest(key=raw or b"\0", range_end=prefix_end(raw))
    else:
        request = rpc.DeleteRangeRequest(key=raw)
    return rpc.RequestOp(request_delete_range=request)


def _conforms(store: EtcdStore) -> Store:
    return store  # mypy checks here that EtcdStore implements the Store protocol

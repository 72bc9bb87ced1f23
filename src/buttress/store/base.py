"""The Store protocol: the contract every state backend (etcd, in-memory) keeps.

The data types are frozen dataclasses; keys are ``str`` (UTF-8 on the wire, ordered by
their UTF-8 bytes), values are ``bytes`` (a ``str`` given to ``put`` is UTF-8 encoded).
"""

from __future__ import annotations

import abc
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Protocol, TypeAlias

CompareOp: TypeAlias = Literal["==", "!=", "<", ">"]


class CompareTarget(enum.Enum):
    """Which field of a key a :class:`Compare` looks at."""

    VALUE = "value"
    VERSION = "version"
    CREATE_REVISION = "create_revision"
    MOD_REVISION = "mod_revision"


@dataclass(frozen=True)
class KeyValue:
    """One key as stored: its value and the revisions that wrote it.

    ``create_revision`` is the revision that created the key, ``mod_revision`` the one that
    last wrote it, ``version`` the number of puts since it was created (1 after creation),
    ``lease`` the lease it is attached to (0 for none).
    """

    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0

    @property
    def text(self) -> str:
        """The value decoded as UTF-8."""
        return self.value.decode("utf-8")


@dataclass(frozen=True)
class RangeResult:
    """Keys found (ordered by key) and the store revision at which they were read.

    Watching from ``revision + 1`` after a range misses no change and repeats none.
    """

    kvs: tuple[KeyValue, ...]
    revision: int


class EventType(enum.Enum):
    """Kind of change a watch reports."""

    PUT = "put"
    DELETE = "delete"


@dataclass(frozen=True)
class Event:
    """One change of one key. For a DELETE, ``value`` is empty and the counters are 0."""

    type: EventType
    key: str
    value: bytes
    mod_revision: int
    create_revision: int = 0
    version: int = 0
    lease: int = 0


@dataclass(frozen=True)
class Lease:
    """A granted lease: its id and the TTL in seconds the server granted (may be raised)."""

    id: int
    ttl: int


@dataclass(frozen=True)
class Compare:
    """A condition of a transaction: ``<target of key> <op> <operand>``.

    A missing key has version, create_revision and mod_revision 0, and any VALUE comparison
    on it is false (as in etcd). Build them with the class methods, e.g.
    ``Compare.version(key, "==", 0)`` (key absent) or ``Compare.mod_revision(key, "==", r)``.
    """

    key: str
    target: CompareTarget
    op: CompareOp
    operand: int | bytes

    @classmethod
    def value(cls, key: str, op: CompareOp, value: bytes | str) -> Compare:
        return cls(key, CompareTarget.VALUE, op, as_bytes(value))

    @classmethod
    def version(cls, key: str, op: CompareOp, version: int) -> Compare:
        return cls(key, CompareTarget.VERSION, op, version)

    @classmethod
    def create_revision(cls, key: str, op: CompareOp, revision: int) -> Compare:
        return cls(key, CompareTarget.CREATE_REVISION, op, revision)

    @classmethod
    def mod_revision(cls, key: str, op: CompareOp, revision: int) -> Compare:
        return cls(key, CompareTarget.MOD_REVISION, op, revision)

    @classmethod
    def absent(cls, key: str) -> Compare:
        """True when ``key`` does not exist."""
        return cls(key, CompareTarget.VERSION, "==", 0)


@dataclass(frozen=True)
class Put:
    """Transaction operation: write ``value`` at ``key``, attached to ``lease`` if not 0."""

    key: str
    value: bytes
    lease: int = 0

    @classmethod
    def of(cls, key: str, value: bytes | str, lease: int = 0) -> Put:
        return cls(key, as_bytes(value), lease)


@dataclass(frozen=True)
class Get:
    """Transaction operation: read ``key`` (or every key under it when ``prefix``)."""

    key: str
    prefix: bool = False


@dataclass(frozen=True)
class Delete:
    """Transaction operation: delete ``key`` (or every key under it when ``prefix``)."""

    key: str
    prefix: bool = False


Op: TypeAlias = Put | Get | Delete


@dataclass(frozen=True)
class PutResult:
    """Result of a :class:`Put` in a transaction: the revision it was written at."""

    revision: int


@dataclass(frozen=True)
class DeleteResult:
    """Result of a :class:`Delete` in a transaction: how many keys went away."""

    deleted: int


OpResult: TypeAlias = RangeResult | PutResult | DeleteResult


@dataclass(frozen=True)
class TxnResult:
    """Outcome of a transaction.

    ``succeeded`` says whether every comparison held (so the success branch ran);
    ``results`` has one entry per operation of the branch that ran, in order;
    ``revision`` is the store revision after the transaction.
    """

    succeeded: bool
    results: tuple[OpResult, ...]
    revision: int


def as_bytes(value: bytes | str) -> bytes:
    """Values are bytes; text is UTF-8 encoded."""
    return value.encode("utf-8") if isinstance(value, str) else bytes(value)


def prefix_end(prefix: bytes) -> bytes:
    """The smallest key greater than every key starting with ``prefix`` (etcd range_end).

    For an empty prefix (or all 0xff bytes) it is ``b"\\0"``, etcd's "to the end".
    """
    stripped = prefix.rstrip(b"\xff")
    if not stripped:
        return b"\0"
    return stripped[:-1] + bytes([stripped[-1] + 1])


class Watch(abc.ABC):
    """An open watch: an async iterator of :class:`Event`, in revision order.

    Use it as an async context manager, which establishes the watch before the body runs::

        async with store.watch(prefix, prefix=True, start_revision=rev + 1) as events:
            async for event in events:
                ...

    Guarantees: every change of a watched key with revision >= the start revision is
    yielded exactly once, in order, including across a lost connection (the backend resumes
    from the last delivered revision + 1). If the start revision (or the resume point) has
    been compacted, iteration raises :class:`~buttress.store.errors.Compacted`; the caller
    re-lists with ``range`` and watches again from that revision + 1. If the backend stays
    unreachable past its retry budget, iteration raises ``StoreUnavailable``.
    After ``aclose`` iteration stops.
    """

    @abc.abstractmethod
    async def start(self) -> None:
        """Establish the watch; changes after this point (or after start_revision) count."""

    @abc.abstractmethod
    async def next(self) -> Event:
        """The next event; raises StopAsyncIteration once closed."""

    @abc.abstractmethod
    async def aclose(self) -> None:
        """Stop watching and release the stream. Idempotent."""

    @property
    @abc.abstractmethod
    def next_revision(self) -> int:
        """Every change below this revision has been delivered to the caller.

        (Events received but not yet delivered are kept across a reconnection, so the
        backend resumes its stream from after them.)
        """

    def __aiter__(self) -> Watch:
        return self

    async def __anext__(self) -> Event:
        return await self.next()

    async def __aenter__(self) -> Watch:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()


class Store(Protocol):
    """The state store of a Buttress cluster (etcd in production, memory in unit tests).

    Contract shared by every backend:

    - One global, strictly increasing revision. Every successful write (put, delete that
      removed something, transaction with at least one change, lease expiry/revoke that
      removed keys) advances it by exactly one; every key written by that operation gets
      it as ``mod_revision``. Reads never advance it.
    - ``get``/``range`` return a consistent view plus the revision it was read at.
    - ``txn`` is atomic: all comparisons are evaluated and the chosen branch applied with
      no other write in between. A transaction may not write the same key twice.
    - Leases: ``grant(ttl)`` returns a lease; keys put with it are deleted when it expires
      (no keepalive within its TTL) or is revoked. ``keepalive`` renews it and returns the
      TTL; on an expired/unknown lease it raises ``LeaseExpired`` (etcd's "TTL 0"), as does
      a put with such a lease. ``revoke`` of an unknown lease is a no-op.
    - Watches: see :class:`Watch`; a watch may start from any revision not yet compacted.
    - Unreachable backend: every call raises ``StoreUnavailable`` within the backend's
      request timeout, with a one-line message. Nothing else leaks out (no gRPC errors).
    """

    async def get(self, key: str) -> KeyValue | None:
        """The key, or None when it does not exist."""
        ...

    async def range(self, prefix: str, *, limit: int = 0) -> RangeResult:
        """Every key starting with ``prefix`` ("" = all), ordered by key; ``limit`` 0 = all."""
        ...

    async def put(self, key: str, value: bytes | str, *, lease: int = 0) -> int:
        """Write ``key``; returns the revision of the write."""
        ...

    async def delete(self, key: str) -> bool:
        """Delete ``key``; returns whether it existed."""
        ...

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every key starting with ``prefix`` in one revision; returns how many."""
        ...

    async def txn(
        self, compare: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        """If every comparison holds run ``success``, else ``failure``; atomically."""
        ...

    async def grant(self, ttl: int) -> Lease:
        """Grant a lease of ``ttl`` seconds (the server may raise it to its minimum)."""
        ...

    async def keepalive(self, lease_id: int) -> int:
        """Renew the lease; returns its TTL. Raises LeaseExpired when it is gone."""
        ...

    async def revoke(self, lease_id: int) -> None:
        """Revoke the lease now, deleting its keys. No-op if it is already gone."""
        ...

    def watch(
        self, key: str, *, prefix: bool = False, start_revision: int | None = None
    ) -> Watch:
        """A watch of ``key`` (or every key under it when ``prefix``), not yet started.

        Without ``start_revision`` it reports changes made after it is started.
        """
        ...

    async def compact(self, revision: int) -> None:
        """Forget history older than ``revision`` (watches before it raise Compacted)."""
        ...

    async def close(self) -> None:
        """Release connections and streams; open watches end. Idempotent."""
        ...

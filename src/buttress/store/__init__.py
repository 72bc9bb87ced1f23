"""The state layer: the Store protocol and its backends (etcd, in-memory).

Public API (import from here)::

    from buttress.store import (EtcdStore, MemoryStore, Store, KeyLayout, LeaseKeeper,
                                Compare, Put, Get, Delete, StoreUnavailable, ...)

``EtcdStore`` and ``EtcdServer`` import gRPC, so they are loaded lazily on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

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
)
from buttress.store.errors import (
    Compacted,
    InvalidKey,
    LeaseExpired,
    StoreError,
    StoreUnavailable,
)
from buttress.store.keys import KeyLayout
from buttress.store.lease_keeper import LeaseKeeper
from buttress.store.memory import MemoryStore

if TYPE_CHECKING:
    from buttress.store.etcd import EtcdStore
    from buttress.store.etcd_server import EtcdServer

__all__ = [
    "Compacted",
    "Compare",
    "CompareTarget",
    "Delete",
    "DeleteResult",
    "EtcdServer",
    "EtcdStore",
    "Event",
    "EventType",
    "Get",
    "InvalidKey",
    "KeyLayout",
    "KeyValue",
    "Lease",
    "LeaseExpired",
    "LeaseKeeper",
    "MemoryStore",
    "Op",
    "OpResult",
    "Put",
    "PutResult",
    "RangeResult",
    "Store",
    "StoreError",
    "StoreUnavailable",
    "TxnResult",
    "Watch",
]


def __getattr__(name: str) -> Any:
    if name == "EtcdStore":
        from buttress.store.etcd import EtcdStore

        return EtcdStore
    if name == "EtcdServer":
        from buttress.store.etcd_server import EtcdServer

        return EtcdServer
    raise AttributeError(f"module 'buttress.store' has no attribute {name!r}")

"""Fault injection on a real etcd: restarts, crashes, unreachable endpoints.

This module restarts its own etcd, so it has its own server (the fixture is per module).
"""

from __future__ import annotations

import asyncio
import time

import pytest
from store_testlib import eventually, nothing_more, take

from buttress.store import EventType, LeaseKeeper, StoreUnavailable
from buttress.store.etcd import EtcdStore
from buttress.store.etcd_server import EtcdServer, free_port

pytestmark = pytest.mark.asyncio


async def test_watch_resumes_after_restart_without_losing_events(
        etcd_server: EtcdServer, ns: str) -> None:
    watcher = EtcdStore(etcd_server.endpoint, timeout=5, watch_retry=30)
    writer = EtcdStore(etcd_server.endpoint, timeout=10)
    try:
        async with watcher.watch(ns, prefix=True) as events:
            for i in range(3):
                await writer.put(f"{ns}before/{i}", str(i))
            before = await take(events, 3)
            assert [e.value for e in before] == [b"0", b"1", b"2"]

            await asyncio.to_thread(etcd_server.kill)  # crash, then come back
            await asyncio.to_thread(etcd_server.start)
            # Written while the watch's stream is being re-established.
            for i in range(20):
                await writer.put(f"{ns}after/{i:02}", str(i))
            await writer.delete(f"{ns}before/0")

            after = await take(events, 21, timeout=20)
            assert [e.key[len(ns):] for e in after[:20]] == [f"after/{i:02}" for i in range(20)]
            assert after[20].type is EventType.DELETE
            revisions = [e.mod_revision for e in before + after]
            assert revisions == sorted(set(revisions))  # in order, none repeated
            assert revisions[3:] == list(range(revisions[3], revisions[3] + 21))  # none lost
            assert getattr(events, "reconnects", 0) >= 1
            await nothing_more(events)
    finally:
        await watcher.close()
        await writer.close()


async def test_keepalive_stream_survives_restart(etcd_server: EtcdServer, ns: str) -> None:
    store = EtcdStore(etcd_server.endpoint, timeout=3)
    keeper = LeaseKeeper(store, ttl=3, interval=0.5)
    try:
        async with keeper:
            await keeper.put(ns + "member", "up")
            lease_id = keeper.lease.id if keeper.lease else 0
            await asyncio.to_thread(etcd_server.restart)
            await asyncio.sleep(4)  # longer than the TTL: only keepalives kept it
            kv = await store.get(ns + "member")
            assert kv is not None and kv.lease == lease_id
            assert keeper.regrants == 0
            assert time.monotonic() - keeper.last_renewed < 3
    finally:
        await store.close()


async def test_expired_lease_is_regranted_and_keys_rewritten(
        etcd_server: EtcdServer, ns: str) -> None:
    store = EtcdStore(etcd_server.endpoint, timeout=3)
    observer = EtcdStore(etcd_server.endpoint, timeout=3)
    regranted: list[int] = []

    async def on_regrant(lease: object) -> None:
        regranted.append(getattr(lease, "id", 0))

    # Keepalive every 3 s on a 1 s lease: the lease really expires before each keepalive,
    # which then gets etcd's TTL 0 answer.
    keeper = LeaseKeeper(store, ttl=1, interval=3, on_regrant=on_regrant)
    try:
        async with observer.watch(ns, prefix=True) as events:
            await keeper.start()
            first = keeper.lease
            assert first is not None
            await keeper.put(ns + "node", "n1")
            await keeper.put(ns + "attr", "a1")
            got = await take(events, 2)
            assert {e.key for e in got} == {ns + "node", ns + "attr"}
            expired = await take(events, 2, timeout=8)
            assert {(e.type, e.key) for e in expired} == {
                (EventType.DELETE, ns + "node"), (EventType.DELETE, ns + "attr")}
            rewritten = await take(events, 2, timeout=8)
            assert {(e.type, e.key) for e in rewritten} == {
                (EventType.PUT, ns + "node"), (EventType.PUT, ns + "attr")}

            async def called_back() -> bool:
                return bool(regranted)

            await eventually(called_back, timeout=2)
            assert keeper.regrants >= 1
            second = keeper.lease
            assert second is not None and second.id != first.id
            assert {e.lease for e in rewritten} == {second.id}
    finally:
        await keeper.stop()
        await store.close()
        await observer.close()


async def test_unreachable_etcd_raises_store_unavailable_quickly(ns: str) -> None:
    port = free_port()  # nothing listens there
    store = EtcdStore(f"127.0.0.1:{port}", timeout=1, watch_retry=1)
    try:
        for operation in (store.get(ns), store.put(ns + "x", "1"), store.grant(5),
                          store.keepalive(1234)):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable) as info:
                await operation
            assert time.monotonic() - started < 2.5
            message = str(info.value)
            assert message.startswith(f"etcd at 127.0.0.1:{port} is unreachable")
            assert "\n" not in message
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            async with store.watch(ns) as events:
                await events.next()
        assert time.monotonic() - started < 2.5
    finally:
        await store.close()


async def test_stopped_etcd_then_back(etcd_server: EtcdServer, ns: str) -> None:
    store = EtcdStore(etcd_server.endpoint, timeout=1)
    try:
        await store.put(ns + "k", "v")
        await asyncio.to_thread(etcd_server.stop)
        started = time.monotonic()
        with pytest.raises(StoreUnavailable, match="unreachable"):
            await store.get(ns + "k")
        assert time.monotonic() - started < 2.5
        await asyncio.to_thread(etcd_server.start)

        async def back() -> bool:
            try:
                kv = await store.get(ns + "k")
            except StoreUnavailable:
                return False
            return kv is not None and kv.value == b"v"

        await eventually(back, timeout=10)
    finally:
        await store.close()

"""The Store contract, run against every backend (memory and a real etcd)."""

from __future__ import annotations

import asyncio

import pytest
from store_testlib import eventually, nothing_more, take

from buttress.store import (
    Compacted,
    Compare,
    Delete,
    DeleteResult,
    EventType,
    Get,
    LeaseExpired,
    Put,
    PutResult,
    RangeResult,
    Store,
    StoreError,
)

pytestmark = pytest.mark.asyncio


async def revision(store: Store) -> int:
    return (await store.range("/no-such-prefix/")).revision


async def test_put_get_revisions(store: Store, ns: str) -> None:
    key = ns + "a"
    assert await store.get(key) is None
    rev1 = await store.put(key, "one")
    kv = await store.get(key)
    assert kv is not None
    assert (kv.value, kv.text, kv.create_revision, kv.mod_revision, kv.version, kv.lease) == (
        b"one", "one", rev1, rev1, 1, 0)
    rev2 = await store.put(key, b"two")
    assert rev2 == rev1 + 1
    kv = await store.get(key)
    assert kv is not None
    assert (kv.value, kv.create_revision, kv.mod_revision, kv.version) == (b"two", rev1, rev2, 2)
    assert await revision(store) == rev2  # reads do not advance the revision


async def test_range_by_prefix_is_ordered_and_bounded(store: Store, ns: str) -> None:
    for name in ["node10/x", "node1/b", "node1/a", "node2/a", "node1"]:
        await store.put(ns + name, name)
    result = await store.range(ns + "node1/")
    assert [kv.key for kv in result.kvs] == [ns + "node1/a", ns + "node1/b"]
    assert result.revision == await revision(store)
    everything = await store.range(ns)
    assert [kv.key[len(ns):] for kv in everything.kvs] == [
        "node1", "node1/a", "node1/b", "node10/x", "node2/a"]
    limited = await store.range(ns, limit=2)
    assert [kv.key[len(ns):] for kv in limited.kvs] == ["node1", "node1/a"]
    assert (await store.range(ns + "zzz")).kvs == ()


async def test_delete_and_delete_prefix(store: Store, ns: str) -> None:
    await store.put(ns + "k", "v")
    assert await store.delete(ns + "k") is True
    before = await revision(store)
    assert await store.delete(ns + "k") is False
    assert await revision(store) == before  # deleting nothing writes nothing
    for name in ["d/1", "d/2", "d/3", "e"]:
        await store.put(ns + name, "x")
    before = await revision(store)
    assert await store.delete_prefix(ns + "d/") == 3
    assert await revision(store) == before + 1  # one revision for the whole prefix
    assert [kv.key for kv in (await store.range(ns)).kvs] == [ns + "e"]
    assert await store.delete_prefix(ns + "d/") == 0


async def test_txn_compare_and_swap(store: Store, ns: str) -> None:
    key = ns + "cas"
    # create-if-absent
    created = await store.txn([Compare.absent(key)], [Put.of(key, "v1")], [Get(key)])
    assert created.succeeded
    assert created.results == (PutResult(created.revision),)
    again = await store.txn([Compare.absent(key)], [Put.of(key, "other")], [Get(key)])
    assert not again.succeeded
    assert isinstance(again.results[0], RangeResult)
    current = again.results[0].kvs[0]
    assert current.value == b"v1"
    assert again.revision == created.revision  # the failure branch only read

    # update guarded by mod_revision: the stale writer loses
    won = await store.txn([Compare.mod_revision(key, "==", current.mod_revision)],
                          [Put.of(key, "v2")])
    lost = await store.txn([Compare.mod_revision(key, "==", current.mod_revision)],
                           [Put.of(key, "v3")], [Get(key)])
    assert won.succeeded and not lost.succeeded
    latest = lost.results[0]
    assert isinstance(latest, RangeResult) and latest.kvs[0].value == b"v2"

    # value / version / create_revision comparisons and their operators
    kv = await store.get(key)
    assert kv is not None
    checks = [
        (Compare.value(key, "==", "v2"), True),
        (Compare.value(key, "!=", "v2"), False),
        (Compare.value(key, ">", "v1"), True),
        (Compare.version(key, "==", 2), True),
        (Compare.version(key, "<", 2), False),
        (Compare.create_revision(key, "==", kv.create_revision), True),
        (Compare.mod_revision(key, ">", kv.create_revision), True),
        (Compare.value(ns + "missing", "!=", "x"), False),  # value of a missing key: false
        (Compare.version(ns + "missing", "==", 0), True),
        (Compare.create_revision(ns + "missing", "==", 0), True),
    ]
    for compare, expected in checks:
        result = await store.txn([compare], [])
        assert result.succeeded is expected, compare


async def test_txn_is_one_revision_and_reads_its_own_writes(store: Store, ns: str) -> None:
    await store.put(ns + "old/1", "x")
    await store.put(ns + "old/2", "x")
    before = await revision(store)
    result = await store.txn(
        [], [Put.of(ns + "a", "1"), Put.of(ns + "b", "2"), Delete(ns + "old/", prefix=True),
             Get(ns, prefix=True)])
    assert result.succeeded
    assert result.revision == before + 1
    assert result.results[:3] == (PutResult(before + 1), PutResult(before + 1), DeleteResult(2))
    seen = result.results[3]
    assert isinstance(seen, RangeResult)
    assert [(kv.key, kv.mod_revision) for kv in seen.kvs] == [
        (ns + "a", before + 1), (ns + "b", before + 1)]
    reads_only = await store.txn([], [Get(ns + "a")])
    assert reads_only.revision == before + 1


async def test_txn_rejects_duplicate_keys(store: Store, ns: str) -> None:
    with pytest.raises(StoreError, match="duplicate key"):
        await store.txn([], [Put.of(ns + "a", "1"), Put.of(ns + "a", "2")])
    with pytest.raises(StoreError, match="duplicate key"):
        await store.txn([], [Put.of(ns + "d/a", "1"), Delete(ns + "d/", prefix=True)])
    assert await store.get(ns + "a") is None


async def test_concurrent_cas_increments_lose_nothing(store: Store, ns: str) -> None:
    key = ns + "counter"
    await store.put(key, "0")
    conflicts = 0

    async def increment(times: int) -> None:
        nonlocal conflicts
        for _ in range(times):
            while True:
                kv = await store.get(key)
                assert kv is not None
                await asyncio.sleep(0)  # let the other writers in between read and write
                result = await store.txn([Compare.mod_revision(key, "==", kv.mod_revision)],
                                         [Put.of(key, str(int(kv.text) + 1))])
                if result.succeeded:
                    break
                conflicts += 1

    await asyncio.gather(increment(15), increment(15), increment(15))
    kv = await store.get(key)
    assert kv is not None and kv.text == "45"
    assert kv.version == 46
    assert conflicts > 0  # the three writers did collide; CAS resolved every collision


async def test_lease_keys_go_with_the_lease(store: Store, ns: str) -> None:
    lease = await store.grant(30)
    assert lease.ttl >= 30
    await store.put(ns + "m/a", "up", lease=lease.id)
    await store.txn([], [Put.of(ns + "m/b", "up", lease=lease.id)])
    await store.put(ns + "keep", "x")
    kv = await store.get(ns + "m/a")
    assert kv is not None and kv.lease == lease.id
    assert await store.keepalive(lease.id) >= 30
    before = await revision(store)
    await store.revoke(lease.id)
    assert (await store.range(ns + "m/")).kvs == ()
    assert await store.get(ns + "keep") is not None
    assert await revision(store) == before + 1
    with pytest.raises(LeaseExpired):
        await store.keepalive(lease.id)
    with pytest.raises(LeaseExpired):
        await store.put(ns + "m/c", "late", lease=lease.id)
    await store.revoke(lease.id)  # already gone: no-op


async def test_lease_expires_without_keepalive(store: Store, ns: str) -> None:
    kept = await store.grant(1)
    dropped = await store.grant(1)
    await store.put(ns + "kept", "x", lease=kept.id)
    await store.put(ns + "dropped", "x", lease=dropped.id)

    async def gone() -> bool:
        await store.keepalive(kept.id)
        return await store.get(ns + "dropped") is None

    took = await eventually(gone, timeout=8, step=0.2)
    assert took >= 0.5
    assert await store.get(ns + "kept") is not None
    with pytest.raises(LeaseExpired):
        await store.keepalive(dropped.id)
    await store.revoke(kept.id)


async def test_watch_key_and_prefix(store: Store, ns: str) -> None:
    async with store.watch(ns + "w/", prefix=True) as events, \
            store.watch(ns + "w/a") as single:
        await store.put(ns + "w/a", "1")
        await store.put(ns + "other", "no")
        await store.put(ns + "w/b", "2")
        await store.delete(ns + "w/a")
        got = await take(events, 3)
        assert [(e.type, e.key[len(ns):], e.value) for e in got] == [
            (EventType.PUT, "w/a", b"1"), (EventType.PUT, "w/b", b"2"),
            (EventType.DELETE, "w/a", b"")]
        assert got[0].mod_revision < got[1].mod_revision < got[2].mod_revision
        assert (got[0].version, got[0].create_revision) == (1, got[0].mod_revision)
        assert events.next_revision == got[2].mod_revision + 1
        only_a = await take(single, 2)
        assert [e.type for e in only_a] == [EventType.PUT, EventType.DELETE]
        await nothing_more(single)


async def test_watch_from_revision_after_range_misses_nothing(store: Store, ns: str) -> None:
    await store.put(ns + "a", "1")
    listing = await store.range(ns)
    await store.put(ns + "b", "2")  # happens between the list and the watch
    await store.txn([], [Put.of(ns + "c", "3"), Put.of(ns + "d", "4")])
    async with store.watch(ns, prefix=True, start_revision=listing.revision + 1) as events:
        got = await take(events, 3)
        assert [e.key[len(ns):] for e in got] == ["b", "c", "d"]
        assert got[1].mod_revision == got[2].mod_revision  # one txn, one revision
        await nothing_more(events)


async def test_watch_replays_history(store: Store, ns: str) -> None:
    first = await store.put(ns + "h", "1")
    await store.put(ns + "h", "2")
    await store.delete(ns + "h")
    async with store.watch(ns + "h", start_revision=first) as events:
        got = await take(events, 3)
        assert [(e.type, e.value) for e in got] == [
            (EventType.PUT, b"1"), (EventType.PUT, b"2"), (EventType.DELETE, b"")]


async def test_watch_sees_lease_expiry(store: Store, ns: str) -> None:
    lease = await store.grant(1)
    await store.put(ns + "node", "alive", lease=lease.id)
    async with store.watch(ns + "node") as events:
        (event,) = await take(events, 1, timeout=8)
        assert event.type is EventType.DELETE


async def test_compacted_revision_raises(store: Store, ns: str) -> None:
    first = await store.put(ns + "c", "1")
    await store.put(ns + "c", "2")
    latest = await store.put(ns + "c", "3")
    await store.compact(latest)
    with pytest.raises(Compacted) as info:
        async with store.watch(ns + "c", start_revision=first) as events:
            await take(events, 1)
    assert info.value.compact_revision >= latest
    assert "re-list" in str(info.value)
    async with store.watch(ns + "c", start_revision=latest) as events:
        (event,) = await take(events, 1)
        assert event.value == b"3"
    with pytest.raises(StoreError):
        await store.compact(latest + 1000)  # future revision


async def test_closed_watch_ends_iteration(store: Store, ns: str) -> None:
    watch = store.watch(ns, prefix=True)
    await watch.start()

    async def drain() -> int:
        return len([event async for event in watch])

    task = asyncio.create_task(drain())
    await store.put(ns + "x", "1")
    await asyncio.sleep(0.2)
    await watch.aclose()
    assert await asyncio.wait_for(task, 5) == 1

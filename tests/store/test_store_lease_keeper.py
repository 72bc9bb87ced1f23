"""LeaseKeeper on both backends: keepalive, re-grant after loss, exclusive keys."""

from __future__ import annotations

import asyncio

import pytest
from store_testlib import eventually

from buttress.store import Lease, LeaseKeeper, Store, StoreError

pytestmark = pytest.mark.asyncio


async def test_keeps_keys_alive_and_revokes_on_exit(store: Store, ns: str) -> None:
    async with LeaseKeeper(store, ttl=1, interval=0.2) as keeper:
        assert await keeper.put(ns + "member", "up")
        lease = keeper.lease
        assert lease is not None
        await asyncio.sleep(2.5)  # > TTL: only the keeper's keepalives keep the key
        kv = await store.get(ns + "member")
        assert kv is not None and kv.lease == lease.id
        assert keeper.regrants == 0
        assert keeper.keys == {ns + "member": b"up"}
        await keeper.remove(ns + "member")
        assert await store.get(ns + "member") is None
        await keeper.put(ns + "member2", "up")
    assert await store.get(ns + "member2") is None  # revoked at exit


async def test_lost_lease_is_regranted_and_keys_rewritten(store: Store, ns: str) -> None:
    seen: list[Lease] = []

    async def on_regrant(lease: Lease) -> None:
        seen.append(lease)

    async with LeaseKeeper(store, ttl=5, interval=0.1, on_regrant=on_regrant) as keeper:
        await keeper.put(ns + "node", "n1")
        await keeper.put(ns + "attr/x", "1")
        old = keeper.lease
        assert old is not None
        await store.revoke(old.id)  # as if it expired: the next keepalive gets TTL 0
        assert await store.get(ns + "node") is None

        async def rewritten() -> bool:
            kvs = (await store.range(ns)).kvs
            return len(kvs) == 2 and bool(seen)

        await eventually(rewritten, timeout=5)
        new = keeper.lease
        assert new is not None and new.id != old.id and seen[-1] == new
        assert {kv.key: (kv.value, kv.lease) for kv in (await store.range(ns)).kvs} == {
            ns + "node": (b"n1", new.id), ns + "attr/x": (b"1", new.id)}


async def test_exclusive_key_lost_to_another_holder(store: Store, ns: str) -> None:
    lost: list[str] = []

    async def on_lost(key: str) -> None:
        lost.append(key)

    leader = ns + "leader"
    first = LeaseKeeper(store, ttl=5, interval=0.1, on_lost=on_lost)
    second = LeaseKeeper(store, ttl=5, interval=0.1)
    async with first, second:
        assert await first.put(leader, "ctl1", exclusive=True)
        assert not await second.put(leader, "ctl2", exclusive=True)  # held: refused
        assert first.lease is not None
        await store.revoke(first.lease.id)  # first is cut off; its leader key goes
        assert await second.put(leader, "ctl2", exclusive=True)

        async def noticed() -> bool:
            return lost == [leader]

        await eventually(noticed, timeout=5)
        kv = await store.get(leader)
        assert kv is not None and kv.value == b"ctl2"
        assert leader not in first.keys


async def test_put_before_start_is_an_error(store: Store, ns: str) -> None:
    keeper = LeaseKeeper(store, ttl=5)
    with pytest.raises(StoreError):
        await keeper.put(ns + "x", "1")

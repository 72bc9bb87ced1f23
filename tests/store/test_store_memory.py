"""What only the in-memory backend offers: an injected clock, simulated outages, and a
property test of its transaction and revision invariants against a plain model."""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from store_testlib import take

from buttress.store import (
    Compare,
    Delete,
    EventType,
    LeaseExpired,
    MemoryStore,
    Put,
    StoreUnavailable,
)


def test_leases_expire_on_the_injected_clock() -> None:
    async def scenario() -> None:
        now = [100.0]
        store = MemoryStore(clock=lambda: now[0])
        lease = await store.grant(10)
        await store.put("/n/a", "up", lease=lease.id)
        async with store.watch("/n/a") as events:
            now[0] += 9
            assert await store.keepalive(lease.id) == 10  # renewed until 119
            now[0] += 9.5
            assert await store.get("/n/a") is not None
            now[0] += 1
            assert store.expire_leases() == 1
            (event,) = await take(events, 1, timeout=1)
            assert event.type is EventType.DELETE
        with pytest.raises(LeaseExpired):
            await store.keepalive(lease.id)

    asyncio.run(scenario())


def test_simulated_outage() -> None:
    async def scenario() -> None:
        store = MemoryStore()
        await store.put("/a", "1")
        store.set_available(False)
        with pytest.raises(StoreUnavailable):
            await store.get("/a")
        store.set_available(True)
        kv = await store.get("/a")
        assert kv is not None and kv.value == b"1"

    asyncio.run(scenario())


KEYS = ["/k/a", "/k/b", "/k/c", "/j/a"]
key_st = st.sampled_from(KEYS)
write_st = st.one_of(
    st.builds(lambda k, v: ("put", k, v), key_st, st.binary(max_size=3)),
    st.builds(lambda k: ("delete", k), key_st),
    st.builds(lambda p: ("delete_prefix", p), st.sampled_from(["/k/", "/j/", "/"])),
    st.builds(lambda k, v, expect: ("cas", k, v, expect), key_st, st.binary(max_size=3),
              st.integers(0, 4)),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(write_st, max_size=25))
def test_revisions_and_txn_invariants(ops: list[tuple[object, ...]]) -> None:
    """After any sequence of writes, against a dict model:

    - the revision advances by exactly one per write that changed something, else stays;
    - every key's counters are consistent (create <= mod <= revision, version = puts since
      creation), and a CAS on version succeeds exactly when the model says so;
    - replaying a watch from revision 1 rebuilds exactly the final contents.
    """

    async def scenario() -> None:
        store = MemoryStore()
        model: dict[str, tuple[bytes, int]] = {}  # key -> (value, version)
        for op in ops:
            before = store.revision
            changed: bool
            if op[0] == "put":
                _, key, value = op
                assert isinstance(key, str) and isinstance(value, bytes)
                await store.put(key, value)
                model[key] = (value, model.get(key, (b"", 0))[1] + 1)
                changed = True
            elif op[0] == "delete":
                key = str(op[1])
                changed = await store.delete(key)
                assert changed == (model.pop(key, None) is not None)
            elif op[0] == "delete_prefix":
                prefix = str(op[1])
                gone = [k for k in model if k.startswith(prefix)]
                assert await store.delete_prefix(prefix) == len(gone)
                for k in gone:
                    del model[k]
                changed = bool(gone)
            else:
                _, key, value, expect = op
                assert isinstance(key, str) and isinstance(value, bytes)
                assert isinstance(expect, int)
                other = "/j/" if key.startswith("/k/") else "/k/"
                result = await store.txn([Compare.version(key, "==", expect)],
                                         [Put(key, value), Delete(other, prefix=True)])
                current = model.get(key, (b"", 0))[1]
                assert result.succeeded == (current == expect)
                changed = result.succeeded
                if changed:
                    model[key] = (value, current + 1)
                    for k in [k for k in model if k.startswith(other)]:
                        del model[k]
            assert store.revision == before + (1 if changed else 0)
            listing = await store.range("/")
            assert {kv.key: (kv.value, kv.version) for kv in listing.kvs} == model
            for kv in listing.kvs:
                assert kv.create_revision <= kv.mod_revision <= store.revision

        state: dict[str, bytes] = {}
        if store.revision > 1:
            async with store.watch("/", prefix=True, start_revision=1) as events:
                while events.next_revision <= store.revision:
                    event = await events.next()
                    if event.type is EventType.PUT:
                        state[event.key] = event.value
                    else:
                        state.pop(event.key, None)
        assert state == {k: v for k, (v, _) in model.items()}

    asyncio.run(scenario())

"""Follow a key prefix forever: list, then watch from the listed revision, re-list on trouble.

``follow(store, prefix, on_list, on_event)`` first calls ``on_list(kvs)`` with what is
there, then ``on_event(event)`` for every later change, in order. When the watch breaks
(etcd restarted past the backend's retry budget, history compacted) it waits a moment,
lists again (``on_list`` again: handlers must be idempotent, which level-triggered ones
are) and watches from there. It returns only when cancelled.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from buttress.store import Event, KeyValue, Store, StoreError

log = logging.getLogger("buttress.watch")

OnList = Callable[[tuple[KeyValue, ...]], Awaitable[None]]
OnEvent = Callable[[Event], Awaitable[None]]


async def follow(store: Store, prefix: str, on_list: OnList, on_event: OnEvent, *,
                 retry_s: float = 0.3) -> None:
    """See the module docstring."""
    while True:
        try:
            listed = await store.range(prefix)
            await on_list(listed.kvs)
            async with store.watch(prefix, prefix=True,
                                   start_revision=listed.revision + 1) as events:
                async for event in events:
                    await on_event(event)
        except StoreError as error:
            log.debug("watch of %s interrupted: %s", prefix, error)
        await asyncio.sleep(retry_s)

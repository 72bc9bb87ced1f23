"""Helpers shared by the store tests (imported as a plain module: tests/store is on sys.path)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from buttress.store import Event, Watch


async def take(watch: Watch, count: int, timeout: float = 10.0) -> list[Event]:
    """The next ``count`` events of ``watch``; fails the test if they do not come in time."""
    events: list[Event] = []
    async with asyncio.timeout(timeout):
        while len(events) < count:
            events.append(await watch.next())
    return events


async def nothing_more(watch: Watch, wait: float = 0.3) -> None:
    """Assert that ``watch`` yields no event within ``wait`` seconds."""
    try:
        async with asyncio.timeout(wait):
            event = await watch.next()
    except TimeoutError:
        return
    raise AssertionError(f"unexpected event {event}")


async def eventually(check: Callable[[], Awaitable[bool]], timeout: float = 10.0,
                     step: float = 0.05) -> float:
    """Poll ``check`` until true; returns the seconds it took; fails after ``timeout``."""
    start = time.monotonic()
    while not await check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"condition not met within {timeout}s")
        await asyncio.sleep(step)
    return time.monotonic() - start

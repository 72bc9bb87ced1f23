"""Shared plumbing of the engine: the Nova thread pool, retries, events, journal CAS."""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any, TypeVar

from buttress.openstack.config import EvacuationConfig
from buttress.openstack.errors import NovaError
from buttress.openstack.events import Event, EventSink
from buttress.openstack.journal import Journal
from buttress.openstack.nova import NovaClient, error_summary

T = TypeVar("T")
R = TypeVar("R")

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]


class Runtime:
    """What every part of the engine shares.

    ``call`` runs one blocking Nova call in the bounded thread pool and retries
    retryable failures (unreachable, 5xx, 401) with the configured backoff, emitting a
    ``nova.retry`` event before each wait; the last failure propagates.
    """

    def __init__(self, nova: NovaClient, journal: Journal, config: EvacuationConfig,
                 events: EventSink | None, clock: Clock | None, sleep: Sleep | None):
        self.nova = nova
        self.journal = journal
        self.config = config
        self._sink = events
        self.clock: Clock = clock or time.time
        self.sleep: Sleep = sleep or asyncio.sleep
        self.pool = ThreadPoolExecutor(max_workers=config.max_parallel + 2,
                                       thread_name_prefix="buttress-nova")

    def emit(self, kind: str, message: str, *, host: str | None = None,
             instance: str | None = None, **data: Any) -> None:
        """Send an event to the sink (if any)."""
        if self._sink is not None:
            self._sink(Event(kind, message, self.clock(), host, instance, data))

    async def call(self, what: str, fn: Callable[..., T], *args: Any,
                   host: str | None = None, instance: str | None = None) -> T:
        """``fn(*args)`` in the pool, with retries (see the class docstring)."""
        loop = asyncio.get_running_loop()
        retry = self.config.retry
        attempt = 0
        while True:
            attempt += 1
            try:
                return await loop.run_in_executor(self.pool, functools.partial(fn, *args))
            except NovaError as exc:
                if not exc.retryable or attempt >= retry.attempts:
                    raise
                delay = retry.delay_after(attempt)
                self.emit("nova.retry",
                          f"{what} failed: {exc}; attempt {attempt + 1}/{retry.attempts} "
                          f"in {delay:.1f}s", host=host, instance=instance,
                          attempt=attempt, delay_s=delay, **error_summary(exc))
                await self.sleep(delay)

    async def write(self, key: str, record: R, version: int,
                    to_json: Callable[[R], Mapping[str, Any]], **changes: Any) -> tuple[R, int]:
        """CAS ``record`` with ``changes`` applied at ``key``; returns (new, version)."""
        new = replace(record, **changes) if changes else record  # type: ignore[type-var]
        new_version = await self.journal.put(key, to_json(new), version)
        return new, new_version

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)

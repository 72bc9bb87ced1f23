"""Batched polling of the instances being evacuated: one Nova request serves them all.

Polling each instance separately costs Nova one request per instance per interval, and
Nova spends that time away from the rebuilds themselves. A :class:`ServerPoller` answers
``get(id)`` from one ``servers_changed_since`` listing shared by every waiting flow;
concurrent callers join the refresh under way. ``since`` is Nova's own ``updated``
timestamp of the least recently updated selected instance, so no clock skew between the
controller and Nova can hide one; an instance missing from the listing (or when there
is no ``since``) is fetched alone.

A listing is not cheap for Nova (about 20 ms of its CPU per server in the test cloud, more
than most of what the evacuation itself asks of it), and Nova is busiest exactly while
it rebuilds the evacuated instances. So listings are paced by Nova's own response time:
the next one starts no earlier than :data:`PACE` times the duration of the previous one
after its end, whatever the poll interval asks (at most a third of the time is spent
listing); a fast Nova is polled at the poll interval, a loaded one less often.

The evacuation migrations from the failed host are shared the same way
(:meth:`ServerPoller.evacuations`): one os-migrations listing answers every flow. Nova
shows a successfully rebuilt instance idle on the failed host for a while (it moves the
instance's host last, after the rebuild), and each flow asks the migrations whether such
an idle instance failed; without sharing, that costs Nova one listing per instance per
poll exactly when it is busiest.
"""

from __future__ import annotations

import asyncio

from buttress.openstack.errors import NovaNotFound
from buttress.openstack.nova import Migration, Server
from buttress.openstack.runtime import Runtime

PACE = 2.0
"""Minimum pause between two listings, in durations of the previous listing."""


class ServerPoller:
    """Shared, coalescing view of servers (see the module docstring)."""

    def __init__(self, rt: Runtime, since: str | None, host: str):
        self.rt = rt
        self.since = since
        self.host = host
        self._cache: dict[str, tuple[float, Server]] = {}
        self._refresh: asyncio.Task[None] | None = None
        self._refresh_started = 0.0
        self._next_refresh = 0.0
        self._migrations: tuple[float, list[Migration]] | None = None
        self._migration_task: asyncio.Task[None] | None = None
        self._migration_started = 0.0

    async def _list(self, since: str, started: float) -> None:
        try:
            servers = await self.rt.call(f"list servers changed since {since}",
                                         self.rt.nova.servers_changed_since, since,
                                         host=self.host)
        finally:
            ended = self.rt.clock()
            self._next_refresh = ended + PACE * max(0.0, ended - started)
        for server in servers:
            self._cache[server.id] = (started, server)

    async def get(self, server_id: str, max_age: float) -> Server:
        """The server as read at most ``max_age`` seconds ago (engine clock).

        Raises NovaNotFound when it was deleted; NovaErrors after retries propagate.
        """
        newer_than = self.rt.clock() - max_age
        joined = 0  # refreshes awaited that were fresh enough for us
        while self.since is not None and joined < 3:
            cached = self._cache.get(server_id)
            if cached is not None and cached[0] >= newer_than:
                break
            task = self._refresh
            if task is not None and not task.done():
                if self._refresh_started >= newer_than:
                    joined += 1
                await asyncio.shield(task)  # fresh enough: join it; too old: let it finish
                continue
            pause = self._next_refresh - self.rt.clock()
            if pause > 0:  # paced (module docstring); another flow may start it meanwhile
                await self.rt.sleep(pause)
                continue
            self._refresh_started = self.rt.clock()
            self._refresh = asyncio.ensure_future(self._list(self.since,
                                                             self._refresh_started))
        cached = self._cache.get(server_id)
        if cached is None or cached[0] < newer_than:
            started = self.rt.clock()
            server = await self.rt.call(f"show server {server_id}", self.rt.nova.server,
                                        server_id, host=self.host, instance=server_id)
            cached = (started, server)
            self._cache[server_id] = cached
        if cached[1].status == "DELETED":
            raise NovaNotFound(f"server {server_id} was deleted", 404)
        return cached[1]

    async def _list_migrations(self, started: float) -> None:
        found = await self.rt.call(f"list evacuations of {self.host}",
                                   self.rt.nova.evacuations_from, self.host, host=self.host)
        self._migrations = (started, found)

    async def evacuations(self, max_age: float) -> list[Migration]:
        """The evacuation migrations from the host, listed at most ``max_age`` seconds ago
        (0: a listing started now). NovaErrors after retries propagate."""
        newer_than = self.rt.clock() - max_age
        for _ in range(3):
            if self._migrations is not None and self._migrations[0] >= newer_than:
                return self._migrations[1]
            task = self._migration_task
            running = task is not None and not task.done()
            if running and self._migration_started < newer_than:
                assert task is not None
                await asyncio.shield(task)  # too old for us: let it finish, then ours
                continue
            if not running:
                self._migration_started = self.rt.clock()
                task = self._migration_task = asyncio.ensure_future(
                    self._list_migrations(self._migration_started))
            assert task is not None
            await asyncio.shield(task)
        started = self.rt.clock()
        await self._list_migrations(started)
        assert self._migrations is not None
        return self._migrations[1]

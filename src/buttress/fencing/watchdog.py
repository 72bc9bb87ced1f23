"""The self-fence contract of a node agent cut off from the store.

A node's liveness is its store lease: peers may treat the node as gone (and recover its
resources) once ``lease_ttl_s`` has passed since the last renewal *they* saw. So a node
that can no longer renew must have stopped its resources before then. Its own clock
started counting no later than the last renewal it sent, so it must finish stopping by
``last_renewal + lease_ttl_s - safety_margin_s`` and therefore start stopping at
:meth:`SelfFencePolicy.stop_at` = that minus ``stop_budget_s`` (the time a full stop may
take). Peers, on their side, wait :meth:`SelfFencePolicy.peer_may_recover_after` — the TTL
plus the watchdog timeout (Pacemaker's ``stonith-watchdog-timeout``, by default twice the
hardware watchdog) — before assuming a watchdog self-fence happened.

The computation is pure; :class:`SelfFenceGuard` adds the hook: the node agent calls
``renewed(t)`` on each successful lease renewal and awaits ``check(now)`` periodically;
when the stop point passes the guard awaits the ``stop_all`` hook once (until the next
renewal). Times are monotonic seconds.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SelfFencePolicy:
    lease_ttl_s: float
    stop_budget_s: float
    safety_margin_s: float = 1.0
    watchdog_timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.stop_budget_s + self.safety_margin_s >= self.lease_ttl_s:
            raise ValueError("lease TTL must exceed stop budget plus safety margin "
                             f"({self.lease_ttl_s} <= {self.stop_budget_s} + "
                             f"{self.safety_margin_s})")

    def stop_at(self, last_renewal: float) -> float:
        """When a node that last renewed at ``last_renewal`` must begin stopping everything."""
        return last_renewal + self.lease_ttl_s - self.safety_margin_s - self.stop_budget_s

    def stopped_by(self, last_renewal: float) -> float:
        """When everything must be stopped (before the lease can expire anywhere)."""
        return last_renewal + self.lease_ttl_s - self.safety_margin_s

    def peer_may_recover_after(self, last_renewal_seen: float) -> float:
        """When peers may recover the node's resources without a fence device."""
        return last_renewal_seen + self.lease_ttl_s + self.watchdog_timeout_s


class SelfFenceGuard:
    """Calls ``stop_all`` once when a node has failed to renew its lease for too long."""

    def __init__(self, policy: SelfFencePolicy, stop_all: Callable[[], Awaitable[None]],
                 now: float) -> None:
        self.policy = policy
        self._stop_all = stop_all
        self.last_renewal = now
        self.fired = False

    def renewed(self, when: float) -> None:
        """A lease renewal succeeded at ``when``: re-arm the guard."""
        self.last_renewal = max(self.last_renewal, when)
        self.fired = False

    async def check(self, now: float) -> bool:
        """Run ``stop_all`` if the stop point has passed and it has not run since the last
        renewal; True when it ran in this call."""
        if self.fired or now < self.policy.stop_at(self.last_renewal):
            return False
        self.fired = True
        await self._stop_all()
        return True

"""Resources whose stop failed where they run (observed with crm_simulate 2.1.5).

Such a resource is stopped only by fencing its node; without fencing it is blocked there
(on-fail=block). Either way it holds no place in its clone: another instance takes a node
in its stead. A blocked one is also banned from its node (see placement) but stays there,
so what is placed with it (its group) goes elsewhere, its stops waiting for the blocked one.
"""

from __future__ import annotations

from buttress.scheduler.working import WRsc


def stop_failed(rsc: WRsc) -> bool:
    """A primitive whose last failure, where it runs, is a stop."""
    return rsc.variant == "primitive" and any(
        h.failure is not None and h.failure.op.operation == "stop"
        for h in rsc.history.values())


def stop_blocked(rsc: WRsc) -> bool:
    """A primitive blocked by a stop that failed where it runs."""
    return rsc.blocked and stop_failed(rsc)

"""When a promotable collective's "promoted" summary action can happen (what orders after
its promotion wait for it).

An order whose first action is ``promote`` of a promotable clone (or of a bundle whose
primitive is promotable) stands for the collective's ``promoted`` pseudo action: it can
happen when some instance ends up promoted, either by a promotion that can run or because
an instance stays promoted where it is. When no instance is to be promoted at all, it
cannot happen, and what is ordered after it is blocked ("unrunnable <clone> promoted").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from buttress.scheduler.working import Action, WRsc
from buttress.state.history import PROMOTED

if TYPE_CHECKING:
    from buttress.scheduler.ordering import Orderer


def _promotable(rsc: WRsc) -> WRsc | None:
    """The clone whose instances are promoted for ``rsc`` (None: not promotable)."""
    if rsc.extra.get("bundle"):
        from buttress.scheduler.bundle import inner_of

        inner = inner_of(rsc)
        rsc = inner if inner is not None else rsc
    if rsc.variant != "clone" or not rsc.extra.get("promotable"):
        return None
    return rsc


def promoted_summary(orderer: Orderer, rsc: WRsc) -> Action | None:
    """The ``promoted`` pseudo action of ``rsc`` (a clone's is made with its actions, a
    bundle's on first use), settled once for what it waits for; None when ``rsc`` is not
    promotable."""
    clone = _promotable(rsc)
    if clone is None:
        return None
    table = orderer.table
    action = table.get(rsc, "promoted", None)
    if action is None:
        action = table.make(rsc, "promoted", None, optional=True, pseudo=True)
    if "settled" in action.meta:
        return action
    action.meta["settled"] = "1"
    promotes: list[Action] = []
    staying = False
    to_promote = False
    for inst in clone.children:
        for prim in inst.primitives():
            if prim.assigned is None or prim.next_role != PROMOTED:
                continue
            to_promote = True
            found = table.find(prim, "promote")
            promotes.extend(found)
            if not found and prim.role == PROMOTED and prim.assigned in prim.running_on:
                staying = True
    if not to_promote:
        action.runnable = False
        return action
    # runnable once any promotion can run, or at once when an instance stays promoted
    action.meta["needed"] = "0" if staying else "1"
    if rsc is not clone:
        from buttress.scheduler.order_flags import Flag

        for promote in promotes:
            orderer.order(promote, action, Flag.ANY_RUNNABLE)
    return action

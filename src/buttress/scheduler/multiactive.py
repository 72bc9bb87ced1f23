"""The multiple-active policy: what happens to a primitive found active on several nodes.

``stop_start`` (the default) stops it everywhere and starts it once where it is placed;
``stop_only`` stops it everywhere; ``block`` leaves it (and, when its group says so too, the
whole group) alone; ``stop_unexpected`` keeps it where it is placed and stops the others.
A partial live migration (active on its source and target at once) is not multiply active.
"""

from __future__ import annotations

from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WRsc

STOP_START = "stop_start"
STOP_ONLY = "stop_only"
BLOCK = "block"
STOP_UNEXPECTED = "stop_unexpected"


def policy(rsc: WRsc) -> str:
    return rsc.meta.get("multiple-active", STOP_START).lower()


def multiply_active(rsc: WRsc) -> bool:
    """Active on more than one node, not counting a live migration that is under way."""
    if len(rsc.running_on) < 2:
        return False
    return not (len(rsc.running_on) == 2 and "partial_migration" in rsc.extra)


def apply_multiple_active(cluster: Cluster) -> None:
    """Block (multiple-active=block) or mark for stopping (stop_only) the resources that
    are active on several nodes."""
    for rsc in list(cluster.by_id.values()):
        if rsc.variant != "primitive" or rsc.clone_parent() is not None:
            continue
        if not multiply_active(rsc):
            continue
        chosen = policy(rsc)
        if chosen == BLOCK:
            targets = [rsc]
            parent = rsc.parent
            if parent is not None and parent.variant == "group" and policy(parent) == BLOCK:
                targets = list(parent.children)
            for target in targets:
                target.managed = False
        elif chosen == STOP_ONLY:
            rsc.extra["stop_only"] = True

"""Cluster nodes that left without fencing but whose history says resources still run.

With fencing enabled, the history of a member that is offline (and not already known to
need fencing) is read last. A managed resource still active there is in an unknown state:
the node is fenced, and the first such resource found names the reason.
"""

from __future__ import annotations

from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WRsc


def fence_if_active(cluster: Cluster, read: dict[int, tuple[WRsc, set[str]]]) -> None:
    for rsc, names in read.values():
        if rsc.variant != "primitive" or not rsc.managed:
            continue
        for node in rsc.running_on:
            if node.name not in names or node.unclean or node.online or node.maintenance:
                continue
            node.unclean = True
            node.fence_reason = f"{rsc.id} is thought to be active there"

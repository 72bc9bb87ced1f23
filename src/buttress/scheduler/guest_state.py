"""Guest node state, decided during unpack (see ``guest.py`` for the model).

Order of reasoning: cluster and remote nodes' history is known first, so the guest's
connection and container are known; the guest's state follows from them; then the guest's
own history is read, and whatever is found active on a guest that is down makes the guest
need a reset (the recovery of its container) and is itself recovered.
"""

from __future__ import annotations

from buttress.scheduler.guest import container_of, guest_state
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WNode, WRsc


def _recovering_failure(cluster: Cluster, rsc: WRsc) -> bool:
    """The resource has an active failure that calls for its recovery."""
    from buttress.scheduler.failures import on_fail

    for history in rsc.history.values():
        failure = history.failure
        if failure is None or not history.active:
            continue
        if on_fail(cluster, rsc, failure) != "ignore":
            return True
    return False


def settle_guest_nodes(cluster: Cluster) -> None:
    for node in cluster.nodes:
        if node.kind != "guest":
            continue
        conn = cluster.by_id.get(node.name)
        container = container_of(conn) if conn is not None else None
        if conn is None or container is None:
            node.online = False
            continue
        node.remote_rsc = conn.id
        failed = {id(r) for r in (conn, container) if _recovering_failure(cluster, r)}
        guest_state(node, conn, container, failed)


def lost_guest_resources(cluster: Cluster) -> None:
    """A managed resource active on a guest that is down is recovered, and the guest is
    reset for it (even with fencing disabled: no fence device is involved)."""
    for rsc in cluster.by_id.values():
        if rsc.variant != "primitive" or not rsc.managed:
            continue
        for node in rsc.running_on:
            if node.kind != "guest" or node.online:
                continue
            rsc.failed = True
            reset_guest(cluster, node)


def reset_guest(cluster: Cluster, node: WNode) -> None:
    """"Fence" a guest: it is reset by recovering its (managed) container."""
    node.reset = True
    conn = cluster.by_id.get(node.name)
    container = container_of(conn) if conn is not None else None
    if container is not None and container.managed:
        container.failed = True

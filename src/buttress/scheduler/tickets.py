"""Ticket constraints: a resource may run only while its ticket is granted (and not standby).

When a granted ticket is lost, ``loss-policy`` says what happens to what still runs:
stop (the default), demote (promoted instances only), fence (the nodes it runs on) or
freeze (leave what runs alone, start nothing new).
"""

from __future__ import annotations

from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WRsc
from buttress.scores import INFINITY
from buttress.state.history import PROMOTED


def apply_tickets(cluster: Cluster) -> None:
    states = {t.id: t for t in cluster.cib.status.tickets}
    for con in cluster.cib.configuration.tickets:
        state = states.get(con.ticket)
        granted = state is not None and state.granted
        standby = state is not None and state.standby
        if granted and not standby:
            continue
        targets: list[tuple[str | None, str | None]] = [(con.rsc, con.rsc_role)]
        for rset in con.sets:
            targets.extend((rid, rset.role or con.rsc_role) for rid in rset.resources)
        policy = (con.loss_policy or "stop").lower()
        for rid, role in targets:
            promoted_only = (role or "").lower() in ("master", "promoted")
            # a standby ticket that is still granted gives its role up gracefully: demoted
            # (unless the loss policy stops the resource anyway) or stopped
            graceful = "stop" if not promoted_only or policy == "stop" else "demote"
            effective = graceful if granted else policy
            for rsc in cluster.resolve(rid):
                _revoke(cluster, rsc, effective, promoted_only)


def _revoke(cluster: Cluster, rsc: WRsc, policy: str, promoted_only: bool) -> None:
    """Apply a lost ticket's policy to ``rsc`` (``promoted_only``: the ticket guards only
    its Promoted role)."""
    prims = rsc.primitives()
    active = [n for p in prims for n in p.running_on]
    promoted = [n for p in prims if p.role == PROMOTED for n in p.running_on]
    if policy == "freeze":
        if promoted_only:
            rsc.extra["promotion_frozen"] = True
            return
        if active:
            for prim in prims:
                if prim.running_on:
                    prim.managed = False
            return
    if policy == "demote" and promoted_only:
        rsc.extra["promotion_blocked"] = True
        return
    if policy == "fence":
        for node in promoted if promoted_only else active:
            if not node.unclean:
                node.unclean = True
                node.fence_reason = "deadman ticket was lost"
        if promoted_only:
            rsc.extra["promotion_blocked"] = True
            return
    for node in cluster.nodes:
        rsc.allowed[node.name] = -INFINITY

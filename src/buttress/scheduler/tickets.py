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
        ids = [con.rsc] if con.rsc else []
        for rset in con.sets:
            ids.extend(rset.resources)
        role = (con.rsc_role or "").lower()
        policy = (con.loss_policy or "stop").lower()
        for rsc in (r for rid in ids for r in cluster.resolve(rid)):
            if role in ("master", "promoted"):
                frozen = policy == "freeze" and not granted
                rsc.extra["promotion_frozen" if frozen else "promotion_blocked"] = True
                continue
            # a standby ticket that is still granted stops its resources gracefully
            _revoke(cluster, rsc, "stop" if granted else policy)


def _revoke(cluster: Cluster, rsc: WRsc, policy: str) -> None:
    prims = rsc.primitives()
    active = [n for p in prims for n in p.running_on]
    if policy == "freeze" and active:
        for prim in prims:
            if prim.running_on:
                prim.managed = False
                prim.extra["frozen"] = True
        return
    if policy == "fence":
        for node in active:
            if not node.unclean:
                node.unclean = True
                node.fence_reason = "deadman ticket was lost"
    if policy == "demote" and any(p.role == PROMOTED for p in prims):
        rsc.extra["promotion_blocked"] = True
        return
    for name in list(rsc.allowed):
        rsc.allowed[name] = -INFINITY
    for node in cluster.nodes:
        rsc.allowed[node.name] = -INFINITY

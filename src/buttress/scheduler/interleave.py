"""Interleaved clones: an instance with no partner to start after cannot be active.

With ``interleave=true`` on the dependent clone of a mandatory order, each of its instances
waits only for the instance of the first clone on its own node. An instance placed on a node
where the first clone will have no instance at all could never start: it is not placed
after all (once everything else is), and stops where it runs for no reason of its own.
"""

from __future__ import annotations

from buttress.model.constraints import Order
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WRsc
from buttress.scores import parse_score
from buttress.state.history import STOPPED

_STARTING = ("start", "promote")


def _mandatory(con: Order) -> bool:
    kind = (con.kind or "").lower()
    if kind:
        return kind == "mandatory"
    return con.score is None or parse_score(con.score) != 0


def _nodes_of(clone: WRsc) -> set[str]:
    """Nodes where some instance of ``clone`` is placed whole."""
    return {inst.assigned.name for inst in clone.children
            if inst.assigned is not None and inst.next_role != STOPPED}


def _inhibit(inst: WRsc) -> None:
    """Not placed after all: it stops where it runs (for no reason of its own) and its
    start there can never run."""
    node = inst.assigned
    for rsc in [inst, *inst.children]:
        rsc.assigned = None
        rsc.next_role = STOPPED
        rsc.extra["inhibited_on"] = node


def inhibit_unmatched(cluster: Cluster) -> None:
    """Unplace interleaved instances whose first clone has no instance on their node (as
    placed before any of this: an instance unplaced here still counts as a partner)."""
    doomed: list[WRsc] = []
    for con in cluster.cib.configuration.orders:
        if con.sets or not _mandatory(con) or not con.require_all:
            continue  # (with require-all=false, any one instance anywhere will do)
        f_task = con.first_action or "start"
        t_task = con.then_action or f_task
        if f_task not in _STARTING or t_task not in _STARTING:
            continue
        for first in cluster.resolve(con.first):
            for then in cluster.resolve(con.then):
                if first.variant != "clone" or then.variant != "clone" \
                        or not then.extra.get("interleave") or first is then \
                        or parse_score(first.meta.get("clone-min"), 0) > 0:
                    continue
                partners = _nodes_of(first)
                for inst in then.children:
                    if inst.assigned is not None and inst.next_role != STOPPED \
                            and inst.assigned.name not in partners:
                        doomed.append(inst)
    for inst in doomed:
        if inst.assigned is not None:
            _inhibit(inst)

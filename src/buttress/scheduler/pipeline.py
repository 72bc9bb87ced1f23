"""``schedule(cib, now)``: the whole pipeline, pure."""

from __future__ import annotations

from buttress.model.cib import Cib
from buttress.scheduler.actions import ActionTable, create_actions
from buttress.scheduler.allocation_order import sort_for_allocation
from buttress.scheduler.assign import Assigner
from buttress.scheduler.coloc_block import ColocationBlocker
from buttress.scheduler.colocation import unpack_colocations
from buttress.scheduler.digests import apply_digests
from buttress.scheduler.failures import apply_failures
from buttress.scheduler.fence_gate import apply_fence_gate
from buttress.scheduler.graph import build_transition, collect_scores
from buttress.scheduler.interleave import inhibit_unmatched
from buttress.scheduler.multiactive import apply_multiple_active
from buttress.scheduler.notify import add_notifications
from buttress.scheduler.ordering import Orderer
from buttress.scheduler.placement import apply_placement
from buttress.scheduler.shutdown_lock import apply_shutdown_locks
from buttress.scheduler.summary import summarize
from buttress.scheduler.tickets import apply_tickets
from buttress.scheduler.unpack import unpack
from buttress.transition.graph import Transition

__all__ = ["Transition", "schedule"]


def schedule(cib: Cib, now: int) -> Transition:
    """Decide what the cluster does next. ``now`` is the epoch second the decision is for."""
    cluster = unpack(cib, now)
    apply_fence_gate(cluster)
    apply_failures(cluster)
    apply_multiple_active(cluster)
    apply_digests(cluster)
    apply_placement(cluster)
    apply_shutdown_locks(cluster)
    apply_tickets(cluster)
    # Allocation and the summary both follow priority order (stable within a priority).
    colocs = unpack_colocations(cluster)
    sort_for_allocation(cluster, colocs)
    Assigner(cluster, colocs).run()
    inhibit_unmatched(cluster)
    table = ActionTable()
    create_actions(cluster, table)
    blocker = ColocationBlocker(table, colocs)
    blocker.unplaced_bundles()
    orderer = Orderer(cluster, table, blocker)
    orderer.implicit()
    orderer.constraints()
    # (after the constraints: on a guest, a restart of the container requires first)
    orderer.remote_connections()
    orderer.propagate()
    summary = summarize(cluster, table)
    add_notifications(cluster, table, orderer)
    return build_transition(cluster, table, summary, collect_scores(cluster))

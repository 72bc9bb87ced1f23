"""Fencing enabled with nothing to fence with: resource management is off.

Contract: ``apply_fence_gate(cluster)`` runs right after unpack. Where ``stonith-enabled`` is
on but no fence device is configured and no watchdog (``have-watchdog``) can stand in for
one, Pacemaker disables resource start-up: observed on crm_simulate, it then schedules
nothing at all (no start, stop, recovery or fencing; only probes), and says nothing about it
in the transition summary. Every resource is left alone, as if unmanaged.
"""

from __future__ import annotations

from buttress.scheduler.unpack import Cluster
from buttress.state.nodes import truthy


def apply_fence_gate(cluster: Cluster) -> None:
    if not cluster.fencing_enabled or truthy(cluster.prop("have-watchdog", "false")):
        return
    if any(r.variant == "primitive" and r.rsc_class == "stonith" and not r.orphan
           for r in cluster.by_id.values()):
        return
    cluster.no_fencing_means = True
    for rsc in cluster.by_id.values():
        rsc.managed = False

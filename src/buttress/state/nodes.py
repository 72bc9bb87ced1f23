"""Node states: from membership flags and attributes to online / unclean / standby / ...

The decision table follows what Pacemaker documents for node membership: a node is online
when it is in the cluster membership, its controller is up and it has joined; a node that
was expected up but left the membership is unclean and must be fenced (when fencing is on).
"""

from __future__ import annotations

from dataclasses import dataclass

from buttress.model.status import NodeState

TRUE_WORDS = ("true", "yes", "on", "1", "y", "member", "online")


def truthy(value: str | None) -> bool:
    if value is None:
        return False
    text = value.strip().lower()
    if text in TRUE_WORDS:
        return True
    return text.isdigit() and int(text) > 0


@dataclass(frozen=True)
class Membership:
    """What the membership flags of one node say."""

    online: bool
    unclean: bool = False
    pending: bool = False
    fence_reason: str | None = None


def membership(state: NodeState | None, fencing: bool, shutdown: bool,
               terminate: bool) -> Membership:
    """Classify a full cluster node from its ``node_state`` (None: never seen).

    A node never seen is unclean when fencing is on (startup fencing): nothing proves that
    it runs nothing.
    """
    if state is None:
        return Membership(online=False, unclean=fencing)
    in_cluster = truthy(state.in_ccm)
    controller_up = (state.crmd or "").lower() == "online" or (
        (state.crmd or "").isdigit() and int(state.crmd or "0") > 0)
    join = state.join or "down"
    expected = state.expected or "down"
    if not fencing:
        if in_cluster and controller_up and join == "member":
            return Membership(online=True)
        if in_cluster and controller_up and join == "pending":
            return Membership(online=False, pending=True)
        return Membership(online=False)
    if shutdown:
        return Membership(online=controller_up and in_cluster)
    if state.in_ccm is None:
        return Membership(False, True, fence_reason="peer has not been seen by the cluster")
    if join == "nack":
        return Membership(False, True,
                          fence_reason="peer failed Pacemaker membership criteria")
    if not terminate and expected == "down":
        if in_cluster or controller_up:
            return Membership(online=False, pending=True)
        return Membership(online=False)
    if terminate and join == "down" and not in_cluster and not controller_up:
        return Membership(online=False)
    if not in_cluster:
        return Membership(False, True, fence_reason="peer is no longer part of the cluster")
    if not controller_up:
        return Membership(False, True, fence_reason="peer process is no longer available")
    if terminate:
        return Membership(False, True, fence_reason="termination was requested")
    if join == "member":
        return Membership(online=True)
    if join in ("pending", "down"):
        return Membership(online=False, pending=True)
    return Membership(False, True, fence_reason="peer was in an unknown state")

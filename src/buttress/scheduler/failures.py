"""Failure handling: turn failed operations into recovery, blocking, fencing or standby."""

from __future__ import annotations

from buttress.model.resources import Operation
from buttress.scheduler.rules import RuleContext, resolve_nvsets
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WRsc
from buttress.state.history import (
    EXEC_DONE,
    EXEC_NOT_INSTALLED,
    PROMOTED,
    STOPPED,
    UNPROMOTED,
    Failure,
    NodeHistory,
    expected_rc,
)

#: extra key: the nodes where a failure (on-fail=demote) demotes the resource
DEMOTE_ON = "demote_on"


def configured_op(rsc: WRsc, name: str, interval_ms: int) -> Operation | None:
    for op in rsc.operations:
        if op.name == name and op.interval_ms == interval_ms:
            return op
    return None


def on_fail(cluster: Cluster, rsc: WRsc, failure: Failure) -> str:
    """The on-fail policy of the failed operation (configured, op_defaults, or default)."""
    op = failure.op
    name = op.operation
    interval = op.interval_ms
    configured = None if name == "monitor" and interval == 0 else configured_op(rsc, name, interval)
    policy = configured.on_fail if configured is not None else None
    if policy is None:
        defaults = resolve_nvsets(cluster.cib.configuration.op_defaults,
                                  RuleContext(now=cluster.now, op_name=name,
                                              op_interval_ms=interval))
        policy = defaults.get("on-fail")
    if policy is None and "container" in rsc.extra:
        # a failure inside a container (or of a guest's connection) restarts the container
        policy = "restart-container"
    if policy is None:
        if name == "stop":
            policy = "fence" if cluster.fencing_enabled else "block"
        elif name == "demote":
            policy = "restart"
        else:
            policy = "restart"
    policy = policy.lower()
    if policy == "ignore" and op.op_status == EXEC_NOT_INSTALLED:
        # a missing agent cannot be ignored: it is recovered elsewhere
        policy = "restart"
    if policy == "fence" and not cluster.fencing_enabled:
        policy = "block"
    if policy == "demote" and name != "monitor":
        policy = "restart"
    return policy


def apply_failures(cluster: Cluster) -> None:
    for rsc in list(cluster.by_id.values()):
        if rsc.variant != "primitive":
            continue
        for node_name, history in rsc.history.items():
            failure = history.failure
            if failure is None or not history.active:
                continue
            node = cluster.node_by_name.get(node_name)
            if node is not None and node.unclean and failure.op.operation == "stop" \
                    and failure.hard and not node.online and not cluster.can_fence(node):
                # a stop that failed for good (not installed, ...) on a lost node that
                # cannot be fenced: blocked there
                rsc.failed = True
                rsc.blocked = True
                continue
            if node is None:
                continue
            policy = on_fail(cluster, rsc, failure)
            if policy == "fence" and not cluster.can_fence(node):
                policy = "block"
            if node.unclean and (cluster.can_fence(node) or policy != "block"
                                 or not failure.hard):
                # fencing the node recovers the resource; the failure needs nothing more
                # (where it cannot be fenced, a hard failure that blocks still blocks)
                continue
            if policy not in ("stop", "fence", "standby") and _recovered_since(history, failure):
                # the monitor that failed has since succeeded: the resource recovered by
                # itself (only stopping, fencing and standby outlast that)
                continue
            if policy == "ignore":
                if failure.op.operation == "stop":
                    # an ignored failed stop counts as a stop that succeeded
                    _stopped_on(rsc, node_name)
                continue
            if policy != "block" and _expired(cluster, rsc, failure):
                continue
            if policy == "restart-container" and failure.op.operation == "stop":
                # the container's restart stops what it contains: the failed stop counts
                # as done, the resource as stopped there
                _restart_container(rsc, node_name)
                _stopped_on(rsc, node_name)
                continue
            if policy == "demote":
                if history.role == PROMOTED:
                    # demoted where it failed, not stopped; promotion is then decided as
                    # usual (it may well be promoted there again)
                    rsc.extra.setdefault(DEMOTE_ON, set()).add(node_name)
                    continue
                policy = "restart"
            rsc.failed = True
            if failure.op.operation == "demote" and policy != "block":
                # staying promoted would loop; the recovery stops it first anyway (a
                # blocked failed demote stays promoted)
                rsc.role = UNPROMOTED
            if policy == "block":
                rsc.blocked = True
            elif policy == "stop":
                rsc.meta["target-role"] = "Stopped"
            elif policy == "fence" and node.kind == "guest":
                from buttress.scheduler.guest_state import reset_guest

                reset_guest(cluster, node)
            elif policy == "fence":
                if not node.unclean:
                    node.unclean = True
                    node.fence_reason = f"{rsc.id} failed there"
            elif policy == "standby":
                node.standby = True
            elif policy == "restart-container":
                _restart_container(rsc, node_name)


def _recovered_since(history: NodeHistory, failure: Failure) -> bool:
    """A later success of the very recurring monitor that failed."""
    failed = failure.op
    if failed.operation != "monitor" or failed.interval_ms <= 0 or failed not in history.ops:
        return False
    later = history.ops[history.ops.index(failed) + 1:]
    return any(op.operation == "monitor" and op.interval_ms == failed.interval_ms
               and op.op_status == EXEC_DONE and op.rc_code == expected_rc(op) for op in later)


def _stopped_on(rsc: WRsc, node_name: str) -> None:
    """The resource counts as stopped on ``node_name``."""
    rsc.running_on = [n for n in rsc.running_on if n.name != node_name]
    if not rsc.running_on:
        rsc.role = STOPPED


def _restart_container(rsc: WRsc, node_name: str) -> None:
    """The container of ``rsc`` must stop (and so restart) on ``node_name``."""
    container = rsc.extra.get("container")
    if isinstance(container, WRsc):
        container.extra.setdefault("restart_on", set()).add(node_name)


def _expired(cluster: Cluster, rsc: WRsc, failure: Failure) -> bool:
    """A failure older than failure-timeout no longer calls for recovery (a failed stop
    always does: the resource's state is unknown)."""
    from buttress.scheduler.unpack import interval_of

    timeout_ms = interval_of(rsc.meta.get("failure-timeout"))
    if timeout_ms <= 0 or failure.op.operation == "stop":
        return False
    changed = failure.op.last_rc_change
    return changed > 0 and cluster.now >= changed + timeout_ms // 1000

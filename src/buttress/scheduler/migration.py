"""Live migrations found in the history: finished, half done, or failed.

A live migration is ``migrate_to`` on the source, ``migrate_from`` on the target, then a
stop on the source. Reading the history, an interrupted one leaves the resource:

- *dangling*: both migrate steps succeeded but the source was not stopped yet. The resource
  runs on the target only; the source still needs its stop (which changes nothing visible).
- *partial*: ``migrate_to`` succeeded, ``migrate_from`` was not run (or is still running).
  The resource may be active on the target as well as the source; the migration can be
  finished if the resource stays on the target.
- *failed*: ``migrate_from`` failed, or ``migrate_to`` succeeded towards a target that is
  down or has moved on since. The resource needs recovery and must not migrate again.
- after a failed ``migrate_to`` or ``migrate_from`` the resource may be active on both
  nodes, unless the other node has recorded something newer since.

A migration step no longer matters for a node where something newer happened since (any
operation but a monitor, or a monitor that found the resource stopped).
"""

from __future__ import annotations

from dataclasses import replace

from buttress.model.status import HistoryOp
from buttress.scheduler.working import WNode, WRsc
from buttress.state.history import (
    EXEC_DONE,
    EXEC_PENDING,
    OCF_NOT_RUNNING,
    STARTED,
    STOPPED,
    UNKNOWN,
    expected_rc,
)

PARTIAL = "partial_migration"      # rsc.extra: (source, target) of a migration to finish
DANGLING = "dangling_migration"    # rsc.extra: sources still to stop after a migration
NO_MIGRATE = "no_migrate"          # rsc.extra: a failed migration forbids another one


def settle_migrations(rsc: WRsc, nodes: dict[str, WNode], read: set[str]) -> None:
    """Apply the rules above to one primitive whose history on the nodes named in ``read``
    has just been replayed (``rsc.running_on`` lists the nodes by their own history)."""
    for source_name in list(read):
        history = rsc.history.get(source_name)
        if history is None:
            continue
        for op in history.ops:
            if op.operation == "migrate_to" and _done(op):
                if _succeeded(op):
                    _migrate_to_succeeded(rsc, nodes, source_name, op)
                else:
                    _migrate_to_failed(rsc, nodes, source_name, op)


def _done(op: HistoryOp) -> bool:
    return op.op_status != EXEC_PENDING and op.call_id >= 0


def _succeeded(op: HistoryOp) -> bool:
    return op.op_status == EXEC_DONE and op.rc_code == expected_rc(op)


def _ops_on(rsc: WRsc, node_name: str | None) -> tuple[HistoryOp, ...]:
    history = rsc.history.get(node_name or "")
    return history.ops if history is not None else ()


def _newer(op: HistoryOp, than: HistoryOp, same_node: bool) -> bool:
    """Was ``op`` recorded after ``than``? Call ids order one node's operations; across
    nodes only the times of the last result can tell."""
    if same_node:
        return op.call_id < 0 or op.call_id > than.call_id
    return op.last_rc_change > 0 and than.last_rc_change > 0 and \
        op.last_rc_change > than.last_rc_change


def _changed_since(rsc: WRsc, node_name: str | None, since: HistoryOp, same_node: bool) -> bool:
    """Did the node record anything since ``since`` that replaces what it implied there?"""
    for op in _ops_on(rsc, node_name):
        if op is since or not _newer(op, since, same_node):
            continue
        if op.operation != "monitor":
            return True
        if op.op_status == EXEC_DONE and op.rc_code == OCF_NOT_RUNNING:
            return True
    return False


def _migrate_from(rsc: WRsc, target: str | None, source: str) -> HistoryOp | None:
    found = None
    for op in _ops_on(rsc, target):
        if op.operation == "migrate_from" and op.migrate_source in (None, source):
            found = op
    return found


def _migrate_to_succeeded(rsc: WRsc, nodes: dict[str, WNode], source: str,
                          op: HistoryOp) -> None:
    target = op.migrate_target
    source_moved_on = _changed_since(rsc, source, op, same_node=True)
    from_op = _migrate_from(rsc, target, source)
    if from_op is not None and source_moved_on:
        return  # the migration completed and the source was stopped since
    if from_op is not None:
        target_moved_on = _changed_since(rsc, target, from_op, same_node=True)
    else:
        target_moved_on = _changed_since(rsc, target, op, same_node=False)
    if source_moved_on and target_moved_on:
        return
    if from_op is not None and _done(from_op) and _succeeded(from_op):
        # dangling: the resource lives on the target, the source only needs its stop
        _not_active(rsc, nodes, source)
        rsc.extra.setdefault(DANGLING, []).append(nodes[source])
        return
    target_node = nodes.get(target or "")
    source_node = nodes.get(source)
    target_up = target_node is not None and target_node.online
    if not target_moved_on and target_up and target_node is not None:
        _add_before(rsc, target_node, source_node)
        unfinished = from_op is None or not _done(from_op)
        if unfinished and source_node is not None and source_node.online:
            rsc.extra[PARTIAL] = (source_node, target_node)
    elif not source_moved_on:
        rsc.failed = True
        rsc.extra[NO_MIGRATE] = True


def _migrate_to_failed(rsc: WRsc, nodes: dict[str, WNode], source: str,
                       op: HistoryOp) -> None:
    """A failed migrate_to may have left the resource active on the target as well (where
    its state is known: where it is not, a probe will tell)."""
    target = op.migrate_target
    from_op = _migrate_from(rsc, target, source)
    if from_op is not None and not _succeeded(from_op):
        from_op = None
    if from_op is not None:
        target_moved_on = _changed_since(rsc, target, from_op, same_node=True)
    else:
        target_moved_on = _changed_since(rsc, target, op, same_node=False)
    known = any(_done(o) for o in _ops_on(rsc, target))
    if known and not target_moved_on:
        target_node = nodes.get(target or "")
        if target_node is not None and target_node.online:
            # (its role is left as the rest of the history says: possibly stopped)
            _add_before(rsc, target_node, nodes.get(source), set_role=False)
    elif not _changed_since(rsc, source, op, same_node=True) and source in nodes:
        # the target moved on, but the source still needs a stop
        rsc.extra.setdefault(DANGLING, []).append(nodes[source])


def _not_active(rsc: WRsc, nodes: dict[str, WNode], node_name: str) -> None:
    history = rsc.history.get(node_name)
    if history is not None and history.active:
        rsc.history[node_name] = replace(history, role=STOPPED)
    node = nodes.get(node_name)
    if node is not None and node in rsc.running_on:
        rsc.running_on.remove(node)


def _add_before(rsc: WRsc, node: WNode, before: WNode | None, set_role: bool = True) -> None:
    """``node`` counts as active, found while ``before``'s history was read (so it is
    listed before ``before`` unless it was found earlier)."""
    running = rsc.running_on
    if before is not None and before in running:
        if node in running and running.index(node) < running.index(before):
            return
        if node in running:
            running.remove(node)
        running.insert(running.index(before), node)
    elif node not in running:
        running.append(node)
    if set_role and rsc.role in (STOPPED, UNKNOWN):
        rsc.role = STARTED


def partial_source(rsc: WRsc, target: WNode | None) -> WNode | None:
    """The source of a half-done migration that can be finished now (the resource stays on
    its target and may still migrate), else None."""
    partial = rsc.extra.get(PARTIAL)
    if partial is None or target is None or partial[1] is not target:
        return None
    source: WNode = partial[0]
    return source if not rsc.failed and not rsc.extra.get(NO_MIGRATE) else None


def aborted(rsc: WRsc, target: WNode | None) -> bool:
    """A half-done migration that cannot be finished: stopped on both nodes."""
    return PARTIAL in rsc.extra and partial_source(rsc, target) is None

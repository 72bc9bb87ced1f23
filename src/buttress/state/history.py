"""Replay one node's operation history of one resource into its current state.

The contract: ``replay(ops)`` returns where the resource stands on that node (role, whether it
failed and how, what is in flight, which recurring monitors are active). Operations are taken
in call order; a pending operation (call-id -1 or op-status -1) comes last.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from buttress.model.status import HistoryOp

OCF_OK = 0
OCF_NOT_RUNNING = 7
OCF_RUNNING_PROMOTED = 8
OCF_FAILED_PROMOTED = 9
OCF_NOT_INSTALLED = 5
OCF_NOT_CONFIGURED = 6
OCF_INVALID_PARAM = 2

#: results that mean this node can never run the resource (args, permissions, install)
HARD_ERRORS = (OCF_INVALID_PARAM, 4, OCF_NOT_INSTALLED)

EXEC_DONE = 0
EXEC_ERROR = 4
EXEC_PENDING = -1
EXEC_CANCELLED = 1
EXEC_NOT_INSTALLED = 7

STOPPED = "Stopped"
STARTED = "Started"
UNPROMOTED = "Unpromoted"
PROMOTED = "Promoted"
UNKNOWN = "Unknown"

ROLE_ORDER = {UNKNOWN: 0, STOPPED: 1, STARTED: 2, UNPROMOTED: 3, PROMOTED: 4}


@dataclass(frozen=True)
class Failure:
    """The op that failed, as the scheduler needs it to pick the recovery."""

    op: HistoryOp
    hard: bool = False       # not installed / invalid: the node can never run it
    fatal: bool = False      # not configured: no node can run it


@dataclass(frozen=True)
class NodeHistory:
    """Where one resource stands on one node after replaying its history there."""

    role: str
    failure: Failure | None
    pending: HistoryOp | None
    recurring: tuple[HistoryOp, ...]
    last_op: HistoryOp | None
    start_op: HistoryOp | None
    migrate_to: HistoryOp | None = None
    migrate_from: HistoryOp | None = None
    probed: bool = False
    failed_start: HistoryOp | None = None
    ops: tuple[HistoryOp, ...] = ()        # every recorded operation, in call order

    @property
    def active(self) -> bool:
        return self.role not in (STOPPED, UNKNOWN)


def expected_rc(op: HistoryOp) -> int:
    """The rc the controller expected, from the transition key (action:graph:rc:uuid)."""
    if op.operation in ("start", "stop"):
        # (only a monitor may expect anything but success)
        return OCF_OK
    keyed = _key_rc(op)
    if keyed is not None:
        return keyed
    if op.operation == "monitor" and op.interval_ms == 0:
        return OCF_NOT_RUNNING
    return OCF_OK


def _key_rc(op: HistoryOp) -> int | None:
    if op.transition_key:
        parts = op.transition_key.split(":")
        if len(parts) >= 3 and parts[2].lstrip("-").isdigit():
            return int(parts[2])
    return None


def _expected_not_running(op: HistoryOp) -> bool:
    """A start that found the resource not running, as the controller said it would."""
    return (op.operation == "start" and op.op_status == EXEC_DONE
            and op.rc_code == OCF_NOT_RUNNING and _key_rc(op) == OCF_NOT_RUNNING)


def is_probe(op: HistoryOp) -> bool:
    return op.operation == "monitor" and op.interval_ms == 0


def is_failed(op: HistoryOp) -> bool:
    """Whether a completed operation did not give the result the controller expected (a probe
    finding the resource stopped or running, or a stop finding it already stopped, is no
    failure)."""
    if op.op_status in (EXEC_PENDING, EXEC_CANCELLED) or op.call_id < 0:
        return False
    op = _normalized(op)
    if op.op_status != EXEC_DONE:
        return True
    if is_probe(op):
        return op.rc_code not in (OCF_OK, OCF_NOT_RUNNING, OCF_RUNNING_PROMOTED)
    if op.operation == "stop" and op.rc_code == OCF_NOT_RUNNING:
        return False
    return op.rc_code != expected_rc(op)


def _sort_key(op: HistoryOp) -> tuple[int, int, int]:
    pending = 1 if op.op_status == EXEC_PENDING or op.call_id < 0 else 0
    return (pending, op.call_id, op.last_rc_change)


#: degraded OCF results count as the healthy result they degrade
DEGRADED_RC = {190: OCF_OK, 191: OCF_RUNNING_PROMOTED}


def _normalized(op: HistoryOp) -> HistoryOp:
    """An "error" execution status is judged by its rc code, as Pacemaker re-derives it;
    a degraded result (190, 191) as the result it degrades."""
    if op.op_status == EXEC_ERROR:
        op = replace(op, op_status=EXEC_DONE)
    if op.rc_code in DEGRADED_RC:
        op = replace(op, rc_code=DEGRADED_RC[op.rc_code])
    return op


def replay(ops: tuple[HistoryOp, ...]) -> NodeHistory:
    """Fold the operations into the resource's state on the node."""
    ops = tuple(_normalized(op) for op in ops)
    role = UNKNOWN
    failure: Failure | None = None
    pending: HistoryOp | None = None
    recurring: dict[tuple[str, int], HistoryOp] = {}
    last: HistoryOp | None = None
    start_op: HistoryOp | None = None
    migrate_to: HistoryOp | None = None
    migrate_from: HistoryOp | None = None
    probed = False
    failed_start: HistoryOp | None = None
    ordered = tuple(sorted(ops, key=_sort_key))
    for op in ordered:
        if op.operation == "notify" or op.op_status == EXEC_CANCELLED:
            continue
        if op.op_status == EXEC_PENDING or op.call_id < 0:
            pending = op
            if op.operation in ("start", "migrate_from", "promote", "demote"):
                role = {"promote": PROMOTED, "demote": UNPROMOTED}.get(op.operation, STARTED)
                if op.operation == "start" and role == STARTED:
                    start_op = op
            continue
        last = op
        probed = probed or is_probe(op)
        if op.interval_ms > 0 and (op.operation == "monitor" or op.operation == "notify"):
            recurring[(op.operation, op.interval_ms)] = op
        ok = op.op_status == EXEC_DONE and op.rc_code == expected_rc(op)
        if op.operation == "monitor":
            if failure is not None and failure.op.operation == "stop":
                # after a failed stop the resource's state is unknown until it is fenced or
                # stopped: a later monitor result does not replace that failure
                continue
            role, failure = _monitor(op, role, failure, ok)
            continue
        if _expected_not_running(op):
            # (the controller expected it to find the resource not running: it is stopped)
            role, failure = STOPPED, None
            recurring.clear()
            continue
        if not ok:
            if op.operation == "stop" and op.op_status == EXEC_DONE and \
                    op.rc_code == OCF_NOT_RUNNING:
                role, failure = STOPPED, None
                recurring.clear()
                continue
            failure = _failure(op)
            if op.operation == "start":
                failed_start = op
            if op.operation in ("start", "migrate_from"):
                role = STARTED
                start_op = op
            elif op.operation == "promote" or op.operation == "demote":
                role = PROMOTED
            elif op.operation == "stop":
                role = STARTED if role in (UNKNOWN, STOPPED) else role
            elif op.operation == "migrate_to":
                role = STARTED
                migrate_to = op
            continue
        if op.operation in ("start", "migrate_from"):
            role = STARTED
            failure = None
            start_op = op
            if op.operation == "migrate_from":
                migrate_from = op
        elif op.operation == "stop":
            role = STOPPED
            failure = None
            recurring.clear()
            migrate_to = None
            migrate_from = None
        elif op.operation == "promote":
            role = PROMOTED
            failure = None
        elif op.operation == "demote":
            role = UNPROMOTED
            failure = None
        elif op.operation == "migrate_to":
            migrate_to = op
            role = STARTED
        elif op.operation in ("reload", "reload-agent"):
            start_op = op
    return NodeHistory(role=role, failure=failure, pending=pending,
                       recurring=tuple(recurring.values()), last_op=last, start_op=start_op,
                       migrate_to=migrate_to, migrate_from=migrate_from, probed=probed,
                       failed_start=failed_start, ops=ordered)


def _failure(op: HistoryOp) -> Failure:
    hard = op.rc_code in HARD_ERRORS or op.op_status == EXEC_NOT_INSTALLED
    return Failure(op=op, hard=hard, fatal=op.rc_code == OCF_NOT_CONFIGURED)


def _monitor(op: HistoryOp, role: str, failure: Failure | None,
             ok: bool) -> tuple[str, Failure | None]:
    rc = op.rc_code
    if is_probe(op) and op.op_status == EXEC_NOT_INSTALLED:
        # the agent is missing there: nothing can run it (and nothing runs)
        return STOPPED, Failure(op=op, hard=True)
    if op.op_status != EXEC_DONE:
        return (STARTED if role in (UNKNOWN, STOPPED) else role), _failure(op)
    if rc == OCF_NOT_RUNNING:
        if is_probe(op) or ok:
            return STOPPED, None
        return (STARTED if role in (UNKNOWN, STOPPED) else role), _failure(op)
    if rc == OCF_OK:
        new_role = STARTED if role in (UNKNOWN, STOPPED, PROMOTED) and is_probe(op) else role
        if new_role in (UNKNOWN, STOPPED):
            new_role = STARTED
        if ok or is_probe(op):
            return new_role, (failure if not is_probe(op) else None)
        return new_role, _failure(op)
    if rc == OCF_RUNNING_PROMOTED:
        if ok or is_probe(op):
            return PROMOTED, (failure if not is_probe(op) else None)
        return PROMOTED, _failure(op)
    if rc == OCF_FAILED_PROMOTED:
        return PROMOTED, _failure(op)
    if is_probe(op) and rc == OCF_NOT_INSTALLED:
        return STOPPED, Failure(op=op, hard=True)
    if rc in HARD_ERRORS or rc == OCF_NOT_CONFIGURED:
        return (STARTED if role in (UNKNOWN, STOPPED) else role), _failure(op)
    new_role = STARTED if role in (UNKNOWN, STOPPED) else role
    return new_role, _failure(op)

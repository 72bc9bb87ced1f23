"""Operation digests: has a resource's definition changed since it was started?

A digest is the MD5 of the operation's parameters as a canonical XML element
(``<parameters a="1" b="2"/>``, attributes sorted by name), the form Pacemaker records in
``op-digest``. Recurring operations also digest their own timeout. When only reloadable
parameters changed (``op-restart-digest`` still matches over the parameters named in
``op-force-restart``), the resource is reloaded instead of restarted.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping

from buttress.model.nvsets import NvSet
from buttress.model.resources import Operation, Primitive
from buttress.model.status import HistoryOp
from buttress.scheduler.rules import RuleContext, resolve_nvsets
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import WRsc
from buttress.state.history import OCF_OK, OCF_RUNNING_PROMOTED, NodeHistory, is_probe
from buttress.timeutil import parse_interval_ms

RESTART = "restart"
RELOAD = "reload"
#: a restart that does not announce "resource definition change"
RESTART_QUIETLY = "restart-quietly"


def _escape(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def digest(params: Mapping[str, str]) -> str:
    body = "".join(f' {name}="{_escape(params[name])}"' for name in sorted(params))
    return hashlib.md5(f" <parameters{body}/>\n".encode()).hexdigest()


def op_params(rsc: WRsc, op: HistoryOp) -> dict[str, str]:
    """The parameters Pacemaker digests for this recorded operation."""
    return digest_params(rsc.params, rsc.operations, op.operation, op.interval_ms)


def _configured(operations: tuple[Operation, ...], task: str,
                interval_ms: int) -> Operation | None:
    for configured in operations:
        if configured.name == task and configured.interval_ms == interval_ms:
            return configured
    return None


def digest_params(params: Mapping[str, str], operations: tuple[Operation, ...], task: str,
                  interval_ms: int, now: int = 0) -> dict[str, str]:
    """Resource parameters, plus the operation's own parameters (its
    ``instance_attributes``, which win), plus the timeout of a recurring operation."""
    found = dict(params)
    configured = _configured(operations, task, interval_ms)
    if configured is not None:
        found.update(resolve_nvsets(configured.instance, RuleContext(now=now)))
        if interval_ms > 0 and configured.timeout:
            with contextlib.suppress(ValueError):
                found["CRM_meta_timeout"] = str(parse_interval_ms(configured.timeout))
    return found


def primitive_digest(prim: Primitive, task: str, interval_ms: int, now: int,
                     inherited: tuple[tuple[NvSet, ...], ...] = ()) -> str:
    """The op-digest an executor records for ``task`` of a configured primitive;
    ``inherited`` are the parameter sets of its group and clone, innermost first."""
    ctx = RuleContext(now=now)
    params = resolve_nvsets(prim.instance, ctx)
    for sets in inherited:
        for key, value in resolve_nvsets(sets, ctx).items():
            params.setdefault(key, value)
    return digest(digest_params(params, prim.operations, task, interval_ms, now))


def definition_change(rsc: WRsc, op: HistoryOp) -> str | None:
    """RESTART, RELOAD or None for one recorded start-like operation.

    Checked in this order (observed on crm_simulate): an operation recorded without a
    digest counts as changed; a matching digest is no change; a matching secure digest
    (the parameters without the secret ones) is no change either; a matching restart
    digest (over the non-reloadable parameters, all of them unless ``op-force-restart``
    names them) calls for a reload, unless the operation
    carries parameters of its own (those are never reloadable); anything else restarts.
    """
    if op.op_digest is None:
        return RESTART
    params = op_params(rsc, op)
    if digest(params) == op.op_digest:
        return None
    if op.op_secure_digest is not None:
        secret = set((op.secure_params or "").split())
        public = {k: v for k, v in params.items() if k not in secret
                  and not (rsc.rsc_class == "stonith" and k.startswith("pcmk_"))}
        if digest(public) == op.op_secure_digest:
            return None
    if op.op_restart_digest is not None:
        configured = _configured(rsc.operations, op.operation, op.interval_ms)
        own = configured is not None and any(s.pairs for s in configured.instance)
        # without a list of the non-reloadable parameters, all of them count
        names = set(op.force_restart.split()) if op.force_restart is not None else set(params)
        restart_params = {k: v for k, v in params.items() if k in names}
        if not own and digest(restart_params) == op.op_restart_digest:
            return RELOAD
    return RESTART


def _checked_ops(history: NodeHistory) -> list[HistoryOp]:
    """The operations whose digests tell the definition the resource runs with: its last
    start (or migration, reload), and any probe that found it running since."""
    checked: list[HistoryOp] = []
    if history.start_op is not None:
        checked.append(history.start_op)
    seen_start = history.start_op is None
    for op in history.ops:
        if op is history.start_op:
            seen_start = True
            continue
        if seen_start and is_probe(op) and op.rc_code in (OCF_OK, OCF_RUNNING_PROMOTED) \
                and op.op_status == 0:
            checked.append(op)
    return checked


def node_change(rsc: WRsc, history: NodeHistory, agent_changed: bool) -> str | None:
    """What the resource's definition calls for on one node where it is active."""
    change: str | None = None
    for op in _checked_ops(history):
        found = definition_change(rsc, op)
        if found is not None and (change is None or found == RESTART):
            change = found
        if found == RELOAD and history.pending is op:
            # a reload cannot replace a start still in flight: it restarts instead
            change = RESTART_QUIETLY if change != RESTART else change
    if agent_changed and change != RESTART:
        # the agent itself was replaced: its history is wiped and it restarts, without
        # the definition-change reason unless its parameters changed too
        return RESTART_QUIETLY
    return change


def apply_digests(cluster: Cluster) -> None:
    recorded = {(state.uname, lrm.id): (lrm.rsc_class, lrm.provider, lrm.type)
                for state in cluster.cib.status.nodes for lrm in state.history}
    for rsc in cluster.by_id.values():
        if rsc.variant != "primitive" or rsc.orphan or rsc.extra.get("no_digest"):
            continue
        for node_name, history in rsc.history.items():
            if not history.active or (history.start_op is None and not history.probed):
                continue
            agent = recorded.get((node_name, rsc.history_ids.get(node_name, rsc.id)))
            agent_changed = agent is not None and agent[0] is not None and \
                agent != (rsc.rsc_class, rsc.provider, rsc.type)
            change = node_change(rsc, history, agent_changed)
            if change is not None:
                rsc.extra.setdefault("changed_on", {})[node_name] = change

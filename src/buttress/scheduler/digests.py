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
from buttress.timeutil import parse_interval_ms

RESTART = "restart"
RELOAD = "reload"


def _escape(value: str) -> str:
    return (value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;"))


def digest(params: Mapping[str, str]) -> str:
    body = "".join(f' {name}="{_escape(params[name])}"' for name in sorted(params))
    return hashlib.md5(f" <parameters{body}/>\n".encode()).hexdigest()


def op_params(rsc: WRsc, op: HistoryOp) -> dict[str, str]:
    """The parameters Pacemaker digests for this recorded operation."""
    return digest_params(rsc.params, rsc.operations, op.operation, op.interval_ms)


def digest_params(params: Mapping[str, str], operations: tuple[Operation, ...], task: str,
                  interval_ms: int) -> dict[str, str]:
    """Resource parameters, plus the timeout of a recurring operation."""
    found = dict(params)
    if interval_ms > 0:
        for configured in operations:
            if configured.name == task and configured.interval_ms == interval_ms \
                    and configured.timeout:
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
    return digest(digest_params(params, prim.operations, task, interval_ms))


def definition_change(rsc: WRsc, op: HistoryOp) -> str | None:
    """RESTART, RELOAD or None for the resource's last start-like operation."""
    if op.op_digest is None:
        return None
    params = op_params(rsc, op)
    if digest(params) == op.op_digest:
        return None
    if rsc.rsc_class == "stonith" and op.op_secure_digest is not None:
        # fence devices are judged on their parameters without the secret ones and without
        # the fencer's own pcmk_* settings
        secret = set((op.secure_params or "").split())
        public = {k: v for k, v in params.items()
                  if k not in secret and not k.startswith("pcmk_")}
        return None if digest(public) == op.op_secure_digest else RESTART
    if op.op_restart_digest is not None:
        names = (op.force_restart or "").split()
        restart_params = {k: v for k, v in params.items() if k in names}
        if digest(restart_params) == op.op_restart_digest:
            return RELOAD
    return RESTART


def apply_digests(cluster: Cluster) -> None:
    for rsc in cluster.by_id.values():
        if rsc.variant != "primitive" or rsc.orphan or rsc.extra.get("bundled"):
            # (a bundle's implicit resources have parameters Pacemaker derives itself; their
            # recorded digests are not compared)
            continue
        for node_name, history in rsc.history.items():
            if not history.active or history.start_op is None:
                continue
            change = definition_change(rsc, history.start_op)
            if change is not None:
                rsc.extra.setdefault("changed_on", {})[node_name] = change

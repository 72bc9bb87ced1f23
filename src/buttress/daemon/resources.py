"""From the stored configuration to what a node agent runs: primitives and their requests.

A node agent is told only *which* resource and operation to run (an ActionOrder); the
definition (agent, parameters, meta attributes, operation timeout) comes from the
configuration it reads from the store, so secrets never travel in action orders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from buttress.exec import ActionRequest, AgentSpec
from buttress.fencing import FenceDevice, FenceLevel
from buttress.model import Cib, Clone, Group, Primitive
from buttress.model.nvsets import merge_unruled
from buttress.timeutil import parse_interval_ms

DEFAULT_TIMEOUT_S = 20.0
_INSTANCE = re.compile(r"^(?P<base>.+):(?P<n>\d+)$")


@dataclass(frozen=True)
class ResolvedResource:
    """A configured primitive with the meta attributes its parents pass down."""

    primitive: Primitive
    params: dict[str, str]
    meta: dict[str, str]
    in_clone: bool


def _merge(*parts: dict[str, str]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for part in parts:
        merged.update(part)
    return merged


def index_primitives(cib: Cib) -> dict[str, ResolvedResource]:
    """Every primitive by id, with clone/group meta merged in (child values win)."""
    found: dict[str, ResolvedResource] = {}
    defaults = merge_unruled(cib.configuration.rsc_defaults)

    def add(prim: Primitive, parent_meta: dict[str, str], in_clone: bool) -> None:
        meta = _merge(defaults, parent_meta, merge_unruled(prim.meta))
        found[prim.id] = ResolvedResource(prim, merge_unruled(prim.instance), meta, in_clone)

    for rsc in cib.configuration.resources:
        if isinstance(rsc, Primitive):
            add(rsc, {}, False)
        elif isinstance(rsc, Group):
            for child in rsc.children:
                add(child, merge_unruled(rsc.meta), False)
        elif isinstance(rsc, Clone):
            clone_meta = merge_unruled(rsc.meta)
            if rsc.legacy_master:
                clone_meta.setdefault("promotable", "true")
            clone_meta.setdefault("clone-max", str(len(cib.configuration.nodes) or 1))
            clone_meta.setdefault("clone-node-max", "1")
            clone_meta.setdefault("globally-unique", "false")
            if clone_meta.get("promotable", "").lower() in ("true", "yes", "1", "on"):
                clone_meta.setdefault("promoted-max", clone_meta.get("master-max", "1"))
                clone_meta.setdefault("promoted-node-max", "1")
                clone_meta.setdefault("master-max", clone_meta["promoted-max"])
            if isinstance(rsc.child, Group):
                for child in rsc.child.children:
                    add(child, _merge(clone_meta, merge_unruled(rsc.child.meta)), True)
            else:
                add(rsc.child, clone_meta, True)
    return found


def base_id(resource: str) -> str:
    match = _INSTANCE.match(resource)
    return match.group("base") if match else resource


def op_timeout_s(prim: Primitive, task: str, interval_ms: int, op_defaults: dict[str, str]
                 ) -> float:
    """The configured timeout of the operation, else op_defaults, else 20 s."""
    for op in prim.operations:
        if op.name == task and op.interval_ms == interval_ms and op.timeout:
            return parse_interval_ms(op.timeout) / 1000
    if task in ("monitor",) and interval_ms == 0:
        for op in prim.operations:
            if op.name == "monitor" and op.timeout:
                return parse_interval_ms(op.timeout) / 1000
    value = op_defaults.get("timeout")
    return parse_interval_ms(value) / 1000 if value else DEFAULT_TIMEOUT_S


def op_attributes(prim: Primitive, task: str, interval_ms: int) -> dict[str, str]:
    """Instance attributes of the configured op (e.g. OCF_CHECK_LEVEL)."""
    for op in prim.operations:
        if op.name == task and op.interval_ms == interval_ms:
            return dict(op.attributes)
    return {}


def build_request(res: ResolvedResource, instance: str, resource_id: str, task: str,
                  interval_ms: int, op_defaults: dict[str, str],
                  extra_meta: dict[str, str] | None = None) -> ActionRequest:
    """The ActionRequest of one operation (``extra_meta``: meta attributes of this call
    only, such as a notification's ``notify_*``). Raises ValueError for a malformed agent."""
    prim = res.primitive
    spec = AgentSpec("ocf", prim.type, prim.provider) if prim.rsc_class == "ocf" \
        else AgentSpec.parse(f"{prim.rsc_class}:{prim.type}")
    meta = {k: v for k, v in res.meta.items()
            if k not in ("target-role", "is-managed", "resource-stickiness")}
    match = _INSTANCE.match(instance)
    if res.in_clone and match:
        meta["clone"] = match.group("n")
    meta.update(extra_meta or {})
    params = dict(res.params)
    params.update(op_attributes(prim, task, interval_ms))
    return ActionRequest.build(resource_id, spec, task, params=params, meta=meta,
                               timeout_s=op_timeout_s(prim, task, interval_ms, op_defaults),
                               interval_ms=interval_ms)


def fence_devices(cib: Cib) -> list[FenceDevice]:
    """Every configured stonith primitive as a FenceDevice (params hidden from repr)."""
    devices = []
    for res in index_primitives(cib).values():
        prim = res.primitive
        if prim.rsc_class != "stonith":
            continue
        priority = res.params.get("priority") or res.meta.get("priority") or "0"
        try:
            devices.append(FenceDevice.from_params(prim.id, prim.type, res.params,
                                                   int(priority) if priority.isdigit() else 0))
        except ValueError:
            continue
    return devices


def fence_levels(cib: Cib) -> list[FenceLevel]:
    levels = []
    for level in cib.configuration.fencing_levels:
        attribute = None
        if level.target_attribute:
            attribute = (level.target_attribute, level.target_value or "")
        levels.append(FenceLevel(level.index, tuple(level.devices), target=level.target,
                                 target_pattern=level.target_pattern,
                                 target_attribute=attribute))
    return levels

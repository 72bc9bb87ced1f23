"""Resource operations (``<op>``): pcs default operations, validation, add and remove.

Default operations follow what pcs writes (observed in CIBs it produced): one ``<op>`` per
action of the agent's meta-data except ``meta-data``, ``status``, ``validate-all`` and the
fence-only actions; ``interval`` from the meta-data (``0s`` for non-monitor actions, ``60s``
for a monitor without one), ``timeout`` and ``role`` (Master/Slave become
Promoted/Unpromoted) as given; ``depth`` is dropped. An operation the user specifies
replaces every default operation of the same name. Stonith resources and agents without
meta-data get a single ``monitor interval=60s``. Operations are written sorted by name.
Op ids are ``<rsc>-<name>-interval-<interval>``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from buttress.agents.metadata import AgentMetadata
from buttress.cib.edit.document import CibDocument, Element
from buttress.cib.edit.errors import DuplicateIdError, InvalidValueError, NotFoundError
from buttress.cib.edit.values import normalize_bool, normalize_role
from buttress.timeutil import parse_interval_ms

#: Meta-data actions that never become configured operations.
SKIPPED_ACTIONS = frozenset({
    "meta-data", "metadata", "status", "validate-all", "manpage", "on", "off", "reboot",
    "diag", "list", "list-status",
})

#: Attributes an ``<op>`` may carry (besides id/name); OCF_CHECK_LEVEL is an instance
#: attribute of the op and handled separately.
OP_ATTRIBUTES = frozenset({
    "interval", "description", "start-delay", "interval-origin", "timeout", "enabled",
    "record-pending", "role", "requires", "on-fail",
})
_ON_FAIL = ("ignore", "block", "demote", "stop", "restart", "standby", "fence",
            "restart-container")
_REQUIRES = ("nothing", "quorum", "fencing", "unfencing")


@dataclass
class OpSpec:
    """One operation as the user wrote it: ``op <name> key=value ...``."""

    name: str
    options: list[tuple[str, str]] = field(default_factory=list)

    def get(self, key: str) -> str | None:
        for k, v in self.options:
            if k == key:
                return v
        return None


def _check_time(value: str, what: str) -> None:
    try:
        parse_interval_ms(value)
    except (ValueError, TypeError):
        raise InvalidValueError(f"invalid {what} '{value}' of an operation") from None


def validate_op(op: OpSpec) -> OpSpec:
    """Check names and values of one op's options; returns it with roles normalised."""
    if not op.name or "=" in op.name:
        raise InvalidValueError(f"invalid operation name '{op.name}'")
    cleaned: list[tuple[str, str]] = []
    for key, value in op.options:
        if key == "OCF_CHECK_LEVEL" or key == "id":
            cleaned.append((key, value))
            continue
        if key not in OP_ATTRIBUTES:
            raise InvalidValueError(
                f"invalid option '{key}' of operation '{op.name}', allowed options are: "
                + ", ".join(sorted(OP_ATTRIBUTES | {"OCF_CHECK_LEVEL", "id"})))
        if key in ("interval", "timeout", "start-delay"):
            _check_time(value, key)
        elif key == "role":
            value = normalize_role(value)
        elif key == "on-fail" and value not in _ON_FAIL:
            raise InvalidValueError(f"invalid on-fail '{value}', use one of {', '.join(_ON_FAIL)}")
        elif key == "requires" and value not in _REQUIRES:
            raise InvalidValueError(f"invalid requires '{value}', use one of "
                                    f"{', '.join(_REQUIRES)}")
        elif key in ("enabled", "record-pending"):
            value = normalize_bool(value, f"operation option '{key}'")
        cleaned.append((key, value))
    return OpSpec(op.name, cleaned)


def default_ops(metadata: AgentMetadata | None, stonith: bool) -> list[OpSpec]:
    """The operations pcs writes when the user gives none for an action."""
    if stonith or metadata is None:
        return [OpSpec("monitor", [("interval", "60s")])]
    ops: list[OpSpec] = []
    for action in metadata.actions:
        if action.name in SKIPPED_ACTIONS:
            continue
        interval = action.interval or ("60s" if action.name == "monitor" else "0s")
        options = [("interval", interval)]
        if action.timeout:
            options.append(("timeout", action.timeout))
        if action.role:
            options.append(("role", normalize_role(action.role)))
        ops.append(OpSpec(action.name, options))
    if not any(op.name == "monitor" for op in ops):
        ops.append(OpSpec("monitor", [("interval", "60s")]))
    return ops


def merge_ops(defaults: list[OpSpec], user: list[OpSpec]) -> list[OpSpec]:
    """User ops replace defaults of the same name; user ops get an interval if missing;
    the result is sorted by name (stable)."""
    user_names = {op.name for op in user}
    merged = [op for op in defaults if op.name not in user_names]
    for op in user:
        if op.get("interval") is None:
            interval = "60s" if op.name == "monitor" else "0s"
            op = OpSpec(op.name, [*op.options, ("interval", interval)])
        merged.append(op)
    merged.sort(key=lambda o: o.name)
    return merged


def op_key(op: OpSpec) -> tuple[str, int, str]:
    interval = op.get("interval") or "0"
    return op.name, parse_interval_ms(interval), (op.get("role") or "")


def check_duplicates(ops: list[OpSpec], rsc_id: str) -> None:
    seen: set[tuple[str, int]] = set()
    for op in ops:
        name, ms, _role = op_key(op)
        if (name, ms) in seen:
            raise DuplicateIdError(f"resource '{rsc_id}' would have two '{name}' operations "
                                   f"with interval {op.get('interval')}")
        seen.add((name, ms))


def append_op(doc: CibDocument, operations: Element, rsc_id: str, op: OpSpec) -> Element:
    """Write one ``<op>`` element with a pcs-style id into ``operations``."""
    interval = op.get("interval") or "0s"
    explicit_id = op.get("id")
    if explicit_id is not None:
        if explicit_id in doc.ids():
            raise DuplicateIdError(f"id '{explicit_id}' is already in use")
        op_id = explicit_id
    else:
        op_id = doc.unique_id(f"{rsc_id}-{op.name}-interval-{interval}")
    el = etree.SubElement(operations, "op", name=op.name)
    check_level: str | None = None
    for key, value in op.options:
        if key == "id":
            continue
        if key == "OCF_CHECK_LEVEL":
            check_level = value
            continue
        el.set(key, value)
    if el.get("interval") is None:
        el.set("interval", interval)
    el.set("id", op_id)
    if check_level is not None:
        ia_id = doc.unique_id(f"{op_id}-instance_attributes")
        ia = etree.SubElement(el, "instance_attributes", id=ia_id)
        etree.SubElement(ia, "nvpair", id=doc.unique_id(f"{op_id}-OCF_CHECK_LEVEL"),
                         name="OCF_CHECK_LEVEL", value=check_level)
    return el


def ensure_operations(primitive: Element) -> Element:
    ops = primitive.find("operations")
    if ops is None:
        ops = etree.SubElement(primitive, "operations")
    return ops


def existing_ops(primitive: Element) -> list[OpSpec]:
    ops = primitive.find("operations")
    if ops is None:
        return []
    return [OpSpec(str(o.get("name")), [(str(k), str(v)) for k, v in o.attrib.items()
                                         if k not in ("name", "id")])
            for o in ops.findall("op")]


def add_op(doc: CibDocument, primitive: Element, op: OpSpec, force: bool = False) -> Element:
    """``resource op add``: refuse a second op with the same name and interval."""
    op = validate_op(op)
    if op.get("interval") is None:
        op = OpSpec(op.name, [*op.options, ("interval", "60s" if op.name == "monitor" else "0s")])
    if not force:
        check_duplicates([*existing_ops(primitive), op], str(primitive.get("id")))
    return append_op(doc, ensure_operations(primitive), str(primitive.get("id")), op)


def remove_ops(primitive: Element, name: str, options: list[tuple[str, str]]) -> int:
    """Remove the ops named ``name`` whose attributes match every given option.

    Returns how many were removed; raises NotFoundError if none matched.
    """
    ops = primitive.find("operations")
    removed = 0
    if ops is not None:
        for el in list(ops.findall("op")):
            if el.get("name") != name:
                continue
            if all(_same_option(el.get(k), k, v) for k, v in options):
                ops.remove(el)
                removed += 1
    if not removed:
        raise NotFoundError(f"resource '{primitive.get('id')}' has no matching '{name}' "
                            "operation")
    return removed


def _same_option(current: str | None, key: str, wanted: str) -> bool:
    if current is None:
        return False
    if key in ("interval", "timeout", "start-delay"):
        try:
            return parse_interval_ms(current) == parse_interval_ms(wanted)
        except (ValueError, TypeError):
            return current == wanted
    if key == "role":
        return normalize_role(current) == normalize_role(wanted)
    return current == wanted


def remove_op_by_id(doc: CibDocument, op_id: str) -> None:
    el = doc.find_by_id(op_id)
    if el is None or el.tag != "op":
        raise NotFoundError(f"operation '{op_id}' does not exist")
    parent = el.getparent()
    assert parent is not None
    parent.remove(el)


def write_ops(doc: CibDocument, primitive: Element, ops: list[OpSpec]) -> None:
    operations = ensure_operations(primitive)
    for op in ops:
        append_op(doc, operations, str(primitive.get("id")), op)

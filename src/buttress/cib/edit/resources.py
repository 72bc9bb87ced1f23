"""Create, update and delete resources (primitives, with clone/promotable/group wrappers).

Contract of every function here: validate first, then change the tree; a raised EditError
means the caller must not save the document. Ids follow pcs: ``X-instance_attributes``,
``X-meta_attributes``, ``X-clone``, ``X-clone-meta_attributes``, op ids as in
:mod:`buttress.cib.edit.operations`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from lxml import etree

from buttress.agents.metadata import AgentMetadata, AgentName
from buttress.cib.edit.constraints import remove_constraints_referencing
from buttress.cib.edit.document import RESOURCE_TAGS, CibDocument, Element, validate_id
from buttress.cib.edit.errors import DuplicateIdError, ForceRequiredError, InvalidValueError
from buttress.cib.edit.nvsets import update_set
from buttress.cib.edit.operations import (
    OpSpec,
    append_op,
    check_duplicates,
    default_ops,
    ensure_operations,
    merge_ops,
    validate_op,
    write_ops,
)

#: Fence agent parameters pcs never asks for (Pacemaker fills them per action/target).
_FENCE_IMPLICIT = frozenset({"action", "port", "plug", "nodename"})
#: Instance attributes of stonith resources handled by the fencer itself.
_FENCER_PARAMS = frozenset({"priority"})


@dataclass
class ResourceSpec:
    """Everything ``resource create`` / ``stonith create`` was told.

    ``wrapper`` is None, ``"clone"``, ``"promotable"`` or ``"group"``; ``wrapper_id`` the
    clone or group id (default ``X-`` + ``wrapper_suffix``: ``X-clone``, or ``X-master``
    for the pcs 0.9 ``--master``).
    """

    rsc_id: str
    agent: AgentName
    instance: list[tuple[str, str]] = field(default_factory=list)
    ops: list[OpSpec] = field(default_factory=list)
    meta: list[tuple[str, str]] = field(default_factory=list)
    wrapper: str | None = None
    wrapper_id: str | None = None
    wrapper_meta: list[tuple[str, str]] = field(default_factory=list)
    wrapper_suffix: str = "clone"
    before: str | None = None
    after: str | None = None
    disabled: bool = False
    force: bool = False
    no_default_ops: bool = False


def check_new_id(doc: CibDocument, new_id: str, what: str = "id") -> None:
    validate_id(new_id, what)
    if new_id in doc.ids():
        raise DuplicateIdError(f"'{new_id}' already exists")


def validate_instance(metadata: AgentMetadata, pairs: list[tuple[str, str]], *,
                      stonith: bool, force: bool, check_required: bool = True) -> None:
    """Unknown names and missing required parameters need ``force``."""
    allowed = set(metadata.parameter_names)
    unknown = [name for name, _v in pairs
               if name not in allowed
               and not (stonith and (name.startswith("pcmk_") or name in _FENCER_PARAMS))]
    if unknown and not force:
        names = ", ".join(f"'{n}'" for n in sorted(set(unknown)))
        listed = ", ".join(sorted(allowed)) or "none"
        raise ForceRequiredError(f"invalid option(s) {names} for agent '{metadata.agent}', "
                                 f"allowed options are: {listed}")
    if not check_required:
        return
    given = {name for name, value in pairs if value != ""}
    missing = []
    for param in metadata.parameters:
        if not param.required or param.deprecated or param.name in given:
            continue
        if stonith and param.name in _FENCE_IMPLICIT:
            continue
        if param.obsoletes and param.obsoletes in given:
            continue
        missing.append(param.name)
    if missing and not force:
        names = ", ".join(f"'{n}'" for n in missing)
        raise ForceRequiredError(f"required option(s) {names} of agent '{metadata.agent}' "
                                 "are missing")


def build_primitive(doc: CibDocument, spec: ResourceSpec, metadata: AgentMetadata | None
                    ) -> Element:
    """Validate ``spec`` and return a detached ``<primitive>`` element for it."""
    check_new_id(doc, spec.rsc_id, "resource id")
    stonith = spec.agent.standard == "stonith"
    if metadata is None and not spec.force:
        raise ForceRequiredError(f"agent '{spec.agent}' is not installed or does not provide "
                                 "valid metadata")
    if metadata is not None:
        validate_instance(metadata, spec.instance, stonith=stonith, force=spec.force)
    user_ops = [validate_op(op) for op in spec.ops]
    defaults = [] if spec.no_default_ops else default_ops(metadata, stonith)
    if spec.no_default_ops and not any(op.name == "monitor" for op in user_ops):
        defaults = [OpSpec("monitor", [("interval", "60s")])]
    ops = merge_ops(defaults, user_ops)
    check_duplicates(ops, spec.rsc_id)

    prim = etree.Element("primitive", id=spec.rsc_id)
    prim.set("class", spec.agent.standard)
    prim.set("type", spec.agent.type)
    if spec.agent.provider:
        prim.set("provider", spec.agent.provider)
    # Attach temporarily so that generated ids see each other.
    doc.resources.append(prim)
    try:
        update_set(doc, prim, "instance_attributes",
                   [(n, v) for n, v in spec.instance if v != ""], sort_new=True)
        meta = list(spec.meta)
        if spec.disabled:
            meta.append(("target-role", "Stopped"))
        update_set(doc, prim, "meta_attributes", meta, sort_new=True)
        write_ops(doc, prim, ops)
    finally:
        doc.resources.remove(prim)
    return prim


def create_resource(doc: CibDocument, spec: ResourceSpec, metadata: AgentMetadata | None
                    ) -> Element:
    """``resource create`` / ``stonith create``: add the primitive (and its wrapper)."""
    prim = build_primitive(doc, spec, metadata)
    if spec.wrapper in ("clone", "promotable"):
        clone_id = spec.wrapper_id or f"{spec.rsc_id}-{spec.wrapper_suffix}"
        if clone_id == spec.rsc_id:
            raise InvalidValueError(f"clone id '{clone_id}' must differ from the resource id")
        check_new_id(doc, clone_id, "clone id")
        clone = etree.SubElement(doc.resources, "clone", id=clone_id)
        clone.append(prim)
        meta = list(spec.wrapper_meta)
        if spec.wrapper == "promotable":
            meta = [(n, v) for n, v in meta if n != "promotable"] + [("promotable", "true")]
        update_set(doc, clone, "meta_attributes", meta, sort_new=True)
    elif spec.wrapper == "group":
        assert spec.wrapper_id is not None
        from buttress.cib.edit.wrappers import insert_into_group

        doc.resources.append(prim)
        insert_into_group(doc, spec.wrapper_id, [prim], before=spec.before, after=spec.after)
    else:
        doc.resources.append(prim)
    return prim


def update_resource(doc: CibDocument, rsc_id: str, instance: list[tuple[str, str]],
                    ops: list[OpSpec], meta: list[tuple[str, str]],
                    metadata: AgentMetadata | None, force: bool) -> None:
    """``resource update`` / ``stonith update``.

    On a primitive: instance attributes are set (empty value removes), each op replaces the
    first op of the same name (or is added), meta attributes are set. On a clone, group or
    bundle the plain options are its meta attributes.
    """
    el = doc.get_resource(rsc_id)
    if el.tag != "primitive":
        if ops:
            raise InvalidValueError(f"'{rsc_id}' is a {el.tag}: operations belong to primitives")
        update_set(doc, el, "meta_attributes", [*instance, *meta])
        return
    if metadata is not None and instance:
        validate_instance(metadata, [p for p in instance if p[1] != ""],
                          stonith=el.get("class") == "stonith", force=force,
                          check_required=False)
    checked = [validate_op(op) for op in ops]
    update_set(doc, el, "instance_attributes", instance)
    update_set(doc, el, "meta_attributes", meta)
    for op in checked:
        operations = ensure_operations(el)
        current = next((o for o in operations.findall("op") if o.get("name") == op.name), None)
        if op.get("interval") is None:
            op = OpSpec(op.name, [*op.options,
                                  ("interval", "60s" if op.name == "monitor" else "0s")])
        position = len(operations)
        if current is not None:
            position = operations.index(current)
            operations.remove(current)
        new = append_op(doc, operations, rsc_id, op)
        operations.remove(new)
        operations.insert(position, new)


def set_meta(doc: CibDocument, rsc_id: str, pairs: list[tuple[str, str]]) -> None:
    """``resource meta``: set (or, with an empty value, remove) meta attributes."""
    el = doc.get_resource(rsc_id)
    update_set(doc, el, "meta_attributes", pairs)


def delete_resource(doc: CibDocument, rsc_id: str) -> list[str]:
    """``resource delete``: remove the resource, wrappers left empty, every constraint and
    fencing level device referring to it, and the node entry of a remote node it defines.

    Returns the ids of the removed resources (outermost first).
    """
    el = doc.get_resource(rsc_id)
    target = el
    while True:
        parent = target.getparent()
        if parent is None or parent.tag not in RESOURCE_TAGS:
            break
        siblings = [c for c in parent if isinstance(c.tag, str) and c.tag in RESOURCE_TAGS]
        if parent.tag in ("clone", "master", "bundle") or len(siblings) == 1:
            target = parent
        else:
            break
    removed = [str(r.get("id")) for r in target.iter(*RESOURCE_TAGS)]
    remote_names = {name for name, prim in doc.remote_node_names().items()
                    if prim.get("id") in removed}
    holder = target.getparent()
    assert holder is not None
    holder.remove(target)
    remove_constraints_referencing(doc, set(removed))
    from buttress.cib.edit.stonith import remove_device_from_levels

    for rid in removed:
        remove_device_from_levels(doc, rid)
    for name in remote_names:
        node = doc.find_node(name)
        if node is not None and node.get("type") == "remote":
            doc.nodes.remove(node)
    return removed

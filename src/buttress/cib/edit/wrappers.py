"""Groups and clones around existing resources: group add/remove, ungroup, clone,
promotable, unclone."""

from __future__ import annotations

from lxml import etree

from buttress.cib.edit.constraints import remove_constraints_referencing, rename_references
from buttress.cib.edit.document import RESOURCE_TAGS, CibDocument, Element, validate_id
from buttress.cib.edit.errors import DuplicateIdError, InvalidValueError, NotFoundError
from buttress.cib.edit.nvsets import update_set


def _child_resources(el: Element) -> list[Element]:
    return [c for c in el if isinstance(c.tag, str) and c.tag in RESOURCE_TAGS]


def insert_into_group(doc: CibDocument, group_id: str, members: list[Element],
                      before: str | None = None, after: str | None = None) -> Element:
    """Move primitives ``members`` (in order) into group ``group_id``, created at the end
    of the resources section if missing. ``before``/``after`` name a current member."""
    if before and after:
        raise InvalidValueError("give --before or --after, not both")
    group = doc.find_resource(group_id)
    if group is None:
        validate_id(group_id, "group id")
        if group_id in doc.ids():
            raise DuplicateIdError(f"'{group_id}' already exists and is not a group")
        # A new group takes the place of its first member when that member is top level.
        first = members[0]
        parent = first.getparent()
        group = etree.Element("group", id=group_id)
        if parent is not None and parent.tag == "resources":
            parent.insert(parent.index(first), group)
        else:
            doc.resources.append(group)
    elif group.tag != "group":
        raise InvalidValueError(f"'{group_id}' is a {group.tag}, not a group")
    anchor: Element | None = None
    ref = before or after
    if ref is not None:
        anchor = next((c for c in _child_resources(group) if c.get("id") == ref), None)
        if anchor is None:
            raise NotFoundError(f"'{ref}' is not a member of group '{group_id}'")
    for member in members:
        if member.tag != "primitive":
            raise InvalidValueError(f"'{member.get('id')}' is a {member.tag}: only primitives "
                                    "can be put in a group")
        if member is anchor:
            raise InvalidValueError(f"cannot put '{member.get('id')}' next to itself")
        parent = member.getparent()
        if parent is not None and parent.tag in ("clone", "master", "bundle"):
            raise InvalidValueError(f"'{member.get('id')}' is in {parent.tag} "
                                    f"'{parent.get('id')}' and cannot be grouped")
        old_group = parent if parent is not None and parent.tag == "group" else None
        if parent is not None:
            parent.remove(member)
        if anchor is not None:
            idx = group.index(anchor)
            group.insert(idx if before else idx + 1, member)
            if after:
                anchor = member
        else:
            pos = _after_last_member(group)
            group.insert(pos, member)
        if old_group is not None and old_group is not group and not _child_resources(old_group):
            _drop_empty(doc, old_group)
    return group


def _after_last_member(group: Element) -> int:
    members = _child_resources(group)
    return group.index(members[-1]) + 1 if members else 0


def _drop_empty(doc: CibDocument, group: Element) -> None:
    holder = group.getparent()
    assert holder is not None
    gid = str(group.get("id"))
    if holder.tag in ("clone", "master"):
        clone_id = str(holder.get("id"))
        outer = holder.getparent()
        assert outer is not None
        outer.remove(holder)
        remove_constraints_referencing(doc, {gid, clone_id})
    else:
        holder.remove(group)
        remove_constraints_referencing(doc, {gid})


def group_add(doc: CibDocument, group_id: str, rsc_ids: list[str], before: str | None = None,
              after: str | None = None) -> Element:
    """``resource group add``."""
    if not rsc_ids:
        raise InvalidValueError("name at least one resource to put in the group")
    members = [doc.get_resource(r) for r in rsc_ids]
    if group_id in rsc_ids:
        raise InvalidValueError(f"cannot put group '{group_id}' into itself")
    return insert_into_group(doc, group_id, members, before=before, after=after)


def group_remove(doc: CibDocument, group_id: str, rsc_ids: list[str]) -> None:
    """``resource group remove`` / ``ungroup``: move members out to the top level, after the
    group (or its clone); all members when none is named. An emptied group is removed with
    its constraints."""
    group = doc.get_resource(group_id)
    if group.tag != "group":
        raise InvalidValueError(f"'{group_id}' is a {group.tag}, not a group")
    members = _child_resources(group)
    chosen = members if not rsc_ids else []
    for rid in rsc_ids:
        found = next((m for m in members if m.get("id") == rid), None)
        if found is None:
            raise NotFoundError(f"'{rid}' is not a member of group '{group_id}'")
        chosen.append(found)
    outer = group
    if group.getparent() is not None and group.getparent().tag in ("clone", "master"):  # type: ignore[union-attr]
        if len(chosen) != len(members):
            raise InvalidValueError(f"group '{group_id}' is cloned: ungroup all its members "
                                    "or none")
        outer = group.getparent()  # type: ignore[assignment]
    holder = outer.getparent()
    assert holder is not None
    position = holder.index(outer) + 1
    for member in chosen:
        group.remove(member)
        holder.insert(position, member)
        position += 1
    if not _child_resources(group):
        _drop_empty(doc, group)


def clone_resource(doc: CibDocument, rsc_id: str, clone_id: str | None,
                   meta: list[tuple[str, str]], promotable: bool) -> Element:
    """``resource clone`` / ``resource promotable``: wrap a primitive or group."""
    el = doc.get_resource(rsc_id)
    if el.tag not in ("primitive", "group"):
        raise InvalidValueError(f"'{rsc_id}' is a {el.tag}: only primitives and groups can "
                                "be cloned")
    parent = el.getparent()
    assert parent is not None
    if parent.tag != "resources":
        raise InvalidValueError(f"'{rsc_id}' is inside {parent.tag} '{parent.get('id')}'")
    new_id = clone_id or f"{rsc_id}-clone"
    validate_id(new_id, "clone id")
    if new_id in doc.ids():
        raise DuplicateIdError(f"'{new_id}' already exists")
    clone = etree.Element("clone", id=new_id)
    parent.replace(el, clone)
    clone.append(el)
    pairs = list(meta)
    if promotable:
        pairs = [(n, v) for n, v in pairs if n != "promotable"] + [("promotable", "true")]
    update_set(doc, clone, "meta_attributes", pairs, sort_new=True)
    return clone


def unclone(doc: CibDocument, rsc_id: str) -> None:
    """``resource unclone``: replace the clone by its child; constraints on the clone move
    to the child."""
    el = doc.get_resource(rsc_id)
    clone = el if el.tag in ("clone", "master") else el.getparent()
    if clone is None or clone.tag not in ("clone", "master"):
        raise InvalidValueError(f"'{rsc_id}' is not a clone")
    children = _child_resources(clone)
    holder = clone.getparent()
    assert holder is not None
    holder.replace(clone, children[0])
    rename_references(doc, str(clone.get("id")), str(children[0].get("id")))

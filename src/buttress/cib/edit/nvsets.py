"""Name/value pair sets (``instance_attributes``, ``meta_attributes``, ...) in the XML tree.

Ids follow pcs: the set of element X is ``X-meta_attributes`` / ``X-instance_attributes``
and its pairs ``<set id>-<name>``; already used ids get ``-1``, ``-2`` ... appended.
"""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

from buttress.cib.edit.document import CibDocument, Element

#: Where a new set goes among a primitive's children (schema order).
_CHILD_ORDER = ("instance_attributes", "meta_attributes", "utilization", "operations")


def find_plain_set(parent: Element, tag: str) -> Element | None:
    """The first ``tag`` set of ``parent`` that has no rule (the one pcs edits)."""
    for child in parent.findall(tag):
        if child.find("rule") is None:
            return child
    return None


def ensure_set(doc: CibDocument, parent: Element, tag: str, set_id: str | None = None) -> Element:
    """The plain ``tag`` set of ``parent``, created with a pcs-style id if missing.

    A new set is placed before the parent's ``operations`` (and after instance attributes)
    for resources; appended otherwise.
    """
    existing = find_plain_set(parent, tag)
    if existing is not None:
        return existing
    new_id = set_id or doc.unique_id(f"{parent.get('id')}-{tag}")
    new = etree.Element(tag, id=new_id)
    if tag in _CHILD_ORDER:
        rank = _CHILD_ORDER.index(tag)
        for idx, child in enumerate(parent):
            if isinstance(child.tag, str) and child.tag in _CHILD_ORDER and \
                    _CHILD_ORDER.index(child.tag) > rank:
                parent.insert(idx, new)
                return new
        # resources (primitive/clone/group): keep child resources first
    parent.append(new)
    return new


def get_pair(nvset: Element | None, name: str) -> str | None:
    if nvset is None:
        return None
    for nv in nvset.findall("nvpair"):
        if nv.get("name") == name:
            return nv.get("value")
    return None


def set_pairs(doc: CibDocument, nvset: Element, pairs: Iterable[tuple[str, str]],
              sort_new: bool = False) -> None:
    """Set each name to its value in ``nvset``; an empty value removes the name.

    Existing pairs are updated in place; new pairs are appended (sorted by name when
    ``sort_new``, as pcs does when it creates a resource).
    """
    new: list[tuple[str, str]] = []
    for name, value in pairs:
        found = [nv for nv in nvset.findall("nvpair") if nv.get("name") == name]
        if value == "":
            for nv in found:
                nvset.remove(nv)
            continue
        if found:
            found[0].set("value", value)
            for extra in found[1:]:
                nvset.remove(extra)
        else:
            new = [p for p in new if p[0] != name]
            new.append((name, value))
    if sort_new:
        new.sort(key=lambda p: p[0])
    taken = doc.ids()
    for name, value in new:
        nv_id = doc.unique_id(f"{nvset.get('id')}-{name}", taken)
        taken.add(nv_id)
        etree.SubElement(nvset, "nvpair", id=nv_id, name=name, value=value)


def update_set(doc: CibDocument, parent: Element, tag: str, pairs: Iterable[tuple[str, str]],
               set_id: str | None = None, sort_new: bool = False) -> Element | None:
    """Apply ``pairs`` to the plain ``tag`` set of ``parent`` (creating it only when a pair
    is actually added). Returns the set, or None if none exists and nothing was added."""
    pair_list = list(pairs)
    nvset = find_plain_set(parent, tag)
    if nvset is None:
        if not any(value != "" for _name, value in pair_list):
            return None
        nvset = ensure_set(doc, parent, tag, set_id)
    set_pairs(doc, nvset, pair_list, sort_new=sort_new)
    return nvset


def remove_name_everywhere(parent: Element, tag: str, name: str) -> bool:
    """Remove ``name`` from every ``tag`` set directly under ``parent``; True if removed."""
    removed = False
    for nvset in parent.findall(tag):
        for nv in nvset.findall("nvpair"):
            if nv.get("name") == name:
                nvset.remove(nv)
                removed = True
    return removed


def pairs_of(parent: Element, tag: str) -> list[tuple[str, str]]:
    """All pairs of all ``tag`` sets of ``parent``, in document order."""
    return [(str(nv.get("name")), str(nv.get("value", "")))
            for nvset in parent.findall(tag) for nv in nvset.findall("nvpair")
            if nv.get("name") is not None]

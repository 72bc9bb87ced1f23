"""Resource life-cycle edits: enable/disable, manage/unmanage, move/ban/clear, cleanup.

``disable`` sets ``target-role=Stopped`` on the named element; ``enable`` removes
``target-role`` from it, from the resources inside it and from the clone/bundle around it
(so a resource disabled at any of those levels starts again). ``unmanage`` sets
``is-managed=false``; ``manage`` removes ``is-managed`` the same way enable does.
``move``/``ban`` write the ``cli-prefer-R`` / ``cli-ban-R-on-NODE`` location constraints
crm_resource writes; ``clear`` removes them.
"""

from __future__ import annotations

from lxml import etree

from buttress.cib.edit.document import RESOURCE_TAGS, CibDocument, Element
from buttress.cib.edit.errors import InvalidValueError, NotFoundError
from buttress.cib.edit.nvsets import remove_name_everywhere, update_set
from buttress.cib.edit.values import normalize_role


def _related(el: Element) -> list[Element]:
    """The element, every resource inside it, and the clone/bundle wrapping it."""
    found = list(el.iter(*RESOURCE_TAGS))
    parent = el.getparent()
    while parent is not None and parent.tag in ("clone", "master", "bundle"):
        found.append(parent)
        parent = parent.getparent()
    return found


def set_target_role(doc: CibDocument, rsc_ids: list[str], enabled: bool) -> None:
    """``resource enable|disable R...`` (also ``stonith enable|disable``)."""
    elements = [doc.get_resource(r) for r in rsc_ids]
    for el in elements:
        if enabled:
            for item in _related(el):
                remove_name_everywhere(item, "meta_attributes", "target-role")
        else:
            update_set(doc, el, "meta_attributes", [("target-role", "Stopped")])


def set_managed(doc: CibDocument, rsc_ids: list[str], managed: bool) -> None:
    """``resource manage|unmanage R...``."""
    elements = [doc.get_resource(r) for r in rsc_ids]
    for el in elements:
        if managed:
            for item in _related(el):
                remove_name_everywhere(item, "meta_attributes", "is-managed")
        else:
            update_set(doc, el, "meta_attributes", [("is-managed", "false")])


def _cli_constraint(doc: CibDocument, cid: str, rsc: str, node: str, score: str,
                    role: str | None, lifetime: str | None) -> Element:
    old = doc.constraints.find(f"rsc_location[@id='{cid}']")
    if old is not None:
        doc.constraints.remove(old)
    el = etree.SubElement(doc.constraints, "rsc_location", id=cid, rsc=rsc)
    if role is not None:
        el.set("role", normalize_role(role))
    if lifetime is None:
        el.set("node", node)
        el.set("score", score)
        return el
    rule = etree.SubElement(el, "rule", id=f"{cid}-rule", score=score)
    rule.set("boolean-op", "and")
    etree.SubElement(rule, "expression", id=f"{cid}-expr", attribute="#uname",
                     operation="eq", value=node, type="string")
    etree.SubElement(rule, "date_expression", id=f"{cid}-lifetime", operation="lt",
                     end=lifetime)
    return el


def move(doc: CibDocument, rsc: str, node: str | None, role: str | None = None,
         lifetime: str | None = None) -> Element:
    """``resource move R NODE``: prefer NODE with INFINITY (``cli-prefer-R``).

    Without a node the current location must be known: that needs the live cluster.
    ``lifetime`` is an ISO 8601 end date/time for the preference.
    """
    doc.get_resource(rsc)
    if node is None:
        raise InvalidValueError("moving a resource without a destination node needs a "
                                "running cluster: name the node")
    return _cli_constraint(doc, f"cli-prefer-{rsc}", rsc, node, "INFINITY", role, lifetime)


def ban(doc: CibDocument, rsc: str, node: str | None, role: str | None = None,
        lifetime: str | None = None) -> Element:
    """``resource ban R NODE``: keep R off NODE with -INFINITY (``cli-ban-R-on-NODE``)."""
    doc.get_resource(rsc)
    if node is None:
        raise InvalidValueError("banning a resource from its current node needs a running "
                                "cluster: name the node")
    return _cli_constraint(doc, f"cli-ban-{rsc}-on-{node}", rsc, node, "-INFINITY", role,
                           lifetime)


def clear(doc: CibDocument, rsc: str, node: str | None = None) -> int:
    """``resource clear R [NODE]``: remove the cli-prefer/cli-ban constraints of R."""
    doc.get_resource(rsc)
    count = 0
    for el in doc.constraints.findall("rsc_location"):
        cid = str(el.get("id"))
        if el.get("rsc") != rsc:
            continue
        is_prefer = cid == f"cli-prefer-{rsc}" or cid.startswith(f"cli-prefer-{rsc}-")
        is_ban = cid.startswith(f"cli-ban-{rsc}-on-")
        if not (is_prefer or is_ban):
            continue
        if node is not None and el.get("node") != node and \
                cid != f"cli-ban-{rsc}-on-{node}":
            continue
        doc.constraints.remove(el)
        count += 1
    return count


def cleanup(doc: CibDocument, rsc: str | None, node: str | None = None) -> int:
    """``resource cleanup [R] [--node N]``: forget the operation history and fail counts
    of R (all resources without R) in the status section. Returns entries removed."""
    if rsc is not None and doc.find_resource(rsc) is None:
        raise NotFoundError(f"resource '{rsc}' does not exist")
    ids: set[str] | None = None
    if rsc is not None:
        ids = {str(r.get("id")) for r in doc.get_resource(rsc).iter(*RESOURCE_TAGS)}
    status = doc.root.find("status")
    if status is None:
        return 0
    removed = 0
    for ns in status.findall("node_state"):
        if node is not None and ns.get("uname") != node:
            continue
        for lrm_rsc in list(ns.iter("lrm_resource")):
            rid = str(lrm_rsc.get("id"))
            if ids is None or rid in ids or rid.split(":")[0] in ids:
                parent = lrm_rsc.getparent()
                assert parent is not None
                parent.remove(lrm_rsc)
                removed += 1
        for nv in list(ns.iter("nvpair")):
            name = str(nv.get("name", ""))
            if not name.startswith(("fail-count-", "last-failure-")):
                continue
            target = name.split("-", 2)[2].split("#")[0]
            if ids is None or target in ids or target.split(":")[0] in ids:
                parent = nv.getparent()
                assert parent is not None
                parent.remove(nv)
                removed += 1
    return removed

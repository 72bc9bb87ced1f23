"""Location, order and colocation constraints (single pairs and resource sets).

Generated ids follow pcs: ``location-R-NODE-SCORE``, ``location-R`` (rules, with
``location-R-rule`` and ``-rule-expr``), ``order-A-B-mandatory`` (or the kind as given),
``colocation-A-B-SCORE``; already used ids get ``-1``, ``-2``... appended. Resources must
exist (``force`` skips that and the other safety checks: constraints on a clone's child,
duplicate constraints, ordering cycles).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from lxml import etree

from buttress.cib.edit.document import CONSTRAINT_TAGS, CibDocument, Element, validate_id
from buttress.cib.edit.errors import (
    CycleError,
    DuplicateIdError,
    ForceRequiredError,
    InvalidValueError,
    NotFoundError,
)
from buttress.cib.edit.rules import RuleExpr, build_rule
from buttress.cib.edit.values import normalize_bool, normalize_role, normalize_score

ORDER_ACTIONS = ("start", "stop", "promote", "demote")
ORDER_KINDS = ("Optional", "Mandatory", "Serialize")
DISCOVERY = ("always", "never", "exclusive")


# ---- resource checks ------------------------------------------------------------------------


def check_constraint_resource(doc: CibDocument, rsc_id: str, force: bool) -> Element | None:
    """The resource a constraint names; it must exist and not be inside a clone/bundle
    (use the clone id), unless ``force``."""
    el = doc.find_resource(rsc_id)
    if el is None:
        if force:
            return None
        raise NotFoundError(f"resource '{rsc_id}' does not exist")
    parent = el.getparent()
    if parent is not None and parent.tag in ("clone", "master", "bundle") and not force:
        raise ForceRequiredError(f"'{rsc_id}' is inside {parent.tag} '{parent.get('id')}': "
                                 f"constrain '{parent.get('id')}' instead")
    return el


def _top_level(doc: CibDocument, rsc_id: str) -> str:
    el = doc.find_resource(rsc_id)
    if el is None:
        return rsc_id
    while True:
        parent = el.getparent()
        if parent is None or parent.tag == "resources":
            return str(el.get("id"))
        el = parent


def _new_id(doc: CibDocument, explicit: str | None, base: str) -> str:
    if explicit is not None:
        validate_id(explicit, "constraint id")
        if explicit in doc.ids():
            raise DuplicateIdError(f"'{explicit}' already exists")
        return explicit
    return doc.unique_id(base)


def _same(el: Element, attrs: dict[str, str]) -> bool:
    return all(el.get(k) == v for k, v in attrs.items())


def _check_duplicate(doc: CibDocument, tag: str, attrs: dict[str, str], force: bool) -> None:
    if force:
        return
    for el in doc.constraints.findall(tag):
        if el.find("resource_set") is None and el.find("rule") is None and _same(el, attrs):
            raise ForceRequiredError(f"duplicate constraint: '{el.get('id')}' already says so")


# ---- location -----------------------------------------------------------------------------


def _location_target(doc: CibDocument, spec: str, force: bool) -> tuple[str, str]:
    """``R``, ``resource%R`` or ``regexp%PATTERN`` -> (attribute, value)."""
    if spec.startswith("regexp%"):
        return "rsc-pattern", spec[len("regexp%"):]
    if spec.startswith("resource%"):
        spec = spec[len("resource%"):]
    check_constraint_resource(doc, spec, force)
    return "rsc", spec


def add_location_node(doc: CibDocument, rsc: str, node: str, score: str, force: bool = False,
                      constraint_id: str | None = None, discovery: str | None = None,
                      role: str | None = None) -> Element:
    """``constraint location R prefers|avoids NODE[=SCORE]`` and ``location add``."""
    attr, value = _location_target(doc, rsc, force)
    score = normalize_score(score)
    if not node:
        raise InvalidValueError("a node name is missing")
    attrs = {attr: value, "node": node}
    if role is not None:
        attrs["role"] = normalize_role(role)
    _check_duplicate(doc, "rsc_location", attrs, force)
    if discovery is not None and discovery not in DISCOVERY:
        raise InvalidValueError(f"invalid resource-discovery '{discovery}', use one of "
                                f"{', '.join(DISCOVERY)}")
    cid = _new_id(doc, constraint_id, f"location-{value}-{node}-{score}")
    el = etree.SubElement(doc.constraints, "rsc_location", id=cid)
    el.set(attr, value)
    el.set("node", node)
    el.set("score", score)
    if "role" in attrs:
        el.set("role", attrs["role"])
    if discovery is not None:
        el.set("resource-discovery", discovery)
    return el


@dataclass
class RuleOptions:
    """The ``name=value`` options pcs accepts before a location rule."""

    rule_id: str | None = None
    constraint_id: str | None = None
    score: str | None = None
    score_attribute: str | None = None
    role: str | None = None
    discovery: str | None = None
    extra: dict[str, str] = field(default_factory=dict)


def split_rule_options(words: list[str]) -> tuple[RuleOptions, list[str]]:
    """Take leading ``id=``, ``constraint-id=``, ``score=``, ``score-attribute=``, ``role=``,
    ``resource-discovery=`` words; return them and the rule words that follow."""
    opts = RuleOptions()
    i = 0
    keys = {"id", "rule-id", "constraint-id", "score", "score-attribute", "role",
            "resource-discovery"}
    while i < len(words) and "=" in words[i] and words[i].split("=", 1)[0] in keys:
        key, value = words[i].split("=", 1)
        if key in ("id", "rule-id"):
            opts.rule_id = value
        elif key == "constraint-id":
            opts.constraint_id = value
        elif key == "score":
            opts.score = value
        elif key == "score-attribute":
            opts.score_attribute = value
        elif key == "role":
            opts.role = value
        else:
            opts.discovery = value
        i += 1
    return opts, words[i:]


def add_location_rule(doc: CibDocument, rsc: str, opts: RuleOptions, expr: RuleExpr,
                      force: bool = False) -> Element:
    """``constraint location R rule [options] EXPRESSION``."""
    attr, value = _location_target(doc, rsc, force)
    if opts.score is not None and opts.score_attribute is not None:
        raise InvalidValueError("give score or score-attribute, not both")
    rule_attrs: dict[str, str] = {}
    if opts.score_attribute is not None:
        rule_attrs["score-attribute"] = opts.score_attribute
    else:
        rule_attrs["score"] = normalize_score(opts.score or "INFINITY")
    if opts.discovery is not None and opts.discovery not in DISCOVERY:
        raise InvalidValueError(f"invalid resource-discovery '{opts.discovery}', use one of "
                                f"{', '.join(DISCOVERY)}")
    role = normalize_role(opts.role) if opts.role is not None else None
    cid = _new_id(doc, opts.constraint_id, f"location-{value}")
    if opts.rule_id is not None:
        validate_id(opts.rule_id, "rule id")
        if opts.rule_id in doc.ids() or opts.rule_id == cid:
            raise DuplicateIdError(f"'{opts.rule_id}' already exists")
    el = etree.SubElement(doc.constraints, "rsc_location", id=cid)
    if opts.discovery is not None:
        el.set("resource-discovery", opts.discovery)
    el.set(attr, value)
    if role is not None:
        el.set("role", role)
    build_rule(doc, el, expr, opts.rule_id or doc.unique_id(f"{cid}-rule"), rule_attrs)
    return el


# ---- order --------------------------------------------------------------------------------


def _order_edges(doc: CibDocument) -> dict[str, set[str]]:
    edges: dict[str, set[str]] = {}
    for el in doc.constraints.findall("rsc_order"):
        if el.get("kind") == "Serialize":
            continue
        if el.get("first") and el.get("then"):
            pairs = [(str(el.get("first")), str(el.get("then")))]
        else:
            pairs = []
            sets = [[str(r.get("id")) for r in s.findall("resource_ref")]
                    for s in el.findall("resource_set")]
            for s_idx, refs in enumerate(sets):
                seq = el.findall("resource_set")[s_idx].get("sequential", "true") != "false"
                if seq:
                    pairs.extend(itertools.pairwise(refs))
                if s_idx + 1 < len(sets):
                    pairs.extend((a, b) for a in refs for b in sets[s_idx + 1])
        for a, b in pairs:
            edges.setdefault(_top_level(doc, a), set()).add(_top_level(doc, b))
    return edges


def check_order_cycle(doc: CibDocument, new_pairs: list[tuple[str, str]]) -> None:
    """Raise CycleError if adding ``first -> then`` pairs makes a resource (by its top-level
    resource) ordered after itself."""
    edges = _order_edges(doc)
    for first, then in new_pairs:
        a, b = _top_level(doc, first), _top_level(doc, then)
        if a == b:
            raise CycleError(f"ordering '{first}' before '{then}' makes '{a}' wait for itself")
        path = _find_path(edges, b, a)
        if path is not None:
            chain = " -> ".join([a, *path])
            raise CycleError(f"order constraint would create a dependency cycle: {chain}")
        edges.setdefault(a, set()).add(b)


def _find_path(edges: dict[str, set[str]], start: str, goal: str) -> list[str] | None:
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen = {start}
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        for nxt in sorted(edges.get(node, ())):
            if nxt not in seen:
                seen.add(nxt)
                stack.append((nxt, [*path, nxt]))
    return None


def _order_options(options: list[tuple[str, str]]) -> tuple[dict[str, str], str | None]:
    attrs: dict[str, str] = {}
    cid: str | None = None
    for key, value in options:
        if key == "id":
            cid = value
        elif key == "kind":
            kind = next((k for k in ORDER_KINDS if k.lower() == value.lower()), None)
            if kind is None:
                raise InvalidValueError(f"invalid kind '{value}', use one of "
                                        f"{', '.join(ORDER_KINDS)}")
            attrs["kind"] = kind
        elif key in ("symmetrical", "require-all"):
            attrs[key] = normalize_bool(value, key)
        elif key == "score":
            attrs["score"] = normalize_score(value)
        else:
            raise InvalidValueError(f"invalid order option '{key}', allowed options are: "
                                    "id, kind, require-all, symmetrical")
    return attrs, cid


def add_order(doc: CibDocument, first_action: str, first: str, then_action: str, then: str,
              options: list[tuple[str, str]], force: bool = False) -> Element:
    """``constraint order [ACTION] A then [ACTION] B [options]``."""
    for action in (first_action, then_action):
        if action not in ORDER_ACTIONS:
            raise InvalidValueError(f"invalid action '{action}', use one of "
                                    f"{', '.join(ORDER_ACTIONS)}")
    check_constraint_resource(doc, first, force)
    check_constraint_resource(doc, then, force)
    attrs, cid = _order_options(options)
    if not force:
        check_order_cycle(doc, [(first, then)])
    _check_duplicate(doc, "rsc_order", {"first": first, "then": then,
                                         "first-action": first_action,
                                         "then-action": then_action}, force)
    kind_text = attrs.get("kind", "mandatory")
    new_id = _new_id(doc, cid, f"order-{first}-{then}-{kind_text}")
    el = etree.SubElement(doc.constraints, "rsc_order", first=first, then=then)
    for key, value in attrs.items():
        el.set(key, value)
    el.set("first-action", first_action)
    el.set("then-action", then_action)
    el.set("id", new_id)
    return el


# ---- colocation ---------------------------------------------------------------------------


def add_colocation(doc: CibDocument, rsc: str, with_rsc: str, score: str = "INFINITY",
                   rsc_role: str | None = None, with_role: str | None = None,
                   options: list[tuple[str, str]] | None = None, force: bool = False
                   ) -> Element:
    """``constraint colocation add [ROLE] A with [ROLE] B [SCORE] [options]``."""
    if rsc == with_rsc:
        raise InvalidValueError(f"cannot colocate '{rsc}' with itself")
    check_constraint_resource(doc, rsc, force)
    check_constraint_resource(doc, with_rsc, force)
    score = normalize_score(score)
    cid: str | None = None
    extra: dict[str, str] = {}
    for key, value in options or []:
        if key == "id":
            cid = value
        elif key == "score":
            score = normalize_score(value)
        elif key == "node-attribute":
            extra[key] = value
        elif key == "influence":
            extra[key] = normalize_bool(value, key)
        else:
            raise InvalidValueError(f"invalid colocation option '{key}', allowed options are:"
                                    " id, influence, node-attribute, score")
    roles: dict[str, str] = {}
    if rsc_role is not None or with_role is not None:
        roles["rsc-role"] = normalize_role(rsc_role or "Started")
        roles["with-rsc-role"] = normalize_role(with_role or "Started")
    _check_duplicate(doc, "rsc_colocation", {"rsc": rsc, "with-rsc": with_rsc}, force)
    new_id = _new_id(doc, cid, f"colocation-{rsc}-{with_rsc}-{score}")
    el = etree.SubElement(doc.constraints, "rsc_colocation", rsc=rsc)
    el.set("with-rsc", with_rsc)
    el.set("score", score)
    for key, value in {**roles, **extra}.items():
        el.set(key, value)
    el.set("id", new_id)
    return el


# ---- resource sets --------------------------------------------------------------------------


@dataclass
class SetSpec:
    resources: list[str]
    options: list[tuple[str, str]] = field(default_factory=list)


_SET_OPTIONS = {
    "rsc_order": ("action", "require-all", "role", "sequential", "kind"),
    "rsc_colocation": ("role", "sequential", "require-all"),
}


def add_set_constraint(doc: CibDocument, tag: str, sets: list[SetSpec],
                       options: list[tuple[str, str]], force: bool = False) -> Element:
    """``constraint order set ...`` / ``constraint colocation set ...``."""
    if not sets or any(not s.resources for s in sets):
        raise InvalidValueError("every set needs at least one resource")
    for s in sets:
        for rid in s.resources:
            check_constraint_resource(doc, rid, force)
    allowed = _SET_OPTIONS[tag]
    if tag == "rsc_order":
        attrs, cid = _order_options(options)
    else:
        attrs, cid = {"score": "INFINITY"}, None
        for key, value in options:
            if key == "id":
                cid = value
            elif key == "score":
                attrs["score"] = normalize_score(value)
            else:
                raise InvalidValueError(f"invalid colocation set option '{key}', allowed "
                                        "options are: id, score")
    all_ids = [r for s in sets for r in s.resources]
    kind = "order" if tag == "rsc_order" else "colocation"
    new_id = _new_id(doc, cid, f"{kind}_set_" + "_".join(all_ids))
    el = etree.SubElement(doc.constraints, tag, id=new_id)
    for key, value in attrs.items():
        el.set(key, value)
    taken = doc.ids()
    for s in sets:
        set_id = doc.unique_id(f"{new_id}_set", taken)
        taken.add(set_id)
        rs = etree.SubElement(el, "resource_set", id=set_id)
        for key, value in s.options:
            if key not in allowed:
                raise InvalidValueError(f"invalid set option '{key}', allowed options are: "
                                        f"{', '.join(allowed)}")
            if key in ("sequential", "require-all"):
                value = normalize_bool(value, key)
            elif key == "role":
                value = normalize_role(value)
            elif key == "action" and value not in ORDER_ACTIONS:
                raise InvalidValueError(f"invalid action '{value}'")
            rs.set(key, value)
        for rid in s.resources:
            etree.SubElement(rs, "resource_ref", id=rid)
    if tag == "rsc_order" and not force:
        parent = el.getparent()
        assert parent is not None
        parent.remove(el)
        pairs: list[tuple[str, str]] = []
        for i, s in enumerate(sets):
            pairs.extend(zip(s.resources, s.resources[1:], strict=False))
            if i + 1 < len(sets):
                pairs.extend((a, b) for a in s.resources for b in sets[i + 1].resources)
        check_order_cycle(doc, pairs)
        parent.append(el)
    return el


# ---- removal and references -----------------------------------------------------------------


def constraint_elements(doc: CibDocument) -> list[Element]:
    return [el for el in doc.constraints if isinstance(el.tag, str)]


def references(el: Element) -> set[str]:
    """Resource ids a constraint element refers to."""
    found = {str(el.get(a)) for a in ("rsc", "with-rsc", "first", "then") if el.get(a)}
    found.update(str(r.get("id")) for r in el.iter("resource_ref"))
    return found


def constraint_refs(doc: CibDocument, rsc_id: str) -> list[str]:
    """``constraint ref``: ids of constraints naming ``rsc_id``."""
    doc.get_resource(rsc_id)
    return [str(el.get("id")) for el in constraint_elements(doc) if rsc_id in references(el)]


def remove_constraints_referencing(doc: CibDocument, rsc_ids: set[str],
                                   tags: tuple[str, ...] = CONSTRAINT_TAGS) -> list[str]:
    """Drop constraints (of ``tags``) naming any of ``rsc_ids``; in resource sets drop only
    the refs, and the constraint when no set is left. Returns the removed constraint ids."""
    removed: list[str] = []
    for el in constraint_elements(doc):
        if el.tag not in tags:
            continue
        if any(el.get(a) in rsc_ids for a in ("rsc", "with-rsc", "first", "then")):
            doc.constraints.remove(el)
            removed.append(str(el.get("id")))
            continue
        for rs in el.findall("resource_set"):
            for ref in rs.findall("resource_ref"):
                if ref.get("id") in rsc_ids:
                    rs.remove(ref)
            if rs.find("resource_ref") is None:
                el.remove(rs)
        if el.find("resource_set") is None and el.get("rsc") is None and \
                el.get("first") is None and el.get("rsc-pattern") is None:
            doc.constraints.remove(el)
            removed.append(str(el.get("id")))
    return removed


def rename_references(doc: CibDocument, old: str, new: str) -> None:
    for el in constraint_elements(doc):
        for attr in ("rsc", "with-rsc", "first", "then"):
            if el.get(attr) == old:
                el.set(attr, new)
        for ref in el.iter("resource_ref"):
            if ref.get("id") == old:
                ref.set("id", new)


def remove_constraint(doc: CibDocument, ids: list[str]) -> None:
    """``constraint remove ID...``: constraints, or rules inside location constraints
    (a location left without rules is removed too)."""
    for cid in ids:
        el = doc.constraints.find(f"*[@id='{cid}']") if "'" not in cid else None
        if el is not None and el.tag in CONSTRAINT_TAGS:
            doc.constraints.remove(el)
            continue
        rule = next((r for r in doc.constraints.iter("rule") if r.get("id") == cid), None)
        if rule is None:
            raise NotFoundError(f"constraint or rule '{cid}' does not exist")
        parent = rule.getparent()
        assert parent is not None
        parent.remove(rule)
        if parent.tag == "rsc_location" and parent.find("rule") is None:
            doc.constraints.remove(parent)


def remove_pair_constraints(doc: CibDocument, tag: str, match: dict[str, str]) -> int:
    """``constraint order remove R...`` / ``colocation remove A B``: by resource ids."""
    count = 0
    for el in doc.constraints.findall(tag):
        if _same(el, match):
            doc.constraints.remove(el)
            count += 1
    if not count:
        what = " ".join(match.values())
        raise NotFoundError(f"no {tag.replace('rsc_', '')} constraint for {what}")
    return count

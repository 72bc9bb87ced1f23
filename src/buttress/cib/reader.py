"""Parse Pacemaker CIB XML into the frozen model; every error names the element and line."""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from buttress.errors import CibError
from buttress.model.cib import Cib, Configuration, FencingLevel, Tag
from buttress.model.constraints import Colocation, Location, Order, ResourceSet, Ticket
from buttress.model.nodes import Node
from buttress.model.nvsets import NvSet
from buttress.model.resources import Bundle, Clone, Group, Operation, Primitive, Resource
from buttress.model.rules import (
    DateExpression,
    DateSpec,
    Expression,
    OpExpression,
    ResourceExpression,
    Rule,
)
from buttress.model.status import HistoryOp, NodeState, ResourceHistory, Status, TicketState
from buttress.timeutil import parse_interval_ms

Element = etree._Element


def load_cib(path: str | Path) -> Cib:
    """Read and parse a CIB file."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise CibError(f"cannot read {path}: {exc.strerror}") from None
    return parse_cib(data)


def parse_cib(data: bytes | str) -> Cib:
    """Parse CIB XML text. Raises CibError with element and line on any problem."""
    if isinstance(data, str):
        data = data.encode()
    try:
        parser = etree.XMLParser(remove_comments=True, resolve_entities=False, no_network=True)
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise CibError(f"malformed XML: {exc.msg}", "cib", exc.lineno) from None
    return cib_from_element(root)


def cib_from_element(root: Element) -> Cib:
    if root.tag != "cib":
        raise CibError("the document root must be <cib>", str(root.tag), _line(root))
    reader = _Reader(root)
    return reader.read()


def _line(el: Element) -> int | None:
    line = el.sourceline
    return line if isinstance(line, int) else None


def _tag(el: Element) -> str:
    return str(el.tag)


def _req(el: Element, name: str) -> str:
    value = el.get(name)
    if value is None or value == "":
        raise CibError(f"missing required attribute '{name}'", _tag(el), _line(el))
    return value


def _children(el: Element | None, *tags: str) -> list[Element]:
    if el is None:
        return []
    return [c for c in el if isinstance(c.tag, str) and (not tags or c.tag in tags)]


def _bool(value: str | None, default: bool) -> bool:
    if value is None:
        return default
    return value.strip().lower() in ("true", "yes", "on", "1", "y")


def _lenient_int(value: str | None) -> int:
    """A status timestamp the cluster wrote: anything unreadable counts as unset (0)."""
    try:
        return int(value) if value else 0
    except ValueError:
        return 0


def _int(el: Element, name: str, default: int = 0) -> int:
    value = el.get(name)
    if value is None or value == "":
        return default
    try:
        return int(value)
    except ValueError:
        raise CibError(f"attribute '{name}' must be an integer, not {value!r}",
                       _tag(el), _line(el)) from None


class _Reader:
    """One pass over a CIB document; resolves id-refs against every element with an id."""

    def __init__(self, root: Element) -> None:
        self.root = root
        self.by_id: dict[str, Element] = {}
        for el in root.iter():
            if isinstance(el.tag, str) and el.get("id") and el.get("id-ref") is None:
                self.by_id.setdefault(str(el.get("id")), el)

    def _deref(self, el: Element) -> Element:
        ref = el.get("id-ref")
        if ref is None:
            return el
        target = self.by_id.get(ref)
        if target is None:
            raise CibError(f"id-ref '{ref}' names no element", _tag(el), _line(el))
        return target

    def read(self) -> Cib:
        config = self.root.find("configuration")
        if config is None:
            raise CibError("missing <configuration>", "cib", _line(self.root))
        header = tuple((str(k), str(v)) for k, v in self.root.attrib.items())
        return Cib(header=header, configuration=self.configuration(config),
                   status=self.status(self.root.find("status")))

    # ---- configuration -------------------------------------------------------------------

    def configuration(self, config: Element) -> Configuration:
        templates = tuple(self.primitive(t, None) for t in
                          _children(config.find("resources"), "template"))
        self.templates = {t.id: t for t in templates}
        resources: list[Resource] = []
        for el in _children(config.find("resources")):
            if el.tag == "template":
                continue
            resources.append(self.resource(el))
        constraints = config.find("constraints")
        return Configuration(
            properties=self.nvsets(config.find("crm_config"), "cluster_property_set"),
            nodes=tuple(self.node(n) for n in _children(config.find("nodes"), "node")),
            resources=tuple(resources),
            templates=templates,
            locations=tuple(self.location(c) for c in _children(constraints, "rsc_location")),
            colocations=tuple(self.colocation(c)
                              for c in _children(constraints, "rsc_colocation")),
            orders=tuple(self.order(c) for c in _children(constraints, "rsc_order")),
            tickets=tuple(self.ticket(c) for c in _children(constraints, "rsc_ticket")),
            rsc_defaults=self.nvsets(config.find("rsc_defaults"), "meta_attributes"),
            op_defaults=self.nvsets(config.find("op_defaults"), "meta_attributes"),
            fencing_levels=tuple(self.fencing_level(f) for f in
                                 _children(config.find("fencing-topology"), "fencing-level")),
            tags=tuple(Tag(_req(t, "id"), tuple(_req(r, "id") for r in _children(t, "obj_ref")))
                       for t in _children(config.find("tags"), "tag")),
        )

    def nvsets(self, parent: Element | None, *tags: str) -> tuple[NvSet, ...]:
        return tuple(self.nvset(s) for s in _children(parent, *tags))

    def nvset(self, el: Element) -> NvSet:
        src = self._deref(el)
        pairs: list[tuple[str, str]] = []
        rule: Rule | None = None
        for child in _children(src):
            if child.tag == "nvpair":
                pair = self._deref(child)
                pairs.append((_req(pair, "name"), pair.get("value", "")))
            elif child.tag == "rule":
                rule = self.rule(child)
        score_text = src.get("score")
        score = 0
        if score_text:
            from buttress.scores import parse_score

            score = parse_score(score_text)
        return NvSet(id=el.get("id") or src.get("id") or "", pairs=tuple(pairs),
                     score=score, rule=rule)

    def rule(self, el: Element) -> Rule:
        src = self._deref(el)
        terms: list[Expression | DateExpression | ResourceExpression | OpExpression | Rule] = []
        for child in _children(src):
            if child.tag == "expression":
                ex = self._deref(child)
                terms.append(Expression(
                    id=ex.get("id", ""), attribute=_req(ex, "attribute"),
                    operation=_req(ex, "operation"), value=ex.get("value"),
                    value_type=ex.get("type"), value_source=ex.get("value-source", "literal")))
            elif child.tag == "date_expression":
                terms.append(self.date_expression(child))
            elif child.tag == "rsc_expression":
                terms.append(ResourceExpression(id=child.get("id", ""),
                                                rsc_class=child.get("class"),
                                                provider=child.get("provider"),
                                                type=child.get("type")))
            elif child.tag == "op_expression":
                terms.append(OpExpression(id=child.get("id", ""), name=_req(child, "name"),
                                          interval=child.get("interval")))
            elif child.tag == "rule":
                terms.append(self.rule(child))
        boolean_op = src.get("boolean-op", "and")
        if boolean_op not in ("and", "or"):
            raise CibError(f"boolean-op must be 'and' or 'or', not {boolean_op!r}",
                           "rule", _line(src))
        return Rule(id=src.get("id", ""), boolean_op=boolean_op, score=src.get("score"),
                    score_attribute=src.get("score-attribute"), role=src.get("role"),
                    terms=tuple(terms))

    def date_expression(self, el: Element) -> DateExpression:
        def fields(sub: Element | None) -> tuple[tuple[str, str], ...] | None:
            if sub is None:
                return None
            return tuple((str(k), str(v)) for k, v in sub.attrib.items() if k != "id")

        spec_el = el.find("date_spec")
        spec = None
        if spec_el is not None:
            spec = DateSpec(id=spec_el.get("id", ""), fields=fields(spec_el) or ())
        return DateExpression(id=el.get("id", ""), operation=el.get("operation", "in_range"),
                              start=el.get("start"), end=el.get("end"),
                              duration=fields(el.find("duration")), date_spec=spec)

    def node(self, el: Element) -> Node:
        node_id = _req(el, "id")
        return Node(id=node_id, uname=el.get("uname") or node_id,
                    kind=el.get("type", "member") or "member",
                    attributes=self.nvsets(el, "instance_attributes"),
                    utilization=self.nvsets(el, "utilization"))

    def resource(self, el: Element) -> Resource:
        tag = _tag(el)
        if tag == "primitive":
            return self.primitive(el, el.get("template"))
        if tag == "group":
            children = tuple(self.primitive(c, c.get("template"))
                             for c in _children(el, "primitive"))
            return Group(id=_req(el, "id"), children=children,
                         meta=self.nvsets(el, "meta_attributes"),
                         instance=self.nvsets(el, "instance_attributes"))
        if tag in ("clone", "master"):
            inner = _children(el, "primitive", "group")
            if len(inner) != 1:
                raise CibError("a clone must hold exactly one primitive or group", tag,
                               _line(el))
            child = self.resource(inner[0])
            assert isinstance(child, Primitive | Group)
            return Clone(id=_req(el, "id"), child=child,
                         meta=self.nvsets(el, "meta_attributes"),
                         legacy_master=(tag == "master"),
                         instance=self.nvsets(el, "instance_attributes"))
        if tag == "bundle":
            return self.bundle(el)
        raise CibError(f"unknown resource element <{tag}>", tag, _line(el))

    def bundle(self, el: Element) -> Bundle:
        from buttress.cib.bundle_reader import read_bundle

        return read_bundle(el, lambda p: self.primitive(p, p.get("template")),
                           lambda b: self.nvsets(b, "meta_attributes"))

    def primitive(self, el: Element, template: str | None) -> Primitive:
        rsc_id = _req(el, "id")
        base = self.templates.get(template) if template and hasattr(self, "templates") else None
        if template and base is None:
            raise CibError(f"template '{template}' does not exist", _tag(el), _line(el))
        rsc_class = el.get("class") or (base.rsc_class if base else None)
        rsc_type = el.get("type") or (base.type if base else None)
        if not rsc_class or not rsc_type:
            raise CibError(f"resource '{rsc_id}' needs class and type", _tag(el), _line(el))
        ops: list[Operation] = []
        for opel in _children(el.find("operations")):
            if opel.tag != "op":
                continue
            op = self._deref(opel)
            name = _req(op, "name")
            interval_text = op.get("interval", "0")
            try:
                interval = parse_interval_ms(interval_text)
            except ValueError:
                raise CibError(f"invalid interval {interval_text!r}", "op",
                               _line(op)) from None
            attrs = tuple((str(k), str(v)) for k, v in op.attrib.items())
            ops.append(Operation(id=op.get("id", ""), name=name, interval_ms=interval,
                                 role=op.get("role"), timeout=op.get("timeout"),
                                 on_fail=op.get("on-fail"),
                                 enabled=_bool(op.get("enabled"), True), attributes=attrs,
                                 meta=self.nvsets(op, "meta_attributes"),
                                 instance=self.nvsets(op, "instance_attributes")))
        instance = self.nvsets(el, "instance_attributes")
        meta = self.nvsets(el, "meta_attributes")
        utilization = self.nvsets(el, "utilization")
        if base is not None:
            instance = instance + base.instance
            meta = meta + base.meta
            utilization = utilization + base.utilization
            own = {(o.name, o.interval_ms, o.role) for o in ops}
            ops.extend(o for o in base.operations if (o.name, o.interval_ms, o.role) not in own)
        return Primitive(id=rsc_id, rsc_class=rsc_class, type=rsc_type,
                         provider=el.get("provider") or (base.provider if base else None),
                         instance=instance, meta=meta, utilization=utilization,
                         operations=tuple(ops), template=template)

    # ---- constraints ---------------------------------------------------------------------

    def sets(self, el: Element) -> tuple[ResourceSet, ...]:
        found = []
        for s in _children(el, "resource_set"):
            src = self._deref(s)
            refs = tuple(_req(r, "id") for r in _children(src, "resource_ref"))
            found.append(ResourceSet(
                id=src.get("id", ""), resources=refs,
                sequential=_bool(src.get("sequential"), True),
                require_all=_bool(src.get("require-all"), True),
                ordering=src.get("ordering"), action=src.get("action"),
                role=src.get("role"), score=src.get("score"), kind=src.get("kind")))
        return tuple(found)

    def location(self, el: Element) -> Location:
        return Location(
            id=_req(el, "id"), rsc=el.get("rsc"), rsc_pattern=el.get("rsc-pattern"),
            node=el.get("node"), score=el.get("score"), role=el.get("role"),
            rules=tuple(self.rule(r) for r in _children(el, "rule")),
            resource_discovery=el.get("resource-discovery", "always"), sets=self.sets(el))

    def colocation(self, el: Element) -> Colocation:
        sets = self.sets(el)
        if not sets and (el.get("rsc") is None or el.get("with-rsc") is None):
            raise CibError("needs rsc and with-rsc (or resource sets)", _tag(el), _line(el))
        influence = el.get("influence")
        return Colocation(
            id=_req(el, "id"), rsc=el.get("rsc"), with_rsc=el.get("with-rsc"),
            score=el.get("score") or "0", rsc_role=el.get("rsc-role"),
            with_rsc_role=el.get("with-rsc-role"),
            node_attribute=el.get("node-attribute", "#uname"),
            influence=None if influence is None else _bool(influence, True), sets=sets)

    def order(self, el: Element) -> Order:
        sets = self.sets(el)
        if not sets and (el.get("first") is None or el.get("then") is None):
            raise CibError("needs first and then (or resource sets)", _tag(el), _line(el))
        sym = el.get("symmetrical")
        return Order(
            id=_req(el, "id"), first=el.get("first"), then=el.get("then"),
            first_action=el.get("first-action"), then_action=el.get("then-action"),
            kind=el.get("kind"), score=el.get("score"),
            symmetrical=None if sym is None else _bool(sym, True),
            require_all=_bool(el.get("require-all"), True), sets=sets)

    def ticket(self, el: Element) -> Ticket:
        return Ticket(id=_req(el, "id"), ticket=_req(el, "ticket"), rsc=el.get("rsc"),
                      rsc_role=el.get("rsc-role"), loss_policy=el.get("loss-policy"),
                      sets=self.sets(el))

    def fencing_level(self, el: Element) -> FencingLevel:
        return FencingLevel(
            id=el.get("id", ""), index=_int(el, "index", 1),
            devices=tuple(d for d in _req(el, "devices").split(",") if d),
            target=el.get("target"), target_pattern=el.get("target-pattern"),
            target_attribute=el.get("target-attribute"), target_value=el.get("target-value"))

    # ---- status --------------------------------------------------------------------------

    def status(self, el: Element | None) -> Status:
        if el is None:
            return Status()
        nodes = tuple(self.node_state(n) for n in _children(el, "node_state"))
        tickets: list[TicketState] = []
        for ts in _children(el, "tickets"):
            for t in _children(ts, "ticket_state"):
                tickets.append(TicketState(id=_req(t, "id"),
                                           granted=_bool(t.get("granted"), False),
                                           standby=_bool(t.get("standby"), False),
                                           last_granted=t.get("last-granted")))
        return Status(nodes=nodes, tickets=tuple(tickets))

    def node_state(self, el: Element) -> NodeState:
        node_id = el.get("id") or _req(el, "uname")
        history: list[ResourceHistory] = []
        lrm = el.find("lrm")
        for lrm_rsc in _children(lrm.find("lrm_resources") if lrm is not None else None,
                                 "lrm_resource"):
            ops = tuple(self.history_op(op) for op in _children(lrm_rsc, "lrm_rsc_op"))
            history.append(ResourceHistory(
                id=_req(lrm_rsc, "id"), rsc_class=lrm_rsc.get("class"),
                type=lrm_rsc.get("type"), provider=lrm_rsc.get("provider"),
                container=lrm_rsc.get("container"), ops=ops,
                shutdown_lock=_opt_int(lrm_rsc.get("shutdown-lock"))))
        attributes: dict[str, str] = {}
        for ta in _children(el, "transient_attributes"):
            for nvset in _children(ta, "instance_attributes"):
                for pair in _children(nvset, "nvpair"):
                    attributes[_req(pair, "name")] = pair.get("value", "")
        return NodeState(id=node_id, uname=el.get("uname") or node_id,
                         in_ccm=el.get("in_ccm"), crmd=el.get("crmd"), join=el.get("join"),
                         expected=el.get("expected"),
                         remote_node=_bool(el.get("remote_node"), False),
                         node_fenced=_lenient_int(el.get("node_fenced")),
                         history=tuple(history), attributes=attributes,
                         has_lrm=lrm is not None)

    def history_op(self, el: Element) -> HistoryOp:
        return HistoryOp(
            id=_req(el, "id"), operation=_req(el, "operation"),
            interval_ms=_op_interval(el), call_id=_int(el, "call-id", -1),
            rc_code=_int(el, "rc-code", 0), op_status=_int(el, "op-status", 0),
            last_rc_change=_int(el, "last-rc-change", 0) or _int(el, "last-run", 0),
            exec_time=_int(el, "exec-time", 0),
            op_digest=el.get("op-digest"), op_restart_digest=el.get("op-restart-digest"),
            op_secure_digest=el.get("op-secure-digest"),
            transition_key=el.get("transition-key"), on_node=el.get("on_node"),
            migrate_source=el.get("migrate_source"), migrate_target=el.get("migrate_target"),
            exit_reason=el.get("exit-reason"), force_restart=el.get("op-force-restart"),
            secure_params=el.get("op-secure-params"))


def _op_interval(el: Element) -> int:
    text = el.get("interval", "0") or "0"
    if text.strip().isdigit():
        return int(text)  # the status section records intervals in milliseconds
    try:
        return parse_interval_ms(text)
    except ValueError:
        raise CibError(f"invalid interval {text!r}", _tag(el), _line(el)) from None


def _opt_int(text: str | None) -> int | None:
    """An optional integer attribute; anything unreadable counts as absent."""
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        return None

"""pcs rule syntax: parse it, write it as a CIB ``<rule>``, and print a ``<rule>`` back.

Grammar (the pcs man page's, with ``and`` binding tighter than ``or``; parentheses group)::

    expr     := and_expr ("or" and_expr)*
    and_expr := unary ("and" unary)*
    unary    := "(" expr ")"
              | ("defined" | "not_defined") ATTRIBUTE
              | ATTRIBUTE ("lt"|"gt"|"lte"|"gte"|"eq"|"ne") [TYPE] VALUE
              | "date" ("gt"|"lt") DATE
              | "date" "in_range" [DATE] "to" (DATE | "duration" DURATION_OPTION...)
              | "date-spec" DATE_SPEC_OPTION...
    TYPE     := "string" | "integer" | "number" | "version"

Tokens come already split by the shell; parentheses glued to a word are split off.
Everything raises :class:`RuleSyntaxError` with a message naming the offending token.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from buttress.cib.edit.document import CibDocument, Element
from buttress.cib.edit.errors import RuleSyntaxError
from buttress.timeutil import parse_iso_datetime

COMPARISONS = ("lt", "gt", "lte", "gte", "eq", "ne")
TYPES = ("string", "integer", "number", "version")
DATE_SPEC_KEYS = ("years", "weekyears", "months", "weeks", "yeardays", "monthdays",
                  "weekdays", "hours", "minutes", "seconds", "moon")
DURATION_KEYS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
_KEYWORDS = frozenset({"and", "or", "(", ")", "defined", "not_defined", "date", "date-spec"})


@dataclass(frozen=True)
class AttrExpr:
    attribute: str
    operation: str  # a comparison, "defined" or "not_defined"
    value: str | None = None
    value_type: str | None = None


@dataclass(frozen=True)
class DateExpr:
    operation: str  # gt, lt, in_range
    start: str | None = None
    end: str | None = None
    duration: tuple[tuple[str, str], ...] | None = None


@dataclass(frozen=True)
class DateSpecExpr:
    fields: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class BoolExpr:
    operation: str  # and, or
    terms: tuple[RuleExpr, ...]


RuleExpr = AttrExpr | DateExpr | DateSpecExpr | BoolExpr


def tokenize(words: list[str]) -> list[str]:
    """Split parentheses off shell words: ``(#uname`` -> ``(``, ``#uname``."""
    tokens: list[str] = []
    for word in words:
        rest = word
        while rest.startswith("(") and len(rest) > 1:
            tokens.append("(")
            rest = rest[1:]
        tail: list[str] = []
        while rest.endswith(")") and len(rest) > 1:
            tail.append(")")
            rest = rest[:-1]
        if rest:
            tokens.append(rest)
        tokens.extend(tail)
    return tokens


class _Parser:
    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> str | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, what: str) -> str:
        token = self.peek()
        if token is None:
            raise RuleSyntaxError(f"malformed rule: expected {what} at the end")
        self.pos += 1
        return token

    def parse(self) -> RuleExpr:
        if not self.tokens:
            raise RuleSyntaxError("malformed rule: the rule is empty")
        expr = self.expr()
        if self.peek() is not None:
            raise RuleSyntaxError(f"malformed rule: unexpected '{self.peek()}'")
        return expr

    def expr(self) -> RuleExpr:
        terms = [self.and_expr()]
        while self.peek() == "or":
            self.pos += 1
            terms.append(self.and_expr())
        return terms[0] if len(terms) == 1 else _flatten("or", terms)

    def and_expr(self) -> RuleExpr:
        terms = [self.unary()]
        while self.peek() == "and":
            self.pos += 1
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else _flatten("and", terms)

    def unary(self) -> RuleExpr:
        token = self.take("an expression")
        if token == "(":
            inner = self.expr()
            if self.take("')'") != ")":
                raise RuleSyntaxError("malformed rule: missing ')'")
            return inner
        if token in ("and", "or", ")"):
            raise RuleSyntaxError(f"malformed rule: unexpected '{token}'")
        if token in ("defined", "not_defined"):
            attr = self.take(f"an attribute name after '{token}'")
            _check_attribute(attr)
            return AttrExpr(attr, token)
        if token == "date-spec":
            return DateSpecExpr(self.options(DATE_SPEC_KEYS, "date-spec", _check_spec_value))
        if token == "date" and self.peek() in ("gt", "lt", "in_range"):
            return self.date()
        return self.comparison(token)

    def comparison(self, attr: str) -> AttrExpr:
        _check_attribute(attr)
        op = self.take(f"a comparison after '{attr}'")
        if op not in COMPARISONS:
            raise RuleSyntaxError(f"malformed rule: '{op}' is not a comparison "
                                  f"({', '.join(COMPARISONS)}, defined, not_defined)")
        value_type = None
        if self.peek() in TYPES and self.pos + 1 < len(self.tokens) and \
                self.tokens[self.pos + 1] not in ("and", "or", ")"):
            value_type = self.take("a type")
        value = self.take(f"a value after '{attr} {op}'")
        if value in _KEYWORDS:
            raise RuleSyntaxError(f"malformed rule: missing value after '{attr} {op}'")
        _check_typed_value(value, value_type)
        return AttrExpr(attr, op, value, value_type)

    def date(self) -> DateExpr:
        op = self.take("a date operation")
        if op in ("gt", "lt"):
            value = self.take(f"a date after 'date {op}'")
            _check_date(value)
            return DateExpr(op, start=value) if op == "gt" else DateExpr(op, end=value)
        start: str | None = None
        if self.peek() != "to":
            start = self.take("a date")
            _check_date(start)
        if self.take("'to'") != "to":
            raise RuleSyntaxError("malformed rule: expected 'to' in 'date in_range'")
        if self.peek() == "duration":
            self.pos += 1
            duration = self.options(DURATION_KEYS, "duration", _check_number)
            return DateExpr("in_range", start=start, duration=duration)
        end = self.take("a date after 'to'")
        _check_date(end)
        if start is None and end is None:
            raise RuleSyntaxError("malformed rule: 'date in_range' needs a start or an end")
        return DateExpr("in_range", start=start, end=end)

    def options(self, keys: tuple[str, ...], what: str, check: object
                ) -> tuple[tuple[str, str], ...]:
        found: list[tuple[str, str]] = []
        while self.peek() is not None and "=" in str(self.peek()):
            key, value = self.take("an option").split("=", 1)
            if key not in keys:
                raise RuleSyntaxError(f"malformed rule: '{key}' is not a {what} option "
                                      f"(use {', '.join(keys)})")
            if callable(check):
                check(value, key)
            found.append((key, value))
        if not found:
            raise RuleSyntaxError(f"malformed rule: '{what}' needs at least one option")
        return tuple(found)


def _flatten(op: str, terms: list[RuleExpr]) -> BoolExpr:
    flat: list[RuleExpr] = []
    for term in terms:
        if isinstance(term, BoolExpr) and term.operation == op:
            flat.extend(term.terms)
        else:
            flat.append(term)
    return BoolExpr(op, tuple(flat))


def _check_attribute(attr: str) -> None:
    if attr in _KEYWORDS or attr in COMPARISONS or not attr or "=" in attr:
        raise RuleSyntaxError(f"malformed rule: expected an attribute name, got '{attr}'")


def _check_typed_value(value: str, value_type: str | None) -> None:
    if value_type == "integer" and not re.fullmatch(r"[+-]?\d+", value):
        raise RuleSyntaxError(f"malformed rule: '{value}' is not an integer")
    if value_type == "number" and not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", value):
        raise RuleSyntaxError(f"malformed rule: '{value}' is not a number")
    if value_type == "version" and not re.fullmatch(r"\d+(\.\d+)*", value):
        raise RuleSyntaxError(f"malformed rule: '{value}' is not a version")


def _check_date(value: str) -> None:
    try:
        parse_iso_datetime(value)
    except (ValueError, TypeError):
        raise RuleSyntaxError(f"malformed rule: '{value}' is not an ISO 8601 date") from None


def _check_spec_value(value: str, key: str) -> None:
    if not re.fullmatch(r"\d+(-\d+)?", value):
        raise RuleSyntaxError(f"malformed rule: invalid {key} '{value}' (use N or N-M)")


def _check_number(value: str, key: str) -> None:
    if not re.fullmatch(r"\d+", value):
        raise RuleSyntaxError(f"malformed rule: invalid {key} '{value}' (use an integer)")


def parse_rule(words: list[str]) -> RuleExpr:
    """Parse pcs rule words into an expression tree. Raises RuleSyntaxError."""
    return _Parser(tokenize(words)).parse()


# ---- to XML -------------------------------------------------------------------------------


def build_rule(doc: CibDocument, parent: Element, expr: RuleExpr, rule_id: str,
               attributes: dict[str, str] | None = None) -> Element:
    """Append a ``<rule id=rule_id ...>`` for ``expr`` under ``parent``.

    ``attributes`` (score, score-attribute, role) go on the rule element. Ids of the
    children are ``<rule id>-expr``, ``-expr-1``..., nested rules ``<rule id>-rule``...
    """
    taken = doc.ids()
    taken.add(rule_id)
    rule = etree.SubElement(parent, "rule", id=rule_id)
    for key, value in (attributes or {}).items():
        rule.set(key, value)
    _fill(doc, rule, expr, taken)
    return rule


def _fill(doc: CibDocument, rule: Element, expr: RuleExpr, taken: set[str]) -> None:
    terms = expr.terms if isinstance(expr, BoolExpr) else (expr,)
    if isinstance(expr, BoolExpr):
        rule.set("boolean-op", expr.operation)
    base = str(rule.get("id"))
    for term in terms:
        if isinstance(term, BoolExpr):
            sub_id = doc.unique_id(f"{base}-rule", taken)
            taken.add(sub_id)
            sub = etree.SubElement(rule, "rule", id=sub_id)
            _fill(doc, sub, term, taken)
            continue
        expr_id = doc.unique_id(f"{base}-expr", taken)
        taken.add(expr_id)
        if isinstance(term, AttrExpr):
            el = etree.SubElement(rule, "expression", id=expr_id, operation=term.operation,
                                  attribute=term.attribute)
            if term.value is not None:
                el.set("value", term.value)
            if term.value_type is not None:
                el.set("type", term.value_type)
        elif isinstance(term, DateExpr):
            el = etree.SubElement(rule, "date_expression", id=expr_id, operation=term.operation)
            if term.start is not None:
                el.set("start", term.start)
            if term.end is not None:
                el.set("end", term.end)
            if term.duration is not None:
                dur_id = doc.unique_id(f"{expr_id}-duration", taken)
                taken.add(dur_id)
                dur = etree.SubElement(el, "duration", id=dur_id)
                for key, value in term.duration:
                    dur.set(key, value)
        else:
            el = etree.SubElement(rule, "date_expression", id=expr_id, operation="date_spec")
            spec_id = doc.unique_id(f"{expr_id}-datespec", taken)
            taken.add(spec_id)
            spec = etree.SubElement(el, "date_spec", id=spec_id)
            for key, value in term.fields:
                spec.set(key, value)


# ---- back to text ---------------------------------------------------------------------------


def expr_to_words(expr: RuleExpr, top: bool = True) -> list[str]:
    """The pcs words of an expression tree (inverse of :func:`parse_rule`)."""
    if isinstance(expr, BoolExpr):
        words: list[str] = []
        for i, term in enumerate(expr.terms):
            if i:
                words.append(expr.operation)
            sub = expr_to_words(term, top=False)
            if isinstance(term, BoolExpr):
                sub = ["(", *sub, ")"]
            words.extend(sub)
        return words
    if isinstance(expr, AttrExpr):
        if expr.operation in ("defined", "not_defined"):
            return [expr.operation, expr.attribute]
        typed = [expr.value_type] if expr.value_type else []
        return [expr.attribute, expr.operation, *typed, str(expr.value)]
    if isinstance(expr, DateExpr):
        if expr.operation == "gt":
            return ["date", "gt", str(expr.start)]
        if expr.operation == "lt":
            return ["date", "lt", str(expr.end)]
        words = ["date", "in_range"]
        if expr.start is not None:
            words.append(expr.start)
        words.append("to")
        if expr.duration is not None:
            return [*words, "duration", *(f"{k}={v}" for k, v in expr.duration)]
        return [*words, str(expr.end)]
    return ["date-spec", *(f"{k}={v}" for k, v in expr.fields)]


def rule_element_to_expr(rule: Element) -> RuleExpr:
    """Read a CIB ``<rule>`` back into an expression tree (ids are dropped)."""
    terms: list[RuleExpr] = []
    for child in rule:
        if not isinstance(child.tag, str):
            continue
        if child.tag == "rule":
            terms.append(rule_element_to_expr(child))
        elif child.tag == "expression":
            terms.append(AttrExpr(str(child.get("attribute")), str(child.get("operation")),
                                  child.get("value"), child.get("type")))
        elif child.tag == "date_expression":
            op = str(child.get("operation"))
            if op == "date_spec":
                spec = child.find("date_spec")
                fields = tuple((str(k), str(v)) for k, v in (
                    spec.attrib.items() if spec is not None else []) if k != "id")
                terms.append(DateSpecExpr(fields))
            else:
                dur = child.find("duration")
                duration = None if dur is None else tuple(
                    (str(k), str(v)) for k, v in dur.attrib.items() if k != "id")
                terms.append(DateExpr(op, child.get("start"), child.get("end"), duration))
    if len(terms) == 1:
        return terms[0]
    return BoolExpr(rule.get("boolean-op", "and"), tuple(terms))


def rule_to_text(rule: Element) -> str:
    return " ".join(expr_to_words(rule_element_to_expr(rule)))

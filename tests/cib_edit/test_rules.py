"""The pcs rule parser: examples, XML output, and round-trip properties (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from buttress.cib.edit.document import CibDocument
from buttress.cib.edit.errors import RuleSyntaxError
from buttress.cib.edit.rules import (
    COMPARISONS,
    DATE_SPEC_KEYS,
    AttrExpr,
    BoolExpr,
    DateExpr,
    DateSpecExpr,
    RuleExpr,
    build_rule,
    expr_to_words,
    parse_rule,
    rule_element_to_expr,
    tokenize,
)

EMPTY = b"<cib><configuration><constraints/></configuration><status/></cib>"


def test_simple_comparison() -> None:
    assert parse_rule(["osprole", "eq", "controller"]) == AttrExpr("osprole", "eq", "controller")


def test_precedence_and_parentheses() -> None:
    a, b, c = (AttrExpr(x, "eq", "1") for x in "abc")
    assert parse_rule(["a", "eq", "1", "or", "b", "eq", "1", "and", "c", "eq", "1"]) == BoolExpr(
        "or", (a, BoolExpr("and", (b, c))))
    words = ["(a", "eq", "1", "or", "b", "eq", "1)", "and", "c", "eq", "1"]
    assert parse_rule(words) == BoolExpr("and", (BoolExpr("or", (a, b)), c))
    words = ["a", "eq", "1", "and", "b", "eq", "1", "and", "c", "eq", "1"]
    assert parse_rule(words) == BoolExpr("and", (a, b, c))


def test_types_defined_and_dates() -> None:
    assert parse_rule(["pingd", "gt", "integer", "5"]) == AttrExpr("pingd", "gt", "5", "integer")
    assert parse_rule(["not_defined", "pingd"]) == AttrExpr("pingd", "not_defined")
    assert parse_rule(["date", "gt", "2024-01-01"]) == DateExpr("gt", start="2024-01-01")
    assert parse_rule(["date", "in_range", "2024-01-01", "to", "duration", "months=2"]) == DateExpr(
        "in_range", start="2024-01-01", duration=(("months", "2"),))
    assert parse_rule(["date-spec", "hours=9-16", "weekdays=1-5"]) == DateSpecExpr(
        (("hours", "9-16"), ("weekdays", "1-5")))
    # "string" is a value when nothing follows it
    assert parse_rule(["kind", "eq", "string"]) == AttrExpr("kind", "eq", "string")


@pytest.mark.parametrize("text", [
    "", "osprole", "osprole eq", "osprole is x", "( a eq 1", "a eq 1 )", "a eq 1 and",
    "and a eq 1", "a eq 1 b eq 2", "defined", "date gt never", "date-spec hours=x",
    "date-spec centuries=1", "a gt integer 1.5", "a eq version x.y", "a eq and",
])
def test_malformed(text: str) -> None:
    with pytest.raises(RuleSyntaxError):
        parse_rule(text.split())


def test_xml_of_nested_rule() -> None:
    doc = CibDocument.from_bytes(EMPTY)
    loc = etree.SubElement(doc.constraints, "rsc_location", id="loc")
    expr = parse_rule(["(#uname", "eq", "n1", "or", "#uname", "eq", "n2)", "and",
                       "date-spec", "hours=9-16"])
    rule = build_rule(doc, loc, expr, "loc-rule", {"score": "100"})
    text = etree.tostring(rule).decode()
    assert text == (
        '<rule id="loc-rule" score="100" boolean-op="and">'
        '<rule id="loc-rule-rule" boolean-op="or">'
        '<expression id="loc-rule-rule-expr" operation="eq" attribute="#uname" value="n1"/>'
        '<expression id="loc-rule-rule-expr-1" operation="eq" attribute="#uname" value="n2"/>'
        '</rule>'
        '<date_expression id="loc-rule-expr" operation="date_spec">'
        '<date_spec id="loc-rule-expr-datespec" hours="9-16"/></date_expression></rule>')


# ---- properties ------------------------------------------------------------------------------

names = st.from_regex(r"[a-z#][a-z0-9_\-]{0,8}", fullmatch=True).filter(
    lambda s: s not in {"and", "or", "defined", "not_defined", "date", "date-spec",
                        "string", "integer", "number", "version", *COMPARISONS})
values = st.from_regex(r"[A-Za-z0-9_.\-]{1,10}", fullmatch=True).filter(
    lambda s: s not in {"and", "or", "defined", "not_defined", "date", "date-spec"})
dates = st.dates().map(lambda d: d.isoformat())

attr_exprs = st.one_of(
    st.builds(AttrExpr, names, st.sampled_from(COMPARISONS), values, st.none()),
    st.builds(AttrExpr, names, st.sampled_from(COMPARISONS),
              st.integers(-999, 999).map(str), st.just("integer")),
    st.builds(AttrExpr, names, st.sampled_from(["defined", "not_defined"])),
)
date_exprs = st.one_of(
    st.builds(lambda d: DateExpr("gt", start=d), dates),
    st.builds(lambda d: DateExpr("lt", end=d), dates),
    st.builds(lambda a, b: DateExpr("in_range", start=a, end=b), dates, dates),
    st.builds(lambda a, n: DateExpr("in_range", start=a, duration=(("days", str(n)),)),
              dates, st.integers(0, 99)),
    st.builds(lambda fields: DateSpecExpr(tuple(fields)),
              st.lists(st.tuples(st.sampled_from(DATE_SPEC_KEYS),
                                 st.from_regex(r"\d{1,2}(-\d{1,2})?", fullmatch=True)),
                       min_size=1, max_size=3, unique_by=lambda t: t[0])),
)
leaves = st.one_of(attr_exprs, date_exprs)


def _combine(children: st.SearchStrategy[RuleExpr]) -> st.SearchStrategy[RuleExpr]:
    def make(op: str, terms: list[RuleExpr]) -> RuleExpr:
        # Canonical form: no child has the same operator as its parent (it would be flat).
        flat: list[RuleExpr] = []
        for term in terms:
            if isinstance(term, BoolExpr) and term.operation == op:
                flat.extend(term.terms)
            else:
                flat.append(term)
        return BoolExpr(op, tuple(flat))

    return st.builds(make, st.sampled_from(["and", "or"]),
                     st.lists(children, min_size=2, max_size=3))


exprs = st.recursive(leaves, _combine, max_leaves=8)


@settings(max_examples=200, deadline=None)
@given(exprs)
def test_words_round_trip(expr: RuleExpr) -> None:
    assert parse_rule(expr_to_words(expr)) == expr


@settings(max_examples=100, deadline=None)
@given(exprs)
def test_xml_round_trip_and_unique_ids(expr: RuleExpr) -> None:
    doc = CibDocument.from_bytes(EMPTY)
    loc = etree.SubElement(doc.constraints, "rsc_location", id="loc")
    rule = build_rule(doc, loc, expr, "loc-rule", {"score": "0"})
    assert rule_element_to_expr(rule) == expr
    ids = [el.get("id") for el in doc.root.iter() if el.get("id")]
    assert len(ids) == len(set(ids))


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(["and", "or", "(", ")", "eq", "defined", "date",
                                           "gt", "in_range", "to", "date-spec", "integer"]),
                          values, st.just("hours=9")), max_size=8))
def test_parser_only_raises_rule_syntax_errors(words: list[str]) -> None:
    try:
        expr = parse_rule(words)
    except RuleSyntaxError as exc:
        assert str(exc).startswith("malformed rule")
    else:
        assert parse_rule(expr_to_words(expr)) == expr


@given(st.lists(st.from_regex(r"\(*[a-z]{1,4}\)*", fullmatch=True), max_size=6))
def test_tokenize_splits_parentheses(words: list[str]) -> None:
    tokens = tokenize(words)
    assert "".join(tokens) == "".join(words)
    assert all(t in ("(", ")") or ("(" not in t and ")" not in t) for t in tokens)

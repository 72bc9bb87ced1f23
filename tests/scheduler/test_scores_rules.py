"""Score arithmetic, intervals and rule evaluation."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from buttress.model.rules import DateExpression, Expression, Rule
from buttress.scheduler.rules import RuleContext, evaluate
from buttress.scores import INFINITY, add, parse_score, to_text
from buttress.timeutil import parse_interval_ms, parse_iso_datetime

scores = st.integers(min_value=-2 * INFINITY, max_value=2 * INFINITY)


@given(scores, scores)
def test_addition_is_clamped_and_commutative(a: int, b: int) -> None:
    total = add(a, b)
    assert -INFINITY <= total <= INFINITY
    assert total == add(b, a)


@given(scores)
def test_minus_infinity_dominates(a: int) -> None:
    assert add(a, -INFINITY) == -INFINITY


@given(st.integers(min_value=-INFINITY, max_value=INFINITY))
def test_score_text_round_trip(value: int) -> None:
    assert parse_score(to_text(value)) == value


def test_parse_score_words() -> None:
    assert parse_score("INFINITY") == INFINITY
    assert parse_score("+INFINITY") == INFINITY
    assert parse_score("-infinity") == -INFINITY
    assert parse_score("2.0") == 2
    assert parse_score("garbage") == 0


def test_intervals() -> None:
    assert parse_interval_ms("10") == 10_000
    assert parse_interval_ms("10s") == 10_000
    assert parse_interval_ms("500ms") == 500
    assert parse_interval_ms("2min") == 120_000
    assert parse_interval_ms("PT1M30S") == 90_000
    assert parse_interval_ms("P10S") == 10_000


def test_node_attribute_rule() -> None:
    rule = Rule(id="r", terms=(Expression(id="e", attribute="osprole", operation="eq",
                                          value="compute"),))
    assert evaluate(rule, RuleContext(now=0, node_attrs={"osprole": "compute"}))
    assert not evaluate(rule, RuleContext(now=0, node_attrs={"osprole": "controller"}))
    assert not evaluate(rule, RuleContext(now=0, node_attrs={}))


def test_numeric_comparison_and_or() -> None:
    rule = Rule(id="r", boolean_op="or", terms=(
        Expression(id="a", attribute="cpus", operation="gt", value="8", value_type="integer"),
        Expression(id="b", attribute="big", operation="defined"),
    ))
    assert evaluate(rule, RuleContext(now=0, node_attrs={"cpus": "16"}))
    assert not evaluate(rule, RuleContext(now=0, node_attrs={"cpus": "4"}))
    assert evaluate(rule, RuleContext(now=0, node_attrs={"cpus": "4", "big": "1"}))


def test_date_range_uses_snapshot_time_only() -> None:
    rule = Rule(id="r", terms=(DateExpression(id="d", operation="in_range",
                                              start="2020-01-01", end="2020-12-31"),))
    inside = parse_iso_datetime("2020-06-01T00:00:00Z")
    outside = parse_iso_datetime("2021-06-01T00:00:00Z")
    assert evaluate(rule, RuleContext(now=inside))
    assert not evaluate(rule, RuleContext(now=outside))

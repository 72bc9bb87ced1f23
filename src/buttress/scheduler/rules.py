"""Evaluate rules against node attributes and the snapshot's time. Pure."""

from __future__ import annotations

import calendar
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from buttress.model.nvsets import NvSet
from buttress.model.rules import (
    DateExpression,
    Expression,
    OpExpression,
    ResourceExpression,
    Rule,
)
from buttress.timeutil import parse_iso_datetime


@dataclass(frozen=True)
class RuleContext:
    """What a rule may look at: node attributes, the time, the resource/op for defaults."""

    now: int
    node_attrs: Mapping[str, str] = field(default_factory=dict)
    rsc_class: str | None = None
    rsc_provider: str | None = None
    rsc_type: str | None = None
    op_name: str | None = None
    op_interval_ms: int | None = None
    role: str | None = None
    rsc_params: Mapping[str, str] = field(default_factory=dict)
    rsc_meta: Mapping[str, str] = field(default_factory=dict)


def evaluate(rule: Rule, ctx: RuleContext) -> bool:
    """True when the rule matches. An empty rule matches (as Pacemaker treats it)."""
    if not rule.terms:
        return True
    results = (_term(term, ctx) for term in rule.terms)
    if rule.boolean_op == "or":
        return any(results)
    return all(results)


def _term(term: Expression | DateExpression | ResourceExpression | OpExpression | Rule,
          ctx: RuleContext) -> bool:
    if isinstance(term, Rule):
        return evaluate(term, ctx)
    if isinstance(term, Expression):
        return _expression(term, ctx)
    if isinstance(term, DateExpression):
        return _date(term, ctx.now)
    if isinstance(term, ResourceExpression):
        return ((term.rsc_class is None or term.rsc_class == ctx.rsc_class)
                and (term.provider is None or term.provider == ctx.rsc_provider)
                and (term.type is None or term.type == ctx.rsc_type))
    if ctx.op_name is None or term.name != ctx.op_name:
        return False
    if term.interval is None:
        return True
    from buttress.timeutil import parse_interval_ms

    try:
        return parse_interval_ms(term.interval) == ctx.op_interval_ms
    except ValueError:
        return False


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def _version(text: str) -> tuple[int, ...]:
    parts = []
    for piece in text.split("."):
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts)


def _expression(expr: Expression, ctx: RuleContext) -> bool:
    actual = ctx.node_attrs.get(expr.attribute)
    op = expr.operation
    if op == "defined":
        return actual is not None
    if op == "not_defined":
        return actual is None
    if actual is None or expr.value is None:
        return op == "ne" and (actual is None) != (expr.value is None)
    wanted = expr.value
    if expr.value_source == "param":
        found = ctx.rsc_params.get(wanted)
        if found is None:
            return False
        wanted = found
    elif expr.value_source == "meta":
        found = ctx.rsc_meta.get(wanted)
        if found is None:
            return False
        wanted = found
    vtype = expr.value_type
    if vtype is None:
        vtype = "number" if (_number(actual) is not None and _number(wanted) is not None
                             and op in ("lt", "gt", "lte", "gte")) else "string"
    cmp: int
    if vtype in ("integer", "number"):
        a, b = _number(actual), _number(wanted)
        if a is None or b is None:
            cmp = (actual > wanted) - (actual < wanted)
        else:
            if vtype == "integer":
                a, b = float(int(a)), float(int(b))
            cmp = (a > b) - (a < b)
    elif vtype == "version":
        va, vb = _version(actual), _version(wanted)
        cmp = (va > vb) - (va < vb)
    else:
        la, lb = actual.lower(), wanted.lower()
        cmp = (la > lb) - (la < lb)
        if op in ("eq", "ne"):
            cmp = 0 if actual.lower() == wanted.lower() else 1
    return {"eq": cmp == 0, "ne": cmp != 0, "lt": cmp < 0, "gt": cmp > 0,
            "lte": cmp <= 0, "gte": cmp >= 0}.get(op, False)


def _duration_seconds(fields: tuple[tuple[str, str], ...]) -> int:
    total = 0
    mult = {"years": 365 * 86400, "months": 30 * 86400, "weeks": 7 * 86400, "days": 86400,
            "hours": 3600, "minutes": 60, "seconds": 1}
    for key, value in fields:
        try:
            total += int(value) * mult.get(key, 0)
        except ValueError:
            continue
    return total


def _date(expr: DateExpression, now: int) -> bool:
    op = expr.operation
    try:
        start = parse_iso_datetime(expr.start) if expr.start else None
        end = parse_iso_datetime(expr.end) if expr.end else None
    except ValueError:
        return False
    if op == "gt":
        return start is not None and now > start
    if op == "lt":
        return end is not None and now < end
    if op == "in_range":
        if end is None and start is not None and expr.duration:
            end = start + _duration_seconds(expr.duration)
        if start is not None and now < start:
            return False
        return not (end is not None and now > end)
    if op == "date_spec" and expr.date_spec is not None:
        return _date_spec(dict(expr.date_spec.fields), now)
    return False


def _in_range(spec: str, value: int) -> bool:
    for part in spec.split(","):
        part = part.strip()
        if "-" in part:
            low, high = part.split("-", 1)
            if low.strip().isdigit() and high.strip().isdigit() and \
                    int(low) <= value <= int(high):
                return True
        elif part.isdigit() and int(part) == value:
            return True
    return False


def _date_spec(fields: dict[str, str], now: int) -> bool:
    tm = time.gmtime(now)
    iso_year, iso_week, iso_day = _isocal(now)
    values = {"years": tm.tm_year, "months": tm.tm_mon, "monthdays": tm.tm_mday,
              "hours": tm.tm_hour, "minutes": tm.tm_min, "seconds": tm.tm_sec,
              "yeardays": tm.tm_yday, "weekdays": iso_day, "weekyears": iso_year,
              "weeks": iso_week}
    for key, spec in fields.items():
        if key in values and not _in_range(spec, values[key]):
            return False
    return True


def _isocal(now: int) -> tuple[int, int, int]:
    import datetime

    day = datetime.datetime.fromtimestamp(now, tz=datetime.UTC).date()
    year, week, weekday = day.isocalendar()
    return year, week, weekday


def resolve_nvsets(sets: tuple[NvSet, ...], ctx: RuleContext) -> dict[str, str]:
    """Flatten sets whose rule matches: higher score first, first definition wins."""
    merged: dict[str, str] = {}
    for nvset in sorted(sets, key=lambda s: -s.score):
        if nvset.rule is not None and not evaluate(nvset.rule, ctx):
            continue
        for key, value in nvset.pairs:
            merged.setdefault(key, value)
    return merged


def epoch(text: str) -> int:
    return calendar.timegm(time.gmtime(parse_iso_datetime(text)))

"""Rules: boolean combinations of node-attribute, date, resource and operation expressions."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Expression:
    """A comparison of a node attribute (or #uname, #id, #kind, #cluster-name...) with a value.

    ``operation`` is one of lt, gt, lte, gte, eq, ne, defined, not_defined.
    ``value_type`` is string, integer, number or version (None: inferred as Pacemaker does).
    ``value_source`` is literal, param or meta.
    """

    id: str
    attribute: str
    operation: str
    value: str | None = None
    value_type: str | None = None
    value_source: str = "literal"


@dataclass(frozen=True)
class DateSpec:
    """A cron-like date specification; each field is a range text such as "9-16" or None."""

    id: str
    fields: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class DateExpression:
    """in_range / gt / lt / date_spec expression on the current time."""

    id: str
    operation: str
    start: str | None = None
    end: str | None = None
    duration: tuple[tuple[str, str], ...] | None = None
    date_spec: DateSpec | None = None


@dataclass(frozen=True)
class ResourceExpression:
    """Matches a resource by class, provider and type (for rsc_defaults rules)."""

    id: str
    rsc_class: str | None = None
    provider: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class OpExpression:
    """Matches an operation by name and interval (for op_defaults rules)."""

    id: str
    name: str
    interval: str | None = None




@dataclass(frozen=True)
class Rule:
    """A rule: terms combined with ``boolean_op`` (and / or).

    ``score`` is the score the rule contributes when it matches (location rules);
    ``score_attribute`` names a node attribute whose value is the score instead.
    """

    id: str
    boolean_op: str = "and"
    score: str | None = None
    score_attribute: str | None = None
    role: str | None = None
    terms: tuple[RuleTermType, ...] = field(default_factory=tuple)


RuleTermType = Expression | DateExpression | ResourceExpression | OpExpression | Rule

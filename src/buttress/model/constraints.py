"""Placement and ordering constraints."""

from __future__ import annotations

from dataclasses import dataclass

from buttress.model.rules import Rule


@dataclass(frozen=True)
class ResourceSet:
    """A ``resource_set``: ordered resources sharing role/action/sequential/require-all."""

    id: str
    resources: tuple[str, ...]
    sequential: bool = True
    require_all: bool = True
    ordering: str | None = None
    action: str | None = None
    role: str | None = None
    score: str | None = None
    kind: str | None = None


@dataclass(frozen=True)
class Location:
    """``rsc_location``; either ``node`` + ``score`` or ``rules``."""

    id: str
    rsc: str | None
    rsc_pattern: str | None = None
    node: str | None = None
    score: str | None = None
    role: str | None = None
    rules: tuple[Rule, ...] = ()
    resource_discovery: str = "always"
    sets: tuple[ResourceSet, ...] = ()


@dataclass(frozen=True)
class Colocation:
    """``rsc_colocation``: place ``rsc`` relative to ``with_rsc`` (or sets)."""

    id: str
    rsc: str | None
    with_rsc: str | None
    score: str
    rsc_role: str | None = None
    with_rsc_role: str | None = None
    node_attribute: str = "#uname"
    influence: bool | None = None
    sets: tuple[ResourceSet, ...] = ()


@dataclass(frozen=True)
class Order:
    """``rsc_order``: ``first`` action before ``then`` action (or sets)."""

    id: str
    first: str | None
    then: str | None
    first_action: str | None = None
    then_action: str | None = None
    kind: str | None = None
    score: str | None = None
    symmetrical: bool | None = None
    require_all: bool = True
    sets: tuple[ResourceSet, ...] = ()


@dataclass(frozen=True)
class Ticket:
    """``rsc_ticket``: ``rsc`` depends on ``ticket`` being granted."""

    id: str
    ticket: str
    rsc: str | None
    rsc_role: str | None = None
    loss_policy: str | None = None
    sets: tuple[ResourceSet, ...] = ()

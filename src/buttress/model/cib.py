"""The whole CIB: configuration plus status plus the header attributes."""

from __future__ import annotations

from dataclasses import dataclass

from buttress.model.constraints import Colocation, Location, Order, Ticket
from buttress.model.nodes import Node
from buttress.model.nvsets import NvSet
from buttress.model.resources import Bundle, Clone, Group, Primitive, Resource
from buttress.model.status import Status


@dataclass(frozen=True)
class FencingLevel:
    id: str
    index: int
    devices: tuple[str, ...]
    target: str | None = None
    target_pattern: str | None = None
    target_attribute: str | None = None
    target_value: str | None = None


@dataclass(frozen=True)
class Tag:
    id: str
    refs: tuple[str, ...]


@dataclass(frozen=True)
class Configuration:
    properties: tuple[NvSet, ...] = ()
    nodes: tuple[Node, ...] = ()
    resources: tuple[Resource, ...] = ()
    templates: tuple[Primitive, ...] = ()
    locations: tuple[Location, ...] = ()
    colocations: tuple[Colocation, ...] = ()
    orders: tuple[Order, ...] = ()
    tickets: tuple[Ticket, ...] = ()
    rsc_defaults: tuple[NvSet, ...] = ()
    op_defaults: tuple[NvSet, ...] = ()
    fencing_levels: tuple[FencingLevel, ...] = ()
    tags: tuple[Tag, ...] = ()


@dataclass(frozen=True)
class Cib:
    """A parsed CIB. ``header`` holds the ``<cib>`` attributes (epoch, have-quorum, ...)."""

    header: tuple[tuple[str, str], ...]
    configuration: Configuration
    status: Status

    def header_value(self, name: str) -> str | None:
        for key, value in self.header:
            if key == name:
                return value
        return None


def inherited_instance(resources: tuple[Resource, ...]) -> dict[str, tuple[tuple[NvSet, ...], ...]]:
    """For each primitive id, the parameter sets of its enclosing group and clone, innermost
    first: a member's own parameter wins over its group's, which wins over its clone's."""
    found: dict[str, tuple[tuple[NvSet, ...], ...]] = {}

    def walk(rsc: Resource, outer: tuple[tuple[NvSet, ...], ...]) -> None:
        if isinstance(rsc, Primitive):
            found[rsc.id] = outer
        elif isinstance(rsc, Group):
            for child in rsc.children:
                walk(child, (rsc.instance, *outer))
        elif isinstance(rsc, Clone):
            walk(rsc.child, (rsc.instance, *outer))

    for rsc in resources:
        walk(rsc, ())
    return found


def iter_primitives(resources: tuple[Resource, ...]) -> list[Primitive]:
    """Every primitive in configuration order, descending into groups, clones and bundles."""
    found: list[Primitive] = []
    for rsc in resources:
        if isinstance(rsc, Primitive):
            found.append(rsc)
        elif isinstance(rsc, Group):
            found.extend(rsc.children)
        elif isinstance(rsc, Clone):
            found.extend(iter_primitives((rsc.child,)))
        elif isinstance(rsc, Bundle) and rsc.child is not None:
            found.append(rsc.child)
    return found

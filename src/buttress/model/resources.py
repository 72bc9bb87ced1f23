"""Resources: primitives, groups, clones (promotable or not) and bundles."""

from __future__ import annotations

from dataclasses import dataclass

from buttress.model.nvsets import NvSet


@dataclass(frozen=True)
class Operation:
    """A configured operation (``<op>``); ``interval_ms`` 0 means not recurring."""

    id: str
    name: str
    interval_ms: int
    role: str | None = None
    timeout: str | None = None
    on_fail: str | None = None
    enabled: bool = True
    attributes: tuple[tuple[str, str], ...] = ()
    meta: tuple[NvSet, ...] = ()


@dataclass(frozen=True)
class Primitive:
    id: str
    rsc_class: str
    type: str
    provider: str | None = None
    instance: tuple[NvSet, ...] = ()
    meta: tuple[NvSet, ...] = ()
    utilization: tuple[NvSet, ...] = ()
    operations: tuple[Operation, ...] = ()
    template: str | None = None

    @property
    def agent(self) -> str:
        """``class:provider:type`` as crm_mon prints it."""
        if self.provider:
            return f"{self.rsc_class}:{self.provider}:{self.type}"
        return f"{self.rsc_class}:{self.type}"


@dataclass(frozen=True)
class Group:
    id: str
    children: tuple[Primitive, ...]
    meta: tuple[NvSet, ...] = ()
    instance: tuple[NvSet, ...] = ()    # parameters every member inherits


@dataclass(frozen=True)
class Clone:
    """A clone; ``promotable`` is set by ``<master>`` or the ``promotable`` meta attribute."""

    id: str
    child: Primitive | Group
    meta: tuple[NvSet, ...] = ()
    legacy_master: bool = False
    instance: tuple[NvSet, ...] = ()    # parameters every instance inherits


@dataclass(frozen=True)
class Bundle:
    """A container bundle; kept so it round-trips and can be reported, scheduled minimally."""

    id: str
    container: str
    image: str | None
    replicas: int
    child: Primitive | None = None
    meta: tuple[NvSet, ...] = ()


Resource = Primitive | Group | Clone | Bundle

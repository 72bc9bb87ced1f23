"""The scheduler's working set: nodes, resources and actions of one scheduling run.

These objects are private to one ``schedule()`` call: built by unpack, refined by each stage,
then frozen into the transition. Nothing outside the scheduler holds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from buttress.model.resources import Operation
from buttress.state.history import STOPPED, NodeHistory


@dataclass(eq=False)
class WNode:
    """A node as the scheduler sees it."""

    name: str
    id: str
    kind: str                    # member, remote, guest
    index: int
    online: bool = False
    unclean: bool = False
    standby: bool = False
    maintenance: bool = False
    shutdown: bool = False
    pending: bool = False
    fence_reason: str | None = None
    attrs: dict[str, str] = field(default_factory=dict)
    count: int = 0
    utilization: dict[str, int] = field(default_factory=dict)
    extra_free: dict[str, int] = field(default_factory=dict)
    failures: tuple[dict[str, int], dict[str, int]] | None = None
    remote_rsc: str | None = None
    seen: bool = False
    # a guest node that must be reset: its container is recovered (its "fencing")
    reset: bool = False
    # the guest node of a bundle replica: only that bundle's inner instance runs there
    bundle_guest: bool = False
    # listed in the configuration's <nodes> (not only implied by a resource)
    configured: bool = True

    @property
    def hidden_guest(self) -> bool:
        """A bundle's guest node known only from the bundle: other resources neither count
        it (clone-max) nor list it."""
        return self.bundle_guest and not self.configured

    @property
    def is_remote(self) -> bool:
        """A remote or guest node (runs no cluster stack: no fence devices, no connections)."""
        return self.kind in ("remote", "guest")

    def can_run(self) -> bool:
        return (self.online and not self.unclean and not self.standby and not self.maintenance
                and not self.shutdown and not self.pending)

    def __repr__(self) -> str:
        return f"WNode({self.name})"


@dataclass(eq=False)
class WRsc:
    """A resource (primitive, group, clone or clone instance) during scheduling."""

    id: str
    variant: str                 # primitive, group, clone
    parent: WRsc | None = None
    children: list[WRsc] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    params: dict[str, str] = field(default_factory=dict)
    rsc_class: str = ""
    provider: str | None = None
    type: str = ""
    operations: tuple[Operation, ...] = ()
    index: int = 0
    # state from history
    history: dict[str, NodeHistory] = field(default_factory=dict)   # node name -> history
    running_on: list[WNode] = field(default_factory=list)
    role: str = STOPPED
    failed: bool = False
    orphan: bool = False
    managed: bool = True
    blocked: bool = False
    history_ids: dict[str, str] = field(default_factory=dict)      # node -> lrm id
    # placement
    allowed: dict[str, int] = field(default_factory=dict)          # node name -> score
    discovery: dict[str, str] = field(default_factory=dict)        # node -> always/never/exclusive
    assigned: WNode | None = None
    next_role: str = STOPPED
    provisional: bool = True
    assigning: bool = False
    priority: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def top(self) -> WRsc:
        rsc = self
        while rsc.parent is not None:
            rsc = rsc.parent
        return rsc

    @property
    def is_clone_instance(self) -> bool:
        return self.parent is not None and self.parent.variant == "clone"

    def clone_parent(self) -> WRsc | None:
        rsc: WRsc | None = self.parent
        while rsc is not None:
            if rsc.variant == "clone":
                return rsc
            rsc = rsc.parent
        return None

    def primitives(self) -> list[WRsc]:
        if self.variant == "primitive":
            return [self]
        found: list[WRsc] = []
        for child in self.children:
            found.extend(child.primitives())
        return found

    @property
    def agent(self) -> str:
        if self.provider:
            return f"{self.rsc_class}:{self.provider}:{self.type}"
        return f"{self.rsc_class}:{self.type}"

    def __repr__(self) -> str:
        return f"WRsc({self.id})"


@dataclass(eq=False)
class Action:
    """One action of the transition (real or pseudo)."""

    uid: int
    task: str
    rsc: WRsc | None
    node: WNode | None
    interval_ms: int = 0
    optional: bool = True
    runnable: bool = True
    pseudo: bool = False
    reason: str | None = None
    unrunnable_reason: str | None = None
    # a stop made mandatory only because its own start cannot run (the start it then
    # requires is no reason for interleaved dependents to be "required" to stop)
    for_blocked_start: bool = False
    # a start made required only by such a stop of its own
    required_by_own_stop: bool = False
    meta: dict[str, str] = field(default_factory=dict)
    before: list[Ordering] = field(default_factory=list)    # orderings where this is first
    after: list[Ordering] = field(default_factory=list)     # orderings where this is then

    @property
    def key(self) -> str:
        name = self.rsc.id if self.rsc else "all"
        return f"{name}_{self.task}_{self.interval_ms}"

    def __repr__(self) -> str:
        flags = ("" if self.optional else "!") + ("" if self.runnable else "X")
        where = f" {self.node.name}" if self.node else ""
        return f"<{self.key}{where}{flags}>"


@dataclass(eq=False)
class Ordering:
    first: Action
    then: Action
    flags: int

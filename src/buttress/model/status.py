"""The status section: node states, operation history and transient attributes."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class HistoryOp:
    """One recorded operation result (``lrm_rsc_op``)."""

    id: str
    operation: str
    interval_ms: int
    call_id: int
    rc_code: int
    op_status: int
    last_rc_change: int = 0
    exec_time: int = 0
    op_digest: str | None = None
    op_restart_digest: str | None = None
    op_secure_digest: str | None = None
    transition_key: str | None = None
    on_node: str | None = None
    migrate_source: str | None = None
    migrate_target: str | None = None
    exit_reason: str | None = None
    force_restart: str | None = None
    secure_params: str | None = None


@dataclass(frozen=True)
class ResourceHistory:
    """The operations one node recorded for one resource (``lrm_resource``)."""

    id: str
    rsc_class: str | None
    type: str | None
    provider: str | None = None
    container: str | None = None
    ops: tuple[HistoryOp, ...] = ()
    #: when the node's clean shutdown locked the resource to it (epoch seconds)
    shutdown_lock: int | None = None


@dataclass(frozen=True)
class NodeState:
    """``node_state``: membership flags, resource history and transient attributes."""

    id: str
    uname: str
    in_ccm: str | None = None
    crmd: str | None = None
    join: str | None = None
    expected: str | None = None
    remote_node: bool = False
    #: when a remote node was last fenced (``node_fenced``; 0: not since its connection failed)
    node_fenced: int = 0
    history: tuple[ResourceHistory, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict, hash=False, compare=True)
    has_lrm: bool = False


@dataclass(frozen=True)
class TicketState:
    id: str
    granted: bool = False
    standby: bool = False
    last_granted: str | None = None


@dataclass(frozen=True)
class Status:
    nodes: tuple[NodeState, ...] = ()
    tickets: tuple[TicketState, ...] = ()

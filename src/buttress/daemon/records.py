"""What the daemons write into the store, and the keys they write it under.

Keys (besides those of :class:`buttress.store.KeyLayout`), all under the cluster prefix::

    actions/<node>/<transition:08d>-<action:05d>   an action the controller assigned to a
                                                   node (ActionOrder); the node agent deletes
                                                   it in the transaction that records its result
    nodes/<node>                                   NodeRecord: persistent "expected" state of a
                                                   node (member while its agent has joined, down
                                                   once it left cleanly or was fenced)
    nodeattrs/<node>/<name>                        permanent node attributes (crm_attribute -l
                                                   forever)
    fencing/<node>                                 the last fencing operation against the node
    controller/status                              the leader's last pass, as a sentence
    instance-ha/fenced/<node>                      FenceEventRecord: the node was fenced by a
                                                   level with a fence_nova device (written with
                                                   the fencing record, in its transaction)
    instance-ha/journal/...                        the evacuation engine's StoreJournal

Values are compact JSON. History entries (``history/<node>/<rsc>/<task>_<interval>``) are
:class:`HistoryEntry`; each becomes one ``lrm_rsc_op`` of the synthesized CIB.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from buttress.store import InvalidKey, KeyLayout

CLUSTER_UUID = "6275747472657373-0000-0000-0000-000000000000"
"""The uuid part of transition keys written by Buttress (Pacemaker writes the DC's)."""


@dataclass(frozen=True)
class DaemonKeys:
    """The key names of the daemons (KeyLayout plus the queue and records of this module)."""

    layout: KeyLayout

    @classmethod
    def of(cls, cluster: str) -> DaemonKeys:
        return cls(KeyLayout(cluster))

    @property
    def prefix(self) -> str:
        return self.layout.prefix

    def _node(self, node: str) -> str:
        # reuse KeyLayout's validation of a name component
        self.layout.member(node)
        return node

    def actions_prefix(self, node: str | None = None) -> str:
        base = f"{self.prefix}actions/"
        return base if node is None else f"{base}{self._node(node)}/"

    def action(self, node: str, transition: int, action_id: int) -> str:
        return f"{self.actions_prefix(node)}{transition:08d}-{action_id:05d}"

    def nodes_prefix(self) -> str:
        return f"{self.prefix}nodes/"

    def node(self, node: str) -> str:
        return f"{self.nodes_prefix()}{self._node(node)}"

    def node_attributes_prefix(self, node: str | None = None) -> str:
        base = f"{self.prefix}nodeattrs/"
        return base if node is None else f"{base}{self._node(node)}/"

    def node_attribute(self, node: str, name: str) -> str:
        if not name or "/" in name:
            raise InvalidKey(f"invalid attribute name in a store key: {name!r}")
        return f"{self.node_attributes_prefix(node)}{name}"

    def fencing_prefix(self) -> str:
        return f"{self.prefix}fencing/"

    def fencing(self, node: str) -> str:
        return f"{self.fencing_prefix()}{self._node(node)}"

    def controller_status(self) -> str:
        return f"{self.prefix}controller/status"

    def instance_ha_prefix(self) -> str:
        return f"{self.prefix}instance-ha/"

    def fence_events_prefix(self) -> str:
        return f"{self.instance_ha_prefix()}fenced/"

    def fence_event(self, node: str) -> str:
        return f"{self.fence_events_prefix()}{self._node(node)}"

    def evacuation_journal(self) -> str:
        """The root of the evacuation engine's journal (a StoreJournal root)."""
        return f"{self.instance_ha_prefix()}journal/"


def dumps(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), sort_keys=True).encode()


def loads(raw: bytes) -> dict[str, Any]:
    """Decode a JSON object; anything else (garbage in the store) gives ``{}``."""
    try:
        value = json.loads(raw)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def transition_key(action_id: int, transition: int, target_rc: int) -> str:
    """Pacemaker's ``action:transition:target-rc:uuid``."""
    return f"{action_id}:{transition}:{target_rc}:{CLUSTER_UUID}"


def parse_transition_key(text: str | None) -> tuple[int, int, int] | None:
    """``(action, transition, target_rc)`` of a transition key, None if malformed."""
    parts = (text or "").split(":")
    if len(parts) < 3:
        return None
    try:
        return int(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        return None


@dataclass(frozen=True)
class ActionOrder:
    """One action the controller assigned to a node.

    ``resource`` is the id the node records history under (the scheduler's ``lrm_id``),
    ``instance`` the scheduler's name of the instance (``db:1``), ``boot`` the boot id of
    the node agent the order is for (an agent ignores orders for another boot).
    """

    transition: int
    action: int
    task: str
    resource: str
    instance: str
    interval_ms: int
    target_rc: int
    boot: str
    issued: float = 0.0
    meta: dict[str, str] = field(default_factory=dict)
    """Extra meta attributes for the agent (a clone notification's ``notify_*``)."""

    @property
    def op_key(self) -> str:
        return f"{self.task}_{self.interval_ms}"

    @property
    def key(self) -> str:
        return transition_key(self.action, self.transition, self.target_rc)

    def encode(self) -> bytes:
        return dumps(asdict(self))

    @classmethod
    def decode(cls, raw: bytes) -> ActionOrder | None:
        data = loads(raw)
        try:
            return cls(int(data["transition"]), int(data["action"]), str(data["task"]),
                       str(data["resource"]), str(data["instance"]), int(data["interval_ms"]),
                       int(data["target_rc"]), str(data["boot"]), float(data.get("issued", 0)),
                       {str(k): str(v) for k, v in (data.get("meta") or {}).items()})
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class HistoryEntry:
    """The last result of one operation of one resource on one node (an ``lrm_rsc_op``)."""

    task: str
    interval_ms: int
    call_id: int
    rc: int
    op_status: int
    transition_key: str
    last_rc_change: int
    exec_ms: int = 0
    exit_reason: str | None = None
    rsc_class: str = "ocf"
    provider: str | None = None
    type: str = ""
    op_digest: str | None = None

    @property
    def op_key(self) -> str:
        return f"{self.task}_{self.interval_ms}"

    @property
    def target_rc(self) -> int:
        parsed = parse_transition_key(self.transition_key)
        return parsed[2] if parsed else 0

    @property
    def failed(self) -> bool:
        return self.op_status != 0 or self.rc != self.target_rc

    def encode(self) -> bytes:
        return dumps(asdict(self))

    @classmethod
    def decode(cls, raw: bytes) -> HistoryEntry | None:
        data = loads(raw)
        try:
            return cls(str(data["task"]), int(data["interval_ms"]), int(data["call_id"]),
                       int(data["rc"]), int(data["op_status"]), str(data["transition_key"]),
                       int(data["last_rc_change"]), int(data.get("exec_ms", 0)),
                       data.get("exit_reason"), str(data.get("rsc_class", "ocf")),
                       data.get("provider"), str(data.get("type", "")),
                       data.get("op_digest"))
        except (KeyError, TypeError, ValueError):
            return None


@dataclass(frozen=True)
class NodeRecord:
    """Persistent state of a node: ``expected`` is "member" from join until it leaves
    cleanly or is fenced ("down"). A node whose membership key is gone while its record
    says "member" is lost (unclean) and must be fenced."""

    expected: str
    boot: str = ""
    since: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def encode(self) -> bytes:
        return dumps({"expected": self.expected, "boot": self.boot, "since": self.since,
                      **self.extra})

    @classmethod
    def decode(cls, raw: bytes) -> NodeRecord:
        data = loads(raw)
        extra = {k: v for k, v in data.items() if k not in ("expected", "boot", "since")}
        return cls(str(data.get("expected", "down")), str(data.get("boot", "")),
                   float(data.get("since", 0) or 0), extra)


@dataclass(frozen=True)
class FenceEventRecord:
    """A node fenced by a level holding a ``fence_nova`` device: its instances are to be
    evacuated. ``nova_host`` is its nova-compute host, ``device`` the fence_nova device
    (whose parameters say how to reach Nova), ``fence_id`` names the event (the engine's
    recovery of it resumes under the same id), ``fenced_at`` is epoch seconds."""

    node: str
    nova_host: str
    device: str
    fence_id: str
    fenced_at: float
    action: str = "reboot"

    def encode(self) -> bytes:
        return dumps(asdict(self))

    @classmethod
    def decode(cls, raw: bytes) -> FenceEventRecord | None:
        data = loads(raw)
        try:
            return cls(str(data["node"]), str(data["nova_host"]), str(data["device"]),
                       str(data["fence_id"]), float(data["fenced_at"]),
                       str(data.get("action", "reboot")))
        except (KeyError, TypeError, ValueError):
            return None

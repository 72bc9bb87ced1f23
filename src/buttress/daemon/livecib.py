"""The live CIB: one consistent read of a cluster's store, turned into Pacemaker's CIB XML.

:func:`read_snapshot` reads everything under the cluster prefix in ONE range (so one
revision); :func:`build_cib` turns it into a ``<cib>`` whose configuration is the stored
configuration and whose status section is synthesized:

* one ``node_state`` per configured node: online (``in_ccm="true" crmd="online"
  join="member" expected="member"``) while the node's membership key exists; lost
  (``in_ccm="false" crmd="offline" expected="member"``, so unclean) when the key is gone
  but its :class:`NodeRecord` still says "member"; down and clean otherwise (never joined,
  left cleanly, or fenced);
* the node's ``lrm`` history from ``history/<node>/<rsc>/<op>`` entries;
* its ``transient_attributes`` from ``attributes/<node>/<name>`` (fail counts, promotion
  scores); permanent attributes (``nodeattrs/``) become the configured node's
  ``instance_attributes``.

The header carries ``have-quorum="1"``: etcd is the quorum. A controller that can read and
write the store is connected to a majority of etcd members, and every write it makes is
guarded by its leadership, so membership counting would add nothing but unavailability.

``redact=True`` replaces secret parameter values (passwords) by ``******``: status and
``buttress status`` never need them.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any

from lxml import etree

from buttress.daemon.records import (
    DaemonKeys,
    FenceEventRecord,
    HistoryEntry,
    NodeRecord,
    loads,
)
from buttress.errors import ButtressError
from buttress.fencing.device import is_secret
from buttress.store import KeyValue, Store

Element = etree._Element


@dataclass
class Snapshot:
    """Everything the controller needs from the store, read at one ``revision``."""

    revision: int
    config: bytes | None = None
    members: dict[str, dict[str, object]] = field(default_factory=dict)
    member_kvs: dict[str, KeyValue] = field(default_factory=dict)
    records: dict[str, NodeRecord] = field(default_factory=dict)
    history: dict[str, dict[str, dict[str, HistoryEntry]]] = field(default_factory=dict)
    attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    node_attributes: dict[str, dict[str, str]] = field(default_factory=dict)
    queued: dict[str, KeyValue] = field(default_factory=dict)
    fencing: dict[str, dict[str, object]] = field(default_factory=dict)
    transition: dict[str, object] = field(default_factory=dict)
    leader: str | None = None
    controller_status: dict[str, object] = field(default_factory=dict)
    status_revision: int = 0
    """mod_revision of the leader's last published pass."""
    last_change: int = 0
    """Highest mod_revision of any key except the controller's own bookkeeping (and the
    evacuation journal, which is progress, not state to schedule on)."""
    fence_events: dict[str, FenceEventRecord] = field(default_factory=dict)
    """Node -> its latest fence by a level with a fence_nova device."""
    evacuations: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Nova host -> the evacuation journal's host record (JSON)."""
    evacuated: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    """``<nova host>/<fence id>`` -> the journal's instance records (JSON)."""


async def read_snapshot(store: Store, keys: DaemonKeys) -> Snapshot:
    """Read the whole cluster in one range. Raises StoreUnavailable."""
    result = await store.range(keys.prefix)
    snap = Snapshot(result.revision)
    layout = keys.layout
    for kv in result.kvs:
        try:
            parts = layout.parse(kv.key)
        except ButtressError:
            continue
        kind = parts[0]
        if kind == "instance-ha":
            _instance_ha(snap, parts, kv)
            continue
        if kv.key not in (layout.transition(), layout.leader(), keys.controller_status()):
            snap.last_change = max(snap.last_change, kv.mod_revision)
        if kv.key == layout.config():
            snap.config = kv.value
        elif kind == "members" and len(parts) == 2:
            snap.members[parts[1]] = loads(kv.value)
            snap.member_kvs[parts[1]] = kv
        elif kind == "nodes" and len(parts) == 2:
            snap.records[parts[1]] = NodeRecord.decode(kv.value)
        elif kind == "history" and len(parts) == 4:
            entry = HistoryEntry.decode(kv.value)
            if entry is not None:
                snap.history.setdefault(parts[1], {}).setdefault(parts[2], {})[parts[3]] = entry
        elif kind == "attributes" and len(parts) == 3:
            snap.attributes.setdefault(parts[1], {})[parts[2]] = kv.text
        elif kind == "nodeattrs" and len(parts) == 3:
            snap.node_attributes.setdefault(parts[1], {})[parts[2]] = kv.text
        elif kind == "actions" and len(parts) == 3:
            snap.queued[kv.key] = kv
        elif kind == "fencing" and len(parts) == 2:
            snap.fencing[parts[1]] = loads(kv.value)
        elif kv.key == layout.transition():
            snap.transition = loads(kv.value)
        elif kv.key == layout.leader():
            snap.leader = kv.text
        elif kv.key == keys.controller_status():
            snap.controller_status = loads(kv.value)
            snap.status_revision = kv.mod_revision
    return snap


def _instance_ha(snap: Snapshot, parts: tuple[str, ...], kv: KeyValue) -> None:
    """Fence events count as changes; the evacuation journal is read for status only."""
    if len(parts) == 3 and parts[1] == "fenced":
        snap.last_change = max(snap.last_change, kv.mod_revision)
        event = FenceEventRecord.decode(kv.value)
        if event is not None:
            snap.fence_events[parts[2]] = event
    elif len(parts) == 4 and parts[1:3] == ("journal", "hosts"):
        snap.evacuations[parts[3]] = loads(kv.value)
    elif len(parts) == 6 and parts[1:3] == ("journal", "instances"):
        snap.evacuated.setdefault(f"{parts[3]}/{parts[4]}", []).append(loads(kv.value))


def node_flags(snap: Snapshot, node: str) -> dict[str, str]:
    """The membership flags of ``node`` (module docstring)."""
    if node in snap.members:
        return {"in_ccm": "true", "crmd": "online", "join": "member", "expected": "member"}
    record = snap.records.get(node)
    if record is not None and record.expected == "member":
        return {"in_ccm": "false", "crmd": "offline", "join": "down", "expected": "member"}
    return {"in_ccm": "false", "crmd": "offline", "join": "down", "expected": "down"}


def _parse_config(config: bytes) -> Element:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(config, parser)
    except etree.XMLSyntaxError as exc:
        raise ButtressError(f"the stored configuration is not valid XML: {exc}") from None
    if root.tag != "cib":
        raise ButtressError("the stored configuration is not a <cib> document")
    return root


def _redact(root: Element) -> None:
    for nvpair in root.iter("nvpair"):
        if is_secret(nvpair.get("name") or "") and nvpair.get("value"):
            nvpair.set("value", "******")


def _nvset(parent: Element, tag: str, set_id: str, values: dict[str, str]) -> None:
    holder = etree.SubElement(parent, tag, id=set_id)
    attrs = etree.SubElement(holder, "instance_attributes", id=f"{set_id}-attrs")
    for name, value in sorted(values.items()):
        etree.SubElement(attrs, "nvpair", id=f"{set_id}-{name}", name=name, value=value)


def _node_ids(root: Element) -> dict[str, str]:
    return {str(n.get("uname")): str(n.get("id") or n.get("uname"))
            for n in root.iterfind("configuration/nodes/node") if n.get("uname")}


def build_cib(snap: Snapshot, *, redact: bool = False) -> Element:
    """The live CIB of ``snap`` (module docstring). Raises ButtressError without config."""
    if snap.config is None:
        raise ButtressError("the cluster has no configuration in the store yet")
    root = _parse_config(snap.config)
    root.set("have-quorum", "1")
    if redact:
        _redact(root)
    for old in root.findall("status"):
        root.remove(old)
    # permanent node attributes
    for node_el in root.iterfind("configuration/nodes/node"):
        extra = snap.node_attributes.get(str(node_el.get("uname")), {})
        if extra:
            attrs = etree.SubElement(node_el, "instance_attributes",
                                     id=f"nodeattrs-{node_el.get('uname')}")
            for name, value in sorted(extra.items()):
                etree.SubElement(attrs, "nvpair", id=f"nodeattrs-{node_el.get('uname')}-{name}",
                                 name=name, value=value)
    status = etree.SubElement(root, "status")
    for uname, node_id in _node_ids(root).items():
        state = etree.SubElement(status, "node_state",
                                 {"id": node_id, "uname": uname, **node_flags(snap, uname)})
        history = snap.history.get(uname, {})
        lrm = etree.SubElement(state, "lrm", id=node_id)
        resources = etree.SubElement(lrm, "lrm_resources")
        for rsc_id, ops in sorted(history.items()):
            first = next(iter(ops.values()))
            rsc_attrs = {"id": rsc_id, "class": first.rsc_class, "type": first.type}
            if first.provider:
                rsc_attrs["provider"] = first.provider
            rsc_el = etree.SubElement(resources, "lrm_resource", rsc_attrs)
            for entry in sorted(ops.values(), key=lambda e: e.call_id):
                op_attrs = {
                    "id": f"{rsc_id}_{entry.op_key}", "operation": entry.task,
                    "interval": str(entry.interval_ms), "call-id": str(entry.call_id),
                    "rc-code": str(entry.rc), "op-status": str(entry.op_status),
                    "transition-key": entry.transition_key,
                    "last-rc-change": str(entry.last_rc_change),
                    "exec-time": str(entry.exec_ms), "on_node": uname}
                if entry.exit_reason:
                    op_attrs["exit-reason"] = entry.exit_reason
                if entry.op_digest:
                    op_attrs["op-digest"] = entry.op_digest
                etree.SubElement(rsc_el, "lrm_rsc_op", op_attrs)
        transient = snap.attributes.get(uname, {})
        if transient:
            _nvset(state, "transient_attributes", f"status-{node_id}", transient)
    return root


def cib_bytes(root: Element) -> bytes:
    return etree.tostring(root, pretty_print=True, xml_declaration=False, encoding="utf-8")


async def fetch_cib_async(store: Store, cluster: str, *, redact: bool = True) -> bytes:
    """The live CIB XML of ``cluster`` read through ``store``."""
    snap = await read_snapshot(store, DaemonKeys.of(cluster))
    return cib_bytes(build_cib(snap, redact=redact))


def fetch_cib(endpoint: str, cluster: str, *, redact: bool = True, timeout: float = 3.0) -> bytes:
    """The live CIB XML of ``cluster`` from the etcd at ``endpoint`` (blocking).

    For ``buttress status`` and ``buttress sandbox status``. Raises StoreUnavailable (one
    line) when etcd cannot be reached, ButtressError when no configuration is stored.
    """
    from buttress.store import EtcdStore

    async def body() -> bytes:
        store = EtcdStore(endpoint, timeout=timeout)
        try:
            return await fetch_cib_async(store, cluster, redact=redact)
        finally:
            await store.close()

    return asyncio.run(body())

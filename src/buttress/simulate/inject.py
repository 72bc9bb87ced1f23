"""Injections into a CIB's status section, as crm_simulate's --node-*/--op-* options do.

All functions edit an lxml tree in place; the caller owns the tree. Bad specifications raise
UsageError with one line naming the problem.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml import etree

from buttress.errors import UsageError

Element = etree._Element

_OP_SPEC = re.compile(
    r"^(?P<rsc>.+)_(?P<task>[a-z_-]+)_(?P<interval>\d+)@(?P<node>[^=]+)=(?P<rc>-?\d+)$")


@dataclass(frozen=True)
class OpSpec:
    """``RSC_TASK_INTERVAL@NODE=RC`` parsed."""

    resource: str
    task: str
    interval_ms: int
    node: str
    rc: int


def parse_op_spec(text: str) -> OpSpec:
    match = _OP_SPEC.match(text.strip())
    if not match:
        raise UsageError(f"invalid operation spec {text!r}: expected RSC_TASK_INTERVAL@NODE=RC")
    return OpSpec(resource=match["rsc"], task=match["task"], interval_ms=int(match["interval"]),
                  node=match["node"], rc=int(match["rc"]))


def _status(root: Element) -> Element:
    status = root.find("status")
    if status is None:
        status = etree.SubElement(root, "status")
    return status


def node_state(root: Element, uname: str, *, implicit: bool = False) -> Element:
    """The node's node_state, created (with the configured node id) when missing.

    ``implicit``: the name comes from the scheduler, which also knows nodes the
    configuration only implies (remote and guest nodes); otherwise an unconfigured name is
    a user mistake (UsageError)."""
    for state in _status(root).findall("node_state"):
        if state.get("uname") == uname or state.get("id") == uname:
            return state
    node_id = uname
    for node in root.iterfind("configuration/nodes/node"):
        if node.get("uname") == uname:
            node_id = node.get("id") or uname
            break
    else:
        if not implicit:
            raise UsageError(f"unknown node {uname!r}")
    return etree.SubElement(_status(root), "node_state", id=node_id, uname=uname)


def node_up(root: Element, uname: str) -> None:
    state = node_state(root, uname)
    state.attrib.update({"in_ccm": "true", "crmd": "online", "join": "member",
                         "expected": "member"})


def node_down(root: Element, uname: str) -> None:
    """A clean shutdown: the node left as expected, its resources are stopped."""
    state = node_state(root, uname)
    state.attrib.update({"in_ccm": "false", "crmd": "offline", "join": "down",
                         "expected": "down"})
    for lrm in state.findall("lrm"):
        state.remove(lrm)


def node_fail(root: Element, uname: str) -> None:
    """A crash: the node left while expected up, so it is unclean."""
    state = node_state(root, uname)
    state.attrib.update({"in_ccm": "false", "crmd": "offline", "join": "down",
                         "expected": "member"})


class StatusWriter:
    """Appends operation results to a CIB's status section.

    Look-ups (node states, history entries, resource agents) are kept in memory, since one
    transition records thousands of results; the writer assumes it is the only one editing
    the tree while it lives.
    """

    def __init__(self, root: Element, *, implicit: bool = False) -> None:
        """``implicit``: node and resource names come from the scheduler (see node_state)."""
        self.root = root
        self.implicit = implicit
        self._entries: dict[tuple[str, str], Element] = {}
        self._lrm: dict[str, Element] = {}
        self._agents: dict[str, dict[str, str]] | None = None
        self.next_call = next_call_id(root)

    def lrm_resource(self, uname: str, rsc_id: str, agent: str | None = None) -> Element:
        key = (uname, rsc_id)
        found = self._entries.get(key)
        if found is None:
            found = self._find_or_add(uname, rsc_id, agent)
            self._entries[key] = found
        return found

    def _resources(self, uname: str) -> Element:
        resources = self._lrm.get(uname)
        if resources is None:
            state = node_state(self.root, uname, implicit=self.implicit)
            lrm = state.find("lrm")
            if lrm is None:
                lrm = etree.SubElement(state, "lrm", id=state.get("id") or uname)
            resources = lrm.find("lrm_resources")
            if resources is None:
                resources = etree.SubElement(lrm, "lrm_resources")
            self._lrm[uname] = resources
            for entry in resources.findall("lrm_resource"):
                self._entries.setdefault((uname, entry.get("id") or ""), entry)
        return resources

    def _find_or_add(self, uname: str, rsc_id: str, agent: str | None) -> Element:
        resources = self._resources(uname)
        found = self._entries.get((uname, rsc_id))
        if found is not None:
            return found
        attrs = _parse_agent(agent) if agent else self._agent_attrs(rsc_id)
        return etree.SubElement(resources, "lrm_resource", {"id": rsc_id, **attrs})

    def _agent_attrs(self, rsc_id: str) -> dict[str, str]:
        if self._agents is None:
            self._agents = {}
            for prim in self.root.iter("primitive"):
                agent = {"class": prim.get("class") or "ocf", "type": prim.get("type") or ""}
                if prim.get("provider"):
                    agent["provider"] = prim.get("provider") or ""
                self._agents.setdefault(prim.get("id") or "", agent)
        found = self._agents.get(rsc_id) or self._agents.get(rsc_id.split(":", 1)[0])
        if found is None:
            raise UsageError(f"unknown resource {rsc_id!r}")
        return found

    def record(self, uname: str, rsc_id: str, task: str, interval_ms: int, rc: int, now: int,
               target_rc: int = 0, op_status: int = 0, op_digest: str | None = None,
               agent: str | None = None) -> None:
        """Append one result (replacing an older result of the same operation).
        ``agent`` (``class[:provider]:type``) names the agent of a resource the
        configuration only implies, such as a guest node's connection."""
        entry = self.lrm_resource(uname, rsc_id, agent)
        op_id = f"{rsc_id}_{task}_{interval_ms}"
        for old in entry.findall("lrm_rsc_op"):
            if old.get("id") == op_id:
                entry.remove(old)
        attrs = {
            "id": op_id, "operation": task, "interval": str(interval_ms),
            "call-id": str(self.next_call), "rc-code": str(rc), "op-status": str(op_status),
            "transition-key": f"0:0:{target_rc}:00000000-0000-0000-0000-000000000000",
            "last-rc-change": str(now), "exec-time": "0", "on_node": uname}
        if op_digest is not None:
            attrs["op-digest"] = op_digest
        etree.SubElement(entry, "lrm_rsc_op", attrs)
        self.next_call += 1


def _parse_agent(agent: str) -> dict[str, str]:
    parts = agent.split(":")
    if len(parts) == 3:
        return {"class": parts[0], "provider": parts[1], "type": parts[2]}
    return {"class": parts[0], "type": parts[-1]}


def next_call_id(root: Element) -> int:
    """One more than the highest call id recorded anywhere in the status."""
    call_ids = [int(op.get("call-id", "0")) for op in root.iter("lrm_rsc_op")
                if (op.get("call-id") or "0").lstrip("-").isdigit()]
    return max(call_ids, default=0) + 1


def inject_op(root: Element, spec: OpSpec, now: int) -> None:
    target = 7 if spec.task == "monitor" and spec.interval_ms == 0 else 0
    StatusWriter(root).record(spec.node, spec.resource, spec.task, spec.interval_ms, spec.rc,
                              now, target_rc=target)

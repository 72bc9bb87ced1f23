"""Read-only views of a snapshot: where each resource is active, and a status summary.

Roles come from replaying each node's history exactly as the scheduler does
(:func:`buttress.state.history.replay`), so the view and the decisions agree.
"""

from __future__ import annotations

from typing import Any

from buttress.daemon.livecib import Snapshot, node_flags
from buttress.daemon.records import HistoryEntry
from buttress.model import HistoryOp
from buttress.state.history import replay


def _op(rsc: str, entry: HistoryEntry) -> HistoryOp:
    return HistoryOp(id=f"{rsc}_{entry.op_key}", operation=entry.task,
                     interval_ms=entry.interval_ms, call_id=entry.call_id, rc_code=entry.rc,
                     op_status=entry.op_status, last_rc_change=entry.last_rc_change,
                     exec_time=entry.exec_ms, transition_key=entry.transition_key,
                     exit_reason=entry.exit_reason)


def _promotable_members(snap: Snapshot) -> set[str]:
    """Primitive ids inside a promotable clone (their started role is "Unpromoted")."""
    if snap.config is None:
        return set()
    from buttress.cib.reader import parse_cib
    from buttress.daemon.resources import index_primitives
    from buttress.errors import ButtressError
    from buttress.state.nodes import truthy

    try:
        index = index_primitives(parse_cib(snap.config))
    except ButtressError:
        return set()
    return {rid for rid, res in index.items()
            if res.in_clone and truthy(res.meta.get("promotable", "false"))}


def roles(snap: Snapshot) -> dict[str, dict[str, str]]:
    """``{resource id: {node: role}}`` for every resource active somewhere (Started,
    Promoted, or Unpromoted for an instance of a promotable clone that is not promoted)."""
    found: dict[str, dict[str, str]] = {}
    promotable = _promotable_members(snap)
    for node, resources in snap.history.items():
        for rsc, entries in resources.items():
            state = replay(tuple(_op(rsc, e) for e in entries.values()))
            if state.active:
                role = state.role
                if role == "Started" and rsc.split(":", 1)[0] in promotable:
                    role = "Unpromoted"
                found.setdefault(rsc, {})[node] = role
    return found


def failures(snap: Snapshot) -> list[dict[str, Any]]:
    """Failed operations still in the history, with their exit reasons."""
    found = []
    for node, resources in sorted(snap.history.items()):
        for rsc, entries in sorted(resources.items()):
            for entry in entries.values():
                probe_ok = entry.task == "monitor" and entry.interval_ms == 0 and \
                    entry.rc in (0, 7, 8)
                if entry.failed and not probe_ok and not (entry.task == "stop"
                                                          and entry.rc == 7):
                    found.append({"node": node, "resource": rsc, "operation": entry.op_key,
                                  "rc": entry.rc, "reason": entry.exit_reason})
    return found


def node_state(snap: Snapshot, node: str) -> str:
    flags = node_flags(snap, node)
    if flags["in_ccm"] == "true":
        return "online"
    if flags["expected"] == "member":
        return "UNCLEAN (lost)"
    record = snap.records.get(node)
    if record is not None and record.extra.get("fenced"):
        return "offline (fenced)"
    return "offline"


def summary(snap: Snapshot, nodes: list[str]) -> dict[str, Any]:
    """A JSON-able status summary (no secrets: parameters are never included)."""
    return {
        "revision": snap.revision,
        "leader": (snap.leader or "").split(":", 1)[0] or None,
        "controller": snap.controller_status.get("sentence"),
        "nodes": {node: node_state(snap, node) for node in nodes},
        "resources": roles(snap),
        "failures": failures(snap),
        "fencing": {node: {k: v for k, v in record.items() if k != "by"}
                    for node, record in snap.fencing.items()},
        "transition": {k: snap.transition.get(k) for k in ("number", "state", "leader")},
        "evacuations": evacuations(snap),
    }


def _since(value: object, start: float) -> float | None:
    return round(float(value) - start, 3) if isinstance(value, int | float) else None


def evacuations(snap: Snapshot) -> dict[str, dict[str, Any]]:
    """Per node fenced by a fence_nova level: its evacuation's phase, timing (seconds
    since the fence) and each instance's outcome, from the journal. No parameter and no
    credential is read, so nothing secret can appear."""
    found: dict[str, dict[str, Any]] = {}
    for node, event in sorted(snap.fence_events.items()):
        record = snap.evacuations.get(event.nova_host) or {}
        fence_id = str(record.get("fence_id") or event.fence_id)
        start = float(record.get("fenced_at") or event.fenced_at)
        items = []
        for inst in sorted(snap.evacuated.get(f"{event.nova_host}/{fence_id}", []),
                           key=lambda i: str(i.get("name"))):
            items.append({"id": inst.get("id"), "name": inst.get("name"),
                          "phase": inst.get("phase"), "attempts": inst.get("attempts"),
                          "host": inst.get("landed_host") or inst.get("target_host"),
                          "status": inst.get("final_status"),
                          "original_status": inst.get("original_status"),
                          "recovery_s": _since(inst.get("finished_at"), start)
                          if inst.get("phase") == "recovered" else None,
                          "error": inst.get("error")})
        found[node] = {
            "nova_host": event.nova_host, "device": event.device, "fence_id": fence_id,
            "current": fence_id == event.fence_id, "fenced_at": start,
            "phase": record.get("phase", "pending"),
            "isolated_s": _since(record.get("isolated_at"), start),
            "total_s": _since(record.get("finished_at"), start),
            "restored_s": _since(record.get("restored_at"), start),
            "selected": len(record.get("selected") or ()),
            "skipped": len(record.get("skipped") or {}),
            "recovered": sum(1 for i in items if i["phase"] == "recovered"),
            "failed": sum(1 for i in items if i["phase"] == "failed"),
            "error": record.get("error"), "reason": record.get("reason"),
            "instances": items}
    return found


def render_evacuations(data: dict[str, dict[str, Any]]) -> list[str]:
    """The "Instance HA" block of the text status (empty without fence_nova fences)."""
    if not data:
        return []
    lines = ["Instance HA (evacuations):"]
    for node, ev in data.items():
        took = f" in {ev['total_s']:.2f}s" if ev["total_s"] is not None else ""
        lines.append(f"  * {node} (nova host {ev['nova_host']}): {ev['phase']}, "
                     f"{ev['recovered']} of {ev['selected']} recovered, {ev['failed']} "
                     f"failed, {ev['skipped']} skipped{took} ({ev['fence_id']})")
        for note in ("reason", "error"):
            if ev[note]:
                lines.append(f"    {note}: {ev[note]}")
        for inst in ev["instances"]:
            where = f" on {inst['host']}" if inst["host"] else ""
            state = f" ({inst['status']})" if inst["status"] else ""
            after = f" after {inst['recovery_s']:.2f}s" if inst["recovery_s"] is not None \
                else ""
            error = f": {inst['error']}" if inst["error"] and inst["phase"] == "failed" \
                else ""
            lines.append(f"    - {inst['name']}: {inst['phase']}{where}{state}{after}{error}")
    return lines


def render_summary(data: dict[str, Any]) -> str:
    """A plain-text status (used when the crm_mon-style renderer is not available)."""
    lines = [f"Leader: {data.get('leader') or 'none'}",
             f"Last pass: {data.get('controller') or '-'}", "", "Nodes:"]
    for node, state in data["nodes"].items():
        lines.append(f"  * {node}: {state}")
    lines += ["", "Resources:"]
    for rsc, where in sorted(data["resources"].items()):
        placed = ", ".join(f"{role} {node}" for node, role in sorted(where.items()))
        lines.append(f"  * {rsc}: {placed}")
    if data["failures"]:
        lines += ["", "Failed Resource Actions:"]
        for failure in data["failures"]:
            lines.append(f"  * {failure['resource']} {failure['operation']} on "
                         f"{failure['node']}: rc={failure['rc']} {failure['reason'] or ''}")
    block = render_evacuations(data.get("evacuations") or {})
    if block:
        lines += ["", *block]
    return "\n".join(lines) + "\n"

"""The cluster status as JSON for tools: nodes and where each resource runs, in what role."""

from __future__ import annotations

import json
from typing import Any

from buttress.model.cib import Cib
from buttress.scheduler.failures import apply_failures
from buttress.scheduler.unpack import unpack
from buttress.scheduler.working import WNode, WRsc


def _node(node: WNode) -> dict[str, Any]:
    return {"name": node.name, "id": node.id, "kind": node.kind, "online": node.online,
            "unclean": node.unclean, "standby": node.standby,
            "maintenance": node.maintenance, "pending": node.pending,
            "shutdown": node.shutdown}


def _resource(rsc: WRsc) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": rsc.id, "kind": rsc.variant}
    if rsc.variant == "primitive":
        entry.update({"agent": rsc.agent, "role": rsc.role,
                      "nodes": [n.name for n in rsc.running_on], "failed": rsc.failed,
                      "managed": rsc.managed, "blocked": rsc.blocked,
                      "orphan": rsc.orphan,
                      "disabled": rsc.meta.get("target-role", "").lower() == "stopped"})
    else:
        entry["members"] = [_resource(child) for child in rsc.children]
    return entry


def status_data(cib: Cib, now: int) -> dict[str, Any]:
    """What a status display shows, as plain data (the same state the scheduler sees)."""
    cluster = unpack(cib, now)
    apply_failures(cluster)
    return {"have_quorum": cluster.have_quorum,
            "nodes": [_node(n) for n in cluster.nodes],
            "resources": [_resource(r) for r in cluster.resources]}


def render_status_json(cib: Cib, now: int) -> str:
    return json.dumps(status_data(cib, now), indent=2)

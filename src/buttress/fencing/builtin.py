"""Built-in fence devices: steps of a fencing level that run inside Buttress, not an agent.

There is one today, ``fence_nova`` (agent name ``fence_compute`` accepted as an alias, so
the guides' ``pcs stonith create fence-nova fence_compute ...`` imports unchanged). It does
not power anything off and never talks to Nova during fencing: it *records*. In a level
such as ``fence-compute-1,fence-nova`` its step succeeds at once; when the whole level
succeeded (so the power device confirmed), the controller writes a fence event for the
host in the same store transaction that records the confirmed fence, and the leader's
instance-HA loop drives the evacuation from that event (``docs/instance-ha.md``).

Safety rules (enforced by :class:`buttress.fencing.Fencer`):

* a built-in device never fences alone: it is not a candidate when no level applies,
  and a level made only of built-in devices is skipped;
* its ``on`` action (the unfence of a reboot) is a no-op: the host is re-enabled in Nova
  by the instance-HA loop once its agent is back and its evacuation done.

Targeting: with ``pcmk_host_list``/``pcmk_host_map`` the device fences those nodes only
(``static-list``); otherwise any node. :func:`nova_host` maps a cluster node to its
nova-compute host name (``pcmk_host_map`` entry, else the name with the device's
``domain``/``compute_domain`` DNS domain appended, as fence_compute does, else the name).
"""

from __future__ import annotations

import time

from buttress.fencing.agent import FenceAgentResult
from buttress.fencing.device import FenceDevice

NOVA_AGENTS = frozenset({"fence_nova", "fence_compute"})
"""Agent names of the built-in Nova recorder (``fence_compute`` is the classic name)."""
BUILTIN_AGENTS = NOVA_AGENTS


def is_builtin(device: FenceDevice) -> bool:
    """Whether ``device`` is run inside Buttress (never exec'd as a fence agent)."""
    return device.agent in BUILTIN_AGENTS


def is_nova_recorder(device: FenceDevice) -> bool:
    return device.agent in NOVA_AGENTS


def can_fence(device: FenceDevice, target: str) -> bool:
    """Targeting of a built-in device (module docstring)."""
    check = device.option("pcmk_host_check")
    if check == "none" or (check is None and not (device.host_list or device.host_map)):
        return True
    return device.statically_matches(target)


def run_builtin(device: FenceDevice, action: str, target: str | None) -> FenceAgentResult:
    """The step of a built-in device: success, with what it means in ``reason``."""
    now = time.time()
    if action in ("off", "reboot"):
        reason = "recorded: the evacuation starts once every device of the level succeeded"
    elif action == "on":
        reason = "no-op: the host is re-enabled in nova when its agent is back"
    else:
        reason = f"built-in device: {action} always succeeds"
    return FenceAgentResult(device.id, action, target, 0, reason, started_at=now)


def nova_host(device: FenceDevice, node: str) -> str:
    """The nova-compute host name of cluster node ``node`` (module docstring)."""
    mapped = device.host_map.get(node)
    if mapped:
        return mapped
    params = {k.replace("-", "_"): v for k, v in device.params}
    domain = params.get("compute_domain") or params.get("domain")
    if domain is None or domain == "":
        return node
    domain = domain.strip(".")
    short = node.split(".", 1)[0]
    return node if node.endswith("." + domain) else f"{short}.{domain}"

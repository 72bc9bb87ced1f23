"""Fencing: real fence agents (stdin key=value protocol), host targeting, topology levels,
the self-fence timing contract, and an emulated IPMI BMC for sandboxes.

Node-agent use::

    ipmi = FenceDevice.from_params("ipmi-n2", "fence_ipmilan", {
        "ip": "10.0.0.12", "username": "admin", "password": "...", "lanplus": "1",
        "pcmk_host_list": "node2"})
    fencer = Fencer([ipmi], levels=[FenceLevel(1, ("ipmi-n2",), target="node2")])
    result = await fencer.fence("node2", "reboot")   # FencingResult, never raises
"""

from buttress.fencing.agent import FenceAgentResult, run_fence_agent, scrub
from buttress.fencing.device import FenceDevice, is_secret, parse_host_list, parse_host_map
from buttress.fencing.fencer import FenceAttempt, FenceLevel, Fencer, FencingResult
from buttress.fencing.watchdog import SelfFenceGuard, SelfFencePolicy

__all__ = [
    "FenceAgentResult",
    "FenceAttempt",
    "FenceDevice",
    "FenceLevel",
    "Fencer",
    "FencingResult",
    "SelfFenceGuard",
    "SelfFencePolicy",
    "is_secret",
    "parse_host_list",
    "parse_host_map",
    "run_fence_agent",
    "scrub",
]

"""Run one fence agent action through the stdin ``key=value`` protocol of fence-agents.

The agent is exec'd with no arguments; stdin carries ``action=<action>``, then the
device's parameters one per line, then (when fencing a node) ``<host argument>=<port>``
and ``nodename=<target>``. Exit status 0 is success; for ``status`` 0 means "on" and 2
"off" (anything else is an error).

Secrets: a ``passwd_script``/``password_script`` is run here (``/bin/sh -c``, as the agents
do) and its first output line is passed as ``passwd`` instead, so that its output is known
and can be scrubbed. Every secret value is replaced by ``******`` in the output kept in
results and logs; parameters are never put on a command line, in an environment or in a
result.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from pathlib import Path

from buttress.exec.process import output_tail, run_process
from buttress.fencing.device import FenceDevice, is_secret

AGENT_DIR = Path("/usr/sbin")
AGENT_PATH = "/usr/sbin:/usr/bin:/sbin:/bin"
MASK = "******"
_AGENT_NAME = re.compile(r"^fence_[A-Za-z0-9_.-]+$")
_SCRIPT_KEYS = ("passwd_script", "password_script")


@dataclass(frozen=True)
class FenceAgentResult:
    """One run of one fence agent. ``output_tail`` is already scrubbed of secrets."""

    device_id: str
    action: str
    target: str | None
    rc: int
    reason: str | None = None
    timed_out: bool = False
    started_at: float = 0.0
    duration_s: float = 0.0
    output_tail: str = field(default="", repr=False)

    @property
    def ok(self) -> bool:
        return self.rc == 0 and not self.timed_out

    @property
    def power(self) -> str | None:
        """For ``status``: "on" (rc 0), "off" (rc 2), else None."""
        if self.action != "status" or self.timed_out:
            return None
        return {0: "on", 2: "off"}.get(self.rc)


def scrub(text: str, secrets: tuple[str, ...]) -> str:
    """Replace every occurrence of each secret (longest first) by :data:`MASK`."""
    for secret in sorted(set(secrets), key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    return text


async def _resolve_scripts(device: FenceDevice, timeout_s: float) -> tuple[
        list[tuple[str, str]], list[str], str | None]:
    """Params with password scripts replaced by their output; the secrets; an error."""
    params: list[tuple[str, str]] = []
    secrets = list(device.secret_values)
    for key, value in device.params:
        if key not in _SCRIPT_KEYS:
            params.append((key, value))
            continue
        outcome = await run_process(["/bin/sh", "-c", value], {"PATH": AGENT_PATH}, timeout_s)
        lines = outcome.stdout.splitlines()
        if outcome.returncode != 0 or not lines:
            return [], secrets, f"{key} of {device.id} failed (rc={outcome.returncode})"
        password = lines[0].strip()
        secrets.append(password)
        params.append(("passwd", password))
    return params, secrets, None


async def run_fence_agent(device: FenceDevice, action: str, target: str | None = None, *,
                          timeout_s: float | None = None,
                          agent_dir: Path = AGENT_DIR) -> FenceAgentResult:
    """Run ``action`` (before ``pcmk_<action>_action`` renaming) of ``device``.

    ``target`` is the node to act on (its port comes from ``pcmk_host_map``); None for
    device-wide actions (monitor, list, metadata). Never raises: a missing agent, a bad
    parameter or a failing password script give rc 1 with a reason.
    """
    from buttress.fencing.builtin import is_builtin, run_builtin

    if is_builtin(device):  # fence_nova/fence_compute run inside Buttress (builtin.py)
        return run_builtin(device, action, target)
    timeout = device.timeout_s(action) if timeout_s is None else timeout_s
    started = time.time()

    def failed(reason: str) -> FenceAgentResult:
        return FenceAgentResult(device.id, action, target, 1, reason, started_at=started)

    if not _AGENT_NAME.match(device.agent):
        return failed(f"invalid fence agent name {device.agent!r}")
    path = agent_dir / device.agent
    if not path.is_file():
        return failed(f"fence agent {device.agent} not installed ({path} not found)")
    params, secrets, error = await _resolve_scripts(device, timeout)
    if error:
        return failed(error)
    lines = [("action", device.agent_action(action)), *params]
    if target is not None:
        if device.host_argument is not None:
            lines.append((device.host_argument, device.port_for(target)))
        lines.append(("nodename", target))
    for key, value in lines:
        if "\n" in key or "\n" in value or "=" in key:
            shown = MASK if is_secret(key) else value
            return failed(f"parameter {key}={shown!r} cannot be sent to the agent")
    stdin = "".join(f"{k}={v}\n" for k, v in lines).encode()
    outcome = await run_process([str(path)], {"PATH": AGENT_PATH, "LANG": "C.UTF-8"}, timeout,
                                stdin=stdin)
    limit = 65536 if action in ("list", "list-status") else 2048
    tail = scrub(output_tail(outcome, limit), tuple(secrets))
    if outcome.returncode is None:
        return failed(outcome.start_error or "could not start the agent")
    reason = None
    if outcome.timed_out:
        reason = f"{action} timed out after {round(timeout, 1):g}s"
    elif outcome.returncode != 0 and not (action == "status" and outcome.returncode == 2):
        last = [line for line in tail.splitlines() if line.strip()]
        reason = last[-1][:200] if last else f"{device.agent} exited {outcome.returncode}"
    return FenceAgentResult(device.id, action, target,
                            1 if outcome.timed_out else outcome.returncode, reason,
                            outcome.timed_out, outcome.started_at, outcome.duration_s, tail)


async def agent_actions(device: FenceDevice, agent_dir: Path = AGENT_DIR,
                        timeout_s: float = 20.0) -> frozenset[str]:
    """The actions the agent's meta-data advertises (empty when it cannot tell)."""
    from buttress.agents.metadata import AgentError, AgentName, parse_metadata

    path = agent_dir / device.agent
    if not _AGENT_NAME.match(device.agent) or not path.is_file():
        return frozenset()
    outcome = await run_process([str(path)], {"PATH": AGENT_PATH}, timeout_s,
                                stdin=b"action=metadata\n", keep_bytes=4 * 1024 * 1024)
    try:
        metadata = parse_metadata(outcome.stdout, AgentName("stonith", device.agent))
    except AgentError:
        return frozenset()
    return frozenset(a.name for a in metadata.actions)


async def list_targets(device: FenceDevice, agent_dir: Path = AGENT_DIR) -> frozenset[str] | None:
    """Names and ports from the agent's ``list`` output (``port,alias`` lines), or None."""
    result = await run_fence_agent(device, "list", agent_dir=agent_dir)
    if not result.ok:
        return None
    names: set[str] = set()
    for line in result.output_tail.splitlines():
        for item in line.split(","):
            if item.strip():
                names.add(item.strip())
    return frozenset(names)


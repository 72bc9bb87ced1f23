"""Run systemd units through ``systemctl`` when (and only when) systemd is PID 1.

Detection (:func:`systemd_available`): ``/run/systemd/system`` exists (sd_booted's test) and
``/proc/1/comm`` is ``systemd``. Without it every action gives ERR_INSTALLED with the reason
"systemd not available": containers and sandboxes have no systemd to talk to.

Mapping: start/stop/reload/restart run ``systemctl <verb> <unit>`` and rc 0 -> OK, else
ERR_GENERIC (a unit that does not exist -> ERR_INSTALLED). ``monitor``/``status`` runs
``systemctl is-active``: "active"/"reloading" -> OK, "activating"/"deactivating" ->
ERR_GENERIC with a "pending" reason (Pacemaker waits on those; the caller may retry),
"inactive"/"failed" -> NOT_RUNNING (failed ones say so in the reason). A unit name
without a suffix gets ``.service``.
"""

from __future__ import annotations

import re
from pathlib import Path

from buttress.exec.process import run_process
from buttress.exec.request import ActionRequest, ExecContext
from buttress.exec.result import ActionResult, OcfRc, finish

_UNIT = re.compile(r"^[A-Za-z0-9:_.\\@-]+$")
_VERBS = {"start", "stop", "reload", "restart"}
_SUFFIXES = (".service", ".socket", ".target", ".mount", ".timer", ".path")


def systemd_available(run_dir: Path = Path("/run/systemd/system"),
                      comm: Path = Path("/proc/1/comm")) -> bool:
    """True when systemd runs as PID 1 (the parameters exist for tests)."""
    try:
        return run_dir.is_dir() and comm.read_text().strip() == "systemd"
    except OSError:
        return False


def unit_name(name: str) -> str:
    return name if name.endswith(_SUFFIXES) else f"{name}.service"


async def run_systemd(request: ActionRequest, ctx: ExecContext,
                      available: bool | None = None) -> ActionResult:
    """Run one systemd action (module docstring); never raises."""
    if not (systemd_available() if available is None else available):
        return finish(request, OcfRc.ERR_INSTALLED, "systemd not available "
                      "(PID 1 is not systemd)")
    if not _UNIT.match(request.agent.type):
        return finish(request, OcfRc.ERR_INSTALLED, f"invalid unit name {request.agent.type!r}")
    unit = unit_name(request.agent.type)
    monitor = request.action in ("monitor", "status")
    if not monitor and request.action not in _VERBS:
        return finish(request, OcfRc.ERR_UNIMPLEMENTED,
                      f"systemd units have no {request.action!r} action")
    argv = ["systemctl", "is-active", unit] if monitor else \
        ["systemctl", request.action, unit]
    outcome = await run_process(argv, ctx.base_env(), request.timeout_s)
    if outcome.returncode is None:
        return finish(request, OcfRc.ERR_INSTALLED, outcome.start_error)
    reason: str | None = None
    if outcome.timed_out:
        rc, reason = int(OcfRc.ERR_GENERIC), f"{unit} {request.action} timed out"
    elif monitor:
        state = outcome.stdout.strip()
        if state in ("active", "reloading"):
            rc = int(OcfRc.OK)
        elif state in ("activating", "deactivating"):
            rc, reason = int(OcfRc.ERR_GENERIC), f"{unit} is pending ({state})"
        else:
            rc = int(OcfRc.NOT_RUNNING)
            reason = f"{unit} failed" if state == "failed" else None
    elif outcome.returncode == 0:
        rc = int(OcfRc.OK)
    elif "not found" in outcome.stderr or "not loaded" in outcome.stderr:
        rc, reason = int(OcfRc.ERR_INSTALLED), f"unit {unit} not found"
    else:
        rc, reason = int(OcfRc.ERR_GENERIC), outcome.stderr.strip()[-200:] or None
    return finish(request, rc, reason, outcome)

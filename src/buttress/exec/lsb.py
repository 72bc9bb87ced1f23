"""Run LSB init scripts (``/etc/init.d/<name>``) and map their exit codes to OCF.

``monitor`` runs ``status``. Status codes (LSB 4.1 / Pacemaker): 0 running -> OK;
1 (dead, pid file), 2 (dead, lock file), 3 (not running) -> NOT_RUNNING; 4 unknown ->
ERR_GENERIC; Pacemaker's extensions 150 (not installed) and 151 (insufficient privileges)
-> ERR_INSTALLED / ERR_PERM. Other actions: 0-7 already coincide with the OCF codes
(1 generic, 2 args, 3 unimplemented, 4 perm, 5 not installed, 6 not configured,
7 not running); anything else is ERR_GENERIC. Only start, stop, restart, status/monitor,
force-reload and reload are passed to a script; other actions give ERR_UNIMPLEMENTED
without running it.
"""

from __future__ import annotations

import os
import re

from buttress.exec.process import run_process
from buttress.exec.request import ActionRequest, ExecContext
from buttress.exec.result import ActionResult, OcfRc, finish

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@+-]*$")
_ACTIONS = {"start": "start", "stop": "stop", "restart": "restart", "status": "status",
            "monitor": "status", "reload": "reload", "force-reload": "force-reload"}
_STATUS = {0: OcfRc.OK, 1: OcfRc.NOT_RUNNING, 2: OcfRc.NOT_RUNNING, 3: OcfRc.NOT_RUNNING,
           4: OcfRc.ERR_GENERIC, 150: OcfRc.ERR_INSTALLED, 151: OcfRc.ERR_PERM}


def lsb_to_ocf(action: str, code: int) -> int:
    """Map an LSB script's exit code for ``action`` to an OCF rc (module docstring)."""
    if action in ("status", "monitor"):
        return int(_STATUS.get(code, OcfRc.ERR_GENERIC))
    if 0 <= code <= 7:
        return code
    return int(OcfRc.ERR_GENERIC)


async def run_lsb(request: ActionRequest, ctx: ExecContext) -> ActionResult:
    """Run one LSB action. Missing scripts give ERR_INSTALLED, never an exception."""
    name = request.agent.type
    if not _NAME.match(name):
        return finish(request, OcfRc.ERR_INSTALLED, f"invalid LSB name {name!r}")
    verb = _ACTIONS.get(request.action)
    if verb is None:
        return finish(request, OcfRc.ERR_UNIMPLEMENTED,
                      f"LSB scripts have no {request.action!r} action")
    path = ctx.init_dir / name
    if not path.is_file() or not os.access(path, os.X_OK):
        return finish(request, OcfRc.ERR_INSTALLED,
                      f"LSB script {path} not found or not executable")
    outcome = await run_process([str(path), verb], ctx.base_env(), request.timeout_s)
    if outcome.returncode is None:
        return finish(request, OcfRc.ERR_INSTALLED, outcome.start_error)
    if outcome.timed_out:
        rc, reason = int(OcfRc.ERR_GENERIC), f"{verb} timed out after {request.timeout_s:g}s"
    elif outcome.returncode < 0:
        rc, reason = int(OcfRc.ERR_GENERIC), f"script killed by signal {-outcome.returncode}"
    else:
        rc, reason = lsb_to_ocf(verb, outcome.returncode), None
    return finish(request, rc, reason, outcome)

"""The directory of Pacemaker-named wrappers put first on agents' PATH (see exec.tools)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

TOOLS = ("crm_attribute", "crm_master", "attrd_updater", "crm_node", "crm_resource", "crm_mon")
REFUSED = ("cibadmin", "cibsecret", "crm_diff", "crm_error", "crm_failcount", "crm_report",
           "crm_rule", "crm_shadow", "crm_simulate", "crm_standby", "crm_ticket", "crm_verify",
           "crmadmin", "iso8601", "stonith_admin", "pacemakerd")
"""Other Pacemaker commands: shadowed by wrappers that refuse (exit 3), so a host
Pacemaker later on PATH can never be reached through them."""


def install_helper_bin(directory: Path, python: str | None = None) -> Path:
    """Write the wrappers (mode 0755) into ``directory`` (created) and return it."""
    directory.mkdir(parents=True, exist_ok=True)
    interpreter = shlex.quote(python or sys.executable)
    for tool in TOOLS:
        path = directory / tool
        path.write_text(
            f"#!/bin/sh\n# Buttress stand-in for Pacemaker's {tool}; never calls Pacemaker.\n"
            f'exec {interpreter} -m buttress.exec.tools {tool} "$@"\n')
        path.chmod(0o755)
    for tool in REFUSED:
        path = directory / tool
        path.write_text(
            f"#!/bin/sh\necho '{tool}: not provided by Buttress (no Pacemaker here)' >&2\n"
            "exit 3\n")
        path.chmod(0o755)
    return directory

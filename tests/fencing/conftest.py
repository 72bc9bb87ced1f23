"""Fixture: an emulated BMC (subprocess) guarding a victim process group."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fencing_helpers import PASSWORD, Bmc


@pytest.fixture
def bmc(tmp_path: Path) -> Iterator[Bmc]:
    victim = subprocess.Popen(["sleep", "300"], start_new_session=True)
    pgid_file = tmp_path / "node.pgid"
    pgid_file.write_text(f"{victim.pid}\n")
    password_file = tmp_path / "bmc.pw"
    password_file.write_text(PASSWORD + "\n")
    port_file = tmp_path / "bmc.port"
    state_file = tmp_path / "bmc.state"
    proc = subprocess.Popen(
        [sys.executable, "-m", "buttress.fencing.bmc", "--port", "0", "--port-file",
         str(port_file), "--user", "admin", "--password-file", str(password_file),
         "--pgid-file", str(pgid_file), "--state-file", str(state_file),
         "--power-on-command", "sleep 300"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 15
    while not port_file.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert port_file.exists(), "BMC did not start"
    try:
        yield Bmc(int(port_file.read_text()), "admin", PASSWORD, pgid_file, state_file, victim)
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
        victim.poll()
        if victim.returncode is None:
            victim.kill()
            victim.wait()
        # the node "restarted" by power on: its pgid is in the pgid file
        try:
            pgid = int(pgid_file.read_text())
            if pgid != victim.pid and pgid > 1:
                os.killpg(pgid, signal.SIGKILL)
        except (ProcessLookupError, ValueError):
            pass

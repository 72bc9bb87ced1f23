"""Test-side handle on the real Nova of nova_server.py (main venv; talks HTTP only).

``ensure_nova_venv`` builds .venv-nova once (file lock: parallel xdist workers wait for
one build). ``NovaBox.start`` runs nova_server.py in a subprocess on a free loopback port;
``close`` asks it to exit and kills it if it does not (it also exits when we die).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from openstack.connection import Connection

import openstack
from buttress.openstack import NovaCredentials

ROOT = Path(__file__).resolve().parents[2]
NOVA_VENV = ROOT / ".venv-nova"
NOVA_PYTHON = NOVA_VENV / "bin" / "python"
SERVER = Path(__file__).with_name("nova_server.py")
IMAGE = "155d900f-4e14-4e4c-a73d-069cbf4541e6"  # an image of Nova's GlanceFixture
USER, PASSWORD = "admin", "s3cr3t-Pa55word-for-tests"


def ensure_nova_venv() -> Path:
    """Create .venv-nova with scripts/nova-venv.sh unless complete; returns its python."""
    digest = hashlib.sha1(str(NOVA_VENV).encode()).hexdigest()[:12]
    lock = Path(tempfile.gettempdir()) / f"buttress-nova-venv-{digest}.lock"
    with open(lock, "w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        subprocess.run(["bash", str(ROOT / "scripts" / "nova-venv.sh"), str(NOVA_VENV)],
                       check=True)
    return NOVA_PYTHON


class NovaBox:
    """One running Nova with hosts host1..hostN."""

    def __init__(self, workdir: Path, hosts: int = 3):
        self.workdir = workdir
        self.hosts = [f"host{i}" for i in range(1, hosts + 1)]
        self.port_file = workdir / "nova.port"
        self.log_path = workdir / "nova.log"
        self._log = open(self.log_path, "w")  # noqa: SIM115 - closed in close()
        self.proc = subprocess.Popen(
            [str(NOVA_PYTHON), str(SERVER), str(self.port_file), str(hosts), USER, PASSWORD],
            stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=str(workdir))
        deadline = time.monotonic() + 180
        while not self.port_file.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.close()
                raise RuntimeError("nova_server.py did not start:\n" + self.log_tail())
            time.sleep(0.1)
        info = json.loads(self.port_file.read_text())
        self.port: int = info["port"]
        self.base = f"http://127.0.0.1:{self.port}"
        self.startup_s: float = info["startup_s"]

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text()[-chars:]
        except OSError:
            return ""

    def _harness(self, action: str, host: str = "-") -> dict[str, Any]:
        request = urllib.request.Request(f"{self.base}/_harness/{action}/{host}", method="POST",
                                         data=b"")
        with urllib.request.urlopen(request, timeout=120) as response:
            result: dict[str, Any] = json.loads(response.read())
            return result

    def crash(self, host: str) -> None:
        """The host's nova-compute stops (the machine died)."""
        self._harness("stop", host)

    def revive(self, host: str) -> None:
        """The host boots again: a fresh nova-compute starts."""
        self._harness("restart", host)

    def hypervisor_instances(self) -> dict[str, list[str]]:
        """Instance uuids each fake hypervisor runs (Nova's view of the machines)."""
        instances: dict[str, list[str]] = self._harness("status")["instances"]
        return instances

    def auth(self, password: str = PASSWORD) -> dict[str, str]:
        return {"auth_url": f"{self.base}/identity/v3", "username": USER,
                "password": password, "project_name": "admin",
                "user_domain_name": "Default", "project_domain_name": "Default"}

    def credentials(self, password: str = PASSWORD, timeout_s: float = 30.0) -> NovaCredentials:
        return NovaCredentials(auth=self.auth(password), region_name="RegionOne",
                               timeout_s=timeout_s)

    def connect(self) -> Connection:
        """An admin openstacksdk connection, for setting scenes and checking outcomes."""
        return openstack.connect(auth=self.auth(), region_name="RegionOne",
                                 load_yaml_config=False, load_envvars=False)

    def close(self) -> None:
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self._harness("shutdown")
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


def engine_subprocess(args: list[str]) -> subprocess.Popen[bytes]:
    """Run engine_proc.py (an engine in its own process) with the main venv's python."""
    return subprocess.Popen([sys.executable, str(Path(__file__).with_name("engine_proc.py")),
                             *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})

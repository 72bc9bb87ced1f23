"""Helpers for the fencing tests: the emulated BMC handle."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "Zq7-secret-Pw!"


@dataclass
class Bmc:
    port: int
    user: str
    password: str
    pgid_file: Path
    state_file: Path
    victim: subprocess.Popen[bytes]

    def state(self) -> str:
        return self.state_file.read_text().strip()

    def params(self, **extra: str) -> dict[str, str]:
        return {"ip": "127.0.0.1", "ipport": str(self.port), "username": self.user,
                "password": self.password, "lanplus": "1", "power_wait": "0", **extra}

"""Fixtures of the daemon tests: a real sandbox (etcd, emulated BMCs, node agents) per test.

Every sandbox is torn down by the fixture (SIGKILL of every process group it started),
and every test ends by checking the split-brain invariant over the recorded events.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from daemon_helpers import SandboxFactory

from buttress.daemon.sandbox import Sandbox

NEEDS = [Path("/usr/sbin/fence_ipmilan"), Path("/usr/lib/ocf/resource.d/pacemaker/Dummy")]
MISSING = not all(p.exists() for p in NEEDS) or not shutil.which("ipmitool") or \
    not (Path("/usr/bin/etcd").exists() or shutil.which("etcd"))


@pytest.fixture
def sandbox_factory(tmp_path: Path) -> Iterator[SandboxFactory]:
    if MISSING:
        pytest.skip("etcd, fence-agents, ipmitool and pacemaker's OCF agents are installed "
                    "by scripts/install-system-deps.sh")
    made: list[Sandbox] = []

    def make(config: bytes | None = None, *, up: bool = True, **kwargs: object) -> Sandbox:
        sandbox = Sandbox(tmp_path / f"sb{len(made)}", config=config, **kwargs)  # type: ignore[arg-type]
        made.append(sandbox)
        if up:
            sandbox.up()
        return sandbox

    yield make
    for sandbox in made:
        sandbox.down()

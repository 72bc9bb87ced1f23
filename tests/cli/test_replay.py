"""Replay the OpenStack HA guides' pcs commands with the ``buttress`` console script and
compare the result with what real pcs wrote (cibdiff.py: 0 differences).

Uses the real installed agents (resource-agents, pacemaker's ocf:pacemaker:remote,
fence-agents) because the expected CIBs carry their meta-data's default operations.
systemd units are hidden (BUTTRESS_SYSTEMD_UNIT_DIRS=empty dir): pcs ran where none of the
guide's units existed, which is why the guide passes --force for them.
"""

from __future__ import annotations

import filecmp
import os
import subprocess
import sys
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data" / "seed-commands"
SHARED = Path(__file__).resolve().parents[3] / "shared" / "seed-commands"
VENV_BIN = Path(sys.executable).parent

NEEDED = [Path("/usr/lib/ocf/resource.d/heartbeat") / a for a in (
    "IPaddr2", "galera", "rabbitmq-cluster", "Filesystem", "redis", "Delay", "apache")]
NEEDED += [Path("/usr/lib/ocf/resource.d/pacemaker/remote"), Path("/usr/sbin/fence_ipmilan")]
missing = [str(p) for p in NEEDED if not p.exists()]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(bool(missing), reason=f"agents not installed: {', '.join(missing)}"),
    pytest.mark.skipif(not (VENV_BIN / "buttress").exists(),
                       reason="the buttress console script is not installed in this venv"),
]


def _env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    for name in ("BUTTRESS_OCF_ROOT", "BUTTRESS_FENCE_DIR", "OCF_ROOT"):
        env.pop(name, None)
    units = tmp_path / "no-units"
    units.mkdir(exist_ok=True)
    env["BUTTRESS_SYSTEMD_UNIT_DIRS"] = str(units)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env["QUIET"] = "1"
    return env


def replay(tmp_path: Path, start: Path, commands: str, out: Path) -> None:
    done = subprocess.run(["bash", str(DATA / "replay.sh"), "buttress", str(start),
                           str(DATA / commands), str(out)], env=_env(tmp_path),
                          cwd=tmp_path, capture_output=True, text=True, check=False,
                          timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "replayed" in done.stderr


def cibdiff(expected: str, out: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(DATA / "cibdiff.py.txt"), str(DATA / expected),
                           str(out)], capture_output=True, text=True, check=False)


def test_collapsed_deployment_equals_pcs(tmp_path: Path) -> None:
    out = tmp_path / "out.xml"
    replay(tmp_path, DATA / "start-cib.xml", "collapsed-commands.txt", out)
    diff = cibdiff("expected-cib.xml", out)
    assert diff.returncode == 0, diff.stdout[-3000:]
    assert diff.stdout.strip().endswith("0 differences")


def test_compute_nodes_2015_syntax_equals_pcs(tmp_path: Path) -> None:
    out = tmp_path / "out.xml"
    replay(tmp_path, DATA / "start-cib-2015.xml", "compute-nodes-2015.txt", out)
    diff = cibdiff("expected-cib-2015.xml", out)
    assert diff.returncode == 0, diff.stdout[-3000:]
    assert diff.stdout.strip().endswith("0 differences")
    # The text's obsolete block (pcs 0.9 comma-separated levels) runs after the nodes exist.
    final = tmp_path / "obsolete.xml"
    replay(tmp_path, out, "compute-nodes-2015-obsolete.txt", final)
    diff = cibdiff("expected-cib-2015.xml", final)
    assert sorted(diff.stdout.strip().splitlines()) == sorted([
        "primitive fence-nova: only in B",
        "fencing-level target compute-1 index 1: only in B (devices fence-compute-1,fence-nova)",
        "fencing-level target compute-2 index 1: only in B (devices fence-compute-2,fence-nova)",
        "fencing-level target compute-3 index 1: only in B (devices fence-compute-3,fence-nova)",
        "4 differences"])


@pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/seed-commands is not beside the repo")
def test_copies_match_shared() -> None:
    for path in DATA.iterdir():
        if path.name != "PROVENANCE.md":
            name = "cibdiff.py" if path.name == "cibdiff.py.txt" else path.name
            original = SHARED / name
            assert filecmp.cmp(path, original, shallow=False), path.name

"""User mistakes: one line on stderr, a non-zero exit status, the CIB file unchanged."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from buttress.cib.edit import atomic


@pytest.fixture
def populated(ok) -> None:
    ok("resource create a VIP ip=1")
    ok("resource create b VIP ip=2 clone")


@pytest.mark.parametrize("line, message, code", [
    ("resource create a VIP ip=3", "'a' already exists", 1),
    ("resource create z Nope", "unable to find agent 'Nope'", 1),
    ("resource create z ocf:heartbeat", "invalid resource agent name", 1),
    ("resource create z VIP ip=1 op", "'op' needs an operation", 2),
    ("resource create z VIP ip=1 op interval=10s", "missing operation name", 2),
    ("resource create z VIP ip=1 op monitor interval=soon", "invalid interval 'soon'", 1),
    ("resource create z VIP ip=1 op monitor frequency=1", "invalid option 'frequency'", 1),
    ("resource create 9z VIP ip=1", "invalid resource id '9z'", 1),
    ("resource delete nothere", "resource 'nothere' does not exist", 1),
    ("resource enable nothere", "resource 'nothere' does not exist", 1),
    ("resource update nothere x=1", "resource 'nothere' does not exist", 1),
    ("resource meta a", "missing NAME=VALUE", 2),
    ("resource group add a b", "'a' is a primitive, not a group", 1),
    ("resource group add g b", "in clone 'b-clone'", 1),
    ("constraint location a rule score=x osprole eq c", "invalid score 'x'", 1),
    ("constraint location a rule osprole eq c and", "malformed rule", 1),
    ("constraint order a then", "missing resource after 'then'", 2),
    ("property set --node ghost x=1", "node 'ghost' does not appear to exist", 1),
    ("stonith level add x node-1 a", "invalid level 'x'", 1),
    ("resource frobnicate a", "unknown command 'resource frobnicate'", 2),
    ("resource create a VIP ip=1 --bogus", "unknown option '--bogus'", 2),
    ("constraint ref a --node x", "option '--node' is not supported", 2),
])
def test_error_is_one_line_and_file_unchanged(populated, run, cib: Path, line: str,
                                              message: str, code: int) -> None:
    before = cib.read_bytes()
    result = run(line)
    assert result.rc == code
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("buttress: error: ")
    assert message in lines[0]
    assert cib.read_bytes() == before


def test_no_file_means_no_cluster(run, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUTTRESS_STORE", raising=False)
    result = run("resource create a VIP ip=1", file=None)
    assert result.rc == 1
    assert result.err.strip().splitlines() == [
        "buttress: error: no cluster is reachable: no store is configured; pass --store "
        "HOST:PORT or set $BUTTRESS_STORE, or use -f CIB_FILE to work on a CIB file"]


def test_missing_or_broken_file(run, tmp_path: Path) -> None:
    result = run("resource config", file=tmp_path / "nope.xml")
    assert result.rc == 2 and "cannot read" in result.err
    broken = tmp_path / "broken.xml"
    broken.write_text("<cib><configuration>")
    result = run("resource config", file=broken)
    assert result.rc == 2 and "malformed XML" in result.err
    assert broken.read_text() == "<cib><configuration>"


def test_status_without_renderer_is_clear(run, monkeypatch: pytest.MonkeyPatch) -> None:
    from buttress.cli.pcs import cmd_cluster

    monkeypatch.setattr(cmd_cluster, "_renderer", lambda name: None)
    result = run("status")
    assert result.rc == 1
    assert "not available yet" in result.err
    assert len(result.err.strip().splitlines()) == 1


def test_failed_write_leaves_file_and_no_temp(populated, run, cib: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    before = cib.read_bytes()

    def boom(src: str, dst: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, "replace", boom)
    with pytest.raises(OSError):
        run("resource create c VIP ip=3")
    assert cib.read_bytes() == before
    assert sorted(p.name for p in cib.parent.iterdir() if p.name.startswith(".cib")) == []


def test_atomic_write_keeps_mode(tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    target = tmp_path / "w" / "f.xml"
    target.write_text("old")
    os.chmod(target, 0o640)
    atomic.write_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert (target.stat().st_mode & 0o777) == 0o640
    assert [p.name for p in (tmp_path / "w").iterdir()] == ["f.xml"]
    fresh = tmp_path / "w" / "new.xml"
    atomic.write_atomic(fresh, b"x")
    assert (fresh.stat().st_mode & 0o777) == 0o666 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.skipif(shutil.which("buttress", path=str(Path(sys.executable).parent)) is None,
                    reason="the buttress console script is not installed in this venv")
def test_console_script_exit_status(cib: Path) -> None:
    exe = str(Path(sys.executable).parent / "buttress")
    env = dict(os.environ)
    done = subprocess.run([exe, "-f", str(cib), "resource", "delete", "ghost"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 1
    assert done.stderr == "buttress: error: resource 'ghost' does not exist\n"
    done = subprocess.run([exe, "resource", "create", "--help"], capture_output=True,
                          text=True, env=env, check=False)
    assert done.returncode == 0 and done.stdout.startswith("usage: buttress")

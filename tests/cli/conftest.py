"""Fixtures of the pcs-compatible CLI tests: fake agents, a CIB file, an in-process runner.

The fake agents make the tests independent of what resource-agents version is installed;
the replay tests (test_replay.py) use the real installed agents on purpose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from lxml import etree

from buttress.agents.metadata import clear_cache
from buttress.cli.main import main

START_CIB = """<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="4" \
num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config/>
    <nodes>
      <node id="1" uname="node-1"/>
      <node id="2" uname="node-2"/>
    </nodes>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
"""

VIP_METADATA = """<?xml version="1.0"?>
<resource-agent name="VIP" version="1.0">
<shortdesc lang="en">A virtual IP</shortdesc>
<parameters>
<parameter name="ip" unique="1" required="1"><content type="string"/></parameter>
<parameter name="nic"><content type="string"/></parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="stop" timeout="20s"/>
<action name="status" timeout="20s" interval="10s"/>
<action name="monitor" depth="0" timeout="20s" interval="10s"/>
<action name="meta-data" timeout="5s"/>
<action name="validate-all" timeout="20s"/>
</actions>
</resource-agent>
"""

DB_METADATA = """<?xml version="1.0"?>
<resource-agent name="DB" version="1.0">
<shortdesc lang="en">A promotable database</shortdesc>
<parameters><parameter name="size"><content type="integer"/></parameter></parameters>
<actions>
<action name="start" timeout="120s"/>
<action name="stop" timeout="120s"/>
<action name="monitor" depth="0" timeout="30s" interval="20s"/>
<action name="monitor" role="Master" depth="0" timeout="30s" interval="10s"/>
<action name="monitor" role="Slave" depth="0" timeout="30s" interval="30s"/>
<action name="promote" timeout="300s"/>
<action name="demote" timeout="120s"/>
<action name="notify" timeout="90s"/>
<action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
"""

REMOTE_METADATA = """<?xml version="1.0"?>
<resource-agent name="remote" version="1.0">
<parameters><parameter name="server"><content type="string"/></parameter>
<parameter name="reconnect_interval"><content type="string"/></parameter></parameters>
<actions>
<action name="start" timeout="60s"/>
<action name="stop" timeout="60s"/>
<action name="monitor" timeout="30s"/>
<action name="meta-data" timeout="5s"/>
</actions>
</resource-agent>
"""

FENCE_METADATA = """<?xml version="1.0" ?>
<resource-agent name="fence_fake" shortdesc="A fake fence agent">
<parameters>
<parameter name="action" unique="0" required="1"><content type="string"/></parameter>
<parameter name="ip" unique="0" required="1" obsoletes="ipaddr"><content type="string"/>
</parameter>
<parameter name="ipaddr" unique="0" required="1" deprecated="1"><content type="string"/>
</parameter>
<parameter name="login" unique="0" required="0"><content type="string"/></parameter>
</parameters>
<actions><action name="off"/><action name="monitor" timeout="20s"/><action name="metadata"/>
</actions>
</resource-agent>
"""


def write_agent(path: Path, metadata: str, fence: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flag = '"$1" = "-o" -a "$2" = "metadata"' if fence else '"$1" = "meta-data"'
    path.write_text(f"#!/bin/sh\nif [ {flag} ]; then\ncat <<'XEOF'\n{metadata}XEOF\n"
                    "exit 0\nfi\nexit 3\n")
    path.chmod(0o755)


@pytest.fixture(autouse=True)
def fake_agents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "ocf"
    write_agent(root / "resource.d" / "heartbeat" / "VIP", VIP_METADATA)
    write_agent(root / "resource.d" / "heartbeat" / "DB", DB_METADATA)
    write_agent(root / "resource.d" / "heartbeat" / "Twin", VIP_METADATA)
    write_agent(root / "resource.d" / "pacemaker" / "Twin", VIP_METADATA)
    write_agent(root / "resource.d" / "pacemaker" / "remote", REMOTE_METADATA)
    write_agent(tmp_path / "sbin" / "fence_fake", FENCE_METADATA, fence=True)
    (tmp_path / "units").mkdir()
    monkeypatch.setenv("BUTTRESS_OCF_ROOT", str(root))
    monkeypatch.setenv("BUTTRESS_FENCE_DIR", str(tmp_path / "sbin"))
    monkeypatch.setenv("BUTTRESS_SYSTEMD_UNIT_DIRS", str(tmp_path / "units"))
    clear_cache()
    yield root
    clear_cache()


@pytest.fixture
def start_cib() -> str:
    """The two-node CIB every command test starts from."""
    return START_CIB


@pytest.fixture
def cib(tmp_path: Path) -> Path:
    path = tmp_path / "cib.xml"
    path.write_text(START_CIB)
    return path


@dataclass
class Result:
    rc: int
    out: str
    err: str


Runner = Callable[..., Result]


@pytest.fixture
def run(cib: Path, capsys: pytest.CaptureFixture[str]) -> Runner:
    """run("resource create ...") or run([...]) -> Result, with ``-f cib`` prepended."""

    def runner(command: str | list[str], file: Path | None = cib) -> Result:
        import shlex

        argv = shlex.split(command) if isinstance(command, str) else list(command)
        if file is not None:
            argv = ["-f", str(file), *argv]
        capsys.readouterr()
        rc = main(argv)
        captured = capsys.readouterr()
        return Result(rc, captured.out, captured.err)

    return runner


@pytest.fixture
def ok(run: Runner) -> Runner:
    """Like run, but the command must succeed."""

    def runner(command: str | list[str], file: Path | None = None) -> Result:
        result = run(command) if file is None else run(command, file)
        assert result.rc == 0, result.err
        return result

    return runner


@pytest.fixture
def xml(cib: Path) -> Callable[[], etree._Element]:
    """Parse the CIB file as it is now."""
    return lambda: etree.parse(str(cib)).getroot()

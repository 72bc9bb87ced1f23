"""Fake OCF and fence agents in a temporary tree (BUTTRESS_OCF_ROOT / BUTTRESS_FENCE_DIR)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from buttress.agents.metadata import clear_cache

VIP_METADATA = """<?xml version="1.0"?>
<resource-agent name="VIP" version="1.0">
<shortdesc lang="en">A virtual IP</shortdesc>
<parameters>
<parameter name="ip" unique="1" required="1"><shortdesc lang="en">Address</shortdesc>
<content type="string"/></parameter>
<parameter name="nic"><content type="string" default="eth0"/></parameter>
</parameters>
<actions>
<action name="start" timeout="20s"/>
<action name="stop" timeout="20s"/>
<action name="status" depth="0" timeout="20s" interval="10s"/>
<action name="monitor" depth="0" timeout="20s" interval="10s"/>
<action name="monitor" role="Master" timeout="20s" interval="5s"/>
<action name="meta-data" timeout="5s"/>
<action name="validate-all" timeout="20s"/>
</actions>
</resource-agent>
"""

FENCE_METADATA = """<?xml version="1.0" ?>
<resource-agent name="fence_fake" shortdesc="A fake fence agent">
<parameters>
<parameter name="action" unique="0" required="1"><content type="string" default="reboot"/>
</parameter>
<parameter name="ip" unique="0" required="1" obsoletes="ipaddr"><content type="string"/>
</parameter>
<parameter name="ipaddr" unique="0" required="1" deprecated="1"><content type="string"/>
</parameter>
</parameters>
<actions><action name="on" automatic="0"/><action name="off"/><action name="monitor"/>
<action name="metadata"/></actions>
</resource-agent>
"""


def write_agent(path: Path, metadata: str, fence: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    flag = '"$1" = "-o" -a "$2" = "metadata"' if fence else '"$1" = "meta-data"'
    path.write_text(f"#!/bin/sh\nif [ {flag} ]; then\ncat <<'XEOF'\n{metadata}XEOF\n"
                    "exit 0\nfi\nexit 3\n")
    path.chmod(0o755)


@pytest.fixture
def fake_agents(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "ocf"
    write_agent(root / "resource.d" / "heartbeat" / "VIP", VIP_METADATA)
    write_agent(root / "resource.d" / "heartbeat" / "Twin", VIP_METADATA)
    write_agent(root / "resource.d" / "other" / "Twin", VIP_METADATA)
    broken = root / "resource.d" / "other" / "Broken"
    broken.write_text("#!/bin/sh\necho 'not xml <'\n")
    broken.chmod(0o755)
    fence = tmp_path / "sbin"
    write_agent(fence / "fence_fake", FENCE_METADATA, fence=True)
    monkeypatch.setenv("BUTTRESS_OCF_ROOT", str(root))
    monkeypatch.setenv("BUTTRESS_FENCE_DIR", str(fence))
    monkeypatch.setenv("BUTTRESS_SYSTEMD_UNIT_DIRS", str(tmp_path / "units"))
    (tmp_path / "units").mkdir()
    (tmp_path / "units" / "web.service").write_text("[Service]\n")
    clear_cache()
    yield root
    clear_cache()

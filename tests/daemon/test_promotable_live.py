"""A promotable clone (the real ocf:pacemaker:Stateful) on a live sandbox: one promoted
instance, recorded so that Pacemaker's own scheduler reads the live CIB the same way, and a
new promotion only after the old promoted node is fenced."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from daemon_helpers import SandboxFactory, assert_safe, cib, first, nv

from buttress.daemon.livecib import Snapshot
from buttress.daemon.view import roles
from buttress.transition.render import render_summary

pytestmark = pytest.mark.slow

STATEFUL = Path("/usr/lib/ocf/resource.d/pacemaker/Stateful")

DB = ('<clone id="db-clone"><meta_attributes id="db-clone-meta">'
      + nv("db-clone", "promotable", "true") + nv("db-clone", "promoted-max", "1")
      + '</meta_attributes><primitive id="db" class="ocf" provider="pacemaker" '
      'type="Stateful"><operations>'
      '<op id="db-mon-p" name="monitor" interval="2s" timeout="10s" role="Promoted"/>'
      '<op id="db-mon-u" name="monitor" interval="3s" timeout="10s" role="Unpromoted"/>'
      '</operations></primitive></clone>')


def promoted(snap: Snapshot) -> list[str]:
    return sorted(n for n, role in roles(snap).get("db", {}).items() if role == "Promoted")


def summary_lines(text: str) -> list[str]:
    block = text.split("Transition Summary:", 1)[1].split("Executing Cluster Transition", 1)[0]
    return [" ".join(line.split()) for line in block.splitlines() if line.strip()]


@pytest.mark.skipif(not STATEFUL.exists(), reason="pacemaker's OCF agents are installed by "
                    "scripts/install-system-deps.sh")
def test_promoted_instance_moves_only_after_its_node_is_fenced(
        sandbox_factory: SandboxFactory, tmp_path: Path) -> None:
    sb = sandbox_factory(cib(DB))
    snap = sb.wait_for(lambda s: len(promoted(s)) == 1 and len(roles(s).get("db", {})) == 3
                       and not s.queued, 60, "db promoted on one node, running on three")
    snap = sb.wait_stable(60)
    assert sorted(roles(snap)["db"].values()) == ["Promoted", "Unpromoted", "Unpromoted"]
    assert sb.violations() == []
    # the settled live CIB means the same to Pacemaker's scheduler: nothing left to do
    if shutil.which("crm_simulate"):
        live = tmp_path / "live.xml"
        live.write_bytes(sb.cib(redact=False))
        oracle = subprocess.run(["crm_simulate", "-x", str(live), "-S"], capture_output=True,
                                text=True, timeout=120, check=False)
        assert summary_lines(oracle.stdout) == [], oracle.stdout
    from buttress.cib import load_cib
    from buttress.scheduler import schedule

    live = tmp_path / "live-ours.xml"
    live.write_bytes(sb.cib(redact=False))
    assert render_summary(schedule(load_cib(live), int(time.time()))).strip() == ""

    victim = promoted(snap)[0]
    killed_at = time.time()
    sb.kill(victim)
    snap = sb.wait_for(lambda s: s.fencing.get(victim, {}).get("ok") is True
                       and len(promoted(s)) == 1 and victim not in promoted(s)
                       and not s.queued, 90, f"{victim} fenced and db promoted elsewhere")
    events = sb.events()
    fence = first(events, kind="fence", node=victim)
    promotions = [e for e in events if e["kind"] == "promote" and e["rsc"] == "db"
                  and float(e["ts"]) > killed_at]
    assert promotions and float(fence["ts"]) < float(promotions[0]["ts"]), events
    assert_safe(sb)

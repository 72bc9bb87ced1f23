"""Instance HA end to end in a real cluster: etcd, node agents with their controllers,
fence_ipmilan against emulated BMCs, the fence_nova level configured with the guides' pcs
commands, and the real in-process Nova with 3 computes.

Cluster nodes compute-1..3 are Nova's host1..3 through the fence_nova device's
``pcmk_host_map`` (docs/instance-ha.md). ``stonith-action=off`` keeps the fenced node
down until the test powers it on again through its BMC, so each phase can be checked.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from iha_box import PASSWORD, NovaBox
from iha_scene import boot, evacuations, flavor, service, where

from buttress.cli.main import main
from buttress.daemon.livecib import Snapshot
from buttress.daemon.sandbox import Sandbox
from buttress.daemon.sandboxconfig import ipmi_params
from buttress.fencing import FenceDevice, run_fence_agent

sys.path.insert(0, str(Path(__file__).parents[1] / "daemon"))
from daemon_helpers import assert_safe, cib, dummy

pytestmark = pytest.mark.slow

NODES = ["compute-1", "compute-2", "compute-3"]
NEEDS = [Path("/usr/sbin/fence_ipmilan"), Path("/usr/lib/ocf/resource.d/pacemaker/Dummy")]


def _sandbox(directory: Path, **kwargs: object) -> Iterator[Sandbox]:
    if not all(p.exists() for p in NEEDS) or not shutil.which("ipmitool") or \
            (not shutil.which("etcd") and not Path("/usr/bin/etcd").exists()):
        pytest.skip("etcd, fence-agents, ipmitool and pacemaker's OCF agents are installed "
                    "by scripts/install-system-deps.sh")
    sandbox = Sandbox(directory, NODES, lease_ttl=3, config=cib(dummy("web")),
                      **kwargs)  # type: ignore[arg-type]
    try:
        sandbox.up()
        yield sandbox
    finally:
        sandbox.down()


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[Sandbox]:
    """compute-1..3, each agent with its embedded controller candidate."""
    yield from _sandbox(tmp_path / "sb")


@pytest.fixture
def split_cluster(tmp_path: Path) -> Iterator[Sandbox]:
    """compute-1..3 and two controllers of their own (ctl1, ctl2), killable alone."""
    yield from _sandbox(tmp_path / "sb", embedded_controllers=False, controllers=2)


def pcs(sb: Sandbox, command: list[str], capsys: pytest.CaptureFixture[str]) -> str:
    """Run one pcs-compatible command line on the live cluster; returns its stdout."""
    capsys.readouterr()
    rc = main(["--store", sb.endpoint, "--cluster", sb.cluster, *command])
    out, err = capsys.readouterr()
    assert rc == 0, (command[:3], err)
    return out


def configure(sb: Sandbox, nova_box: NovaBox, capsys: pytest.CaptureFixture[str],
              *extra: str, password: str = PASSWORD) -> None:
    """The guides' pcs commands (fence-compute-N are the sandbox's fence_ipmilan devices)
    plus ``stonith-action=off``; ``extra`` are more fence-nova parameters."""
    pcs(sb, ["stonith", "create", "fence-nova", "fence_compute",
             f"auth-url={nova_box.base}/identity/v3", "login=admin", f"passwd={password}",
             "tenant-name=admin", "region_name=RegionOne", "record-only=1", "action=off",
             "no_shared_storage=1", "evacuate=tagged", "poll_interval=0.2",
             "pcmk_host_map=compute-1:host1;compute-2:host2;compute-3:host3", *extra],
        capsys)  # no --force: fence_compute has built-in meta-data
    for node in NODES:
        pcs(sb, ["stonith", "level", "add", "1", node, f"fence-{node},fence-nova"], capsys)
    pcs(sb, ["property", "set", "stonith-action=off"], capsys)
    sb.wait_stable(90)


def evacuation(snap: Snapshot, host: str) -> str | None:
    record = snap.evacuations.get(host)
    return str(record["phase"]) if record else None


def test_killed_compute_node_is_fenced_evacuated_and_restored(
        cluster: Sandbox, nova_box: NovaBox, capsys: pytest.CaptureFixture[str]) -> None:
    sb = cluster
    conn = nova_box.connect()
    tagged, plain = flavor(conn, "ha", {"evacuable": "true"}), flavor(conn, "plain")
    vms = boot(conn, "host1", [("act1", tagged, "ACTIVE", True),
                               ("act2", tagged, "ACTIVE", True),
                               ("off1", tagged, "SHUTOFF", True),
                               ("keep", plain, "ACTIVE", False)])

    configure(sb, nova_box, capsys)

    nova_box.crash("host1")  # the machine dies: its nova-compute with it...
    sb.kill("compute-1")     # ...and its node agent
    snap = sb.wait_for(lambda s: evacuation(s, "host1") == "done", 240,
                       "compute-1 fenced and host1 evacuated")
    fence = snap.fencing["compute-1"]
    assert fence["ok"] is True and fence["action"] == "off"
    assert fence["reason"] == "fenced by fence-compute-1, fence-nova (level 1)"
    event = snap.fence_events["compute-1"]
    assert (event.nova_host, event.device) == ("host1", "fence-nova")
    assert "compute-1" not in snap.members

    svc = service(conn, "host1")
    assert svc.is_forced_down and svc.status == "disabled"
    assert event.fence_id in svc.disabled_reason
    for vm in vms:
        host, status, task = where(conn, vm)
        assert task is None and status == vm.status, (vm, status)
        if vm.evacuable:
            assert host in ("host2", "host3") and len(evacuations(conn, vm)) == 1, vm
        else:
            assert host == "host1" and evacuations(conn, vm) == []

    text = pcs(sb, ["status"], capsys)
    assert "Instance HA (evacuations):" in text
    assert "compute-1 (nova host host1): done, 3 of 3 recovered, 0 failed, 1 skipped" in text
    data = json.loads(pcs(sb, ["status", "--output", "json"], capsys))
    ev = data["evacuations"]["compute-1"]
    assert ev["phase"] == "done" and ev["recovered"] == 3 and ev["failed"] == 0
    assert 0 < ev["isolated_s"] < ev["total_s"]
    assert {i["name"]: i["status"] for i in ev["instances"]} == {
        "act1": "ACTIVE", "act2": "ACTIVE", "off1": "SHUTOFF"}
    assert all(i["recovery_s"] > 0 for i in ev["instances"])
    log_text = "".join(p.read_text() for p in sb.dir.rglob("*.log"))
    assert PASSWORD not in text + json.dumps(data) + log_text
    assert "instance-ha: instance.recovered" in log_text

    # the node comes back: nova-compute boots, the operator powers it on at its BMC
    nova_box.revive("host1")
    power_on = asyncio.run(run_fence_agent(FenceDevice.from_params(
        "bmc", "fence_ipmilan", ipmi_params(sb.bmc_ports["compute-1"], sb.password,
                                            "compute-1")), "on", "compute-1"))
    assert power_on.ok, power_on.reason
    snap = sb.wait_for(lambda s: evacuation(s, "host1") == "restored", 120,
                       "compute-1 to rejoin and host1 to be restored in nova")
    assert "compute-1" in snap.members
    svc = service(conn, "host1")
    assert not svc.is_forced_down and svc.status == "enabled"
    kinds = [e.get("what") for e in sb.events() if e["kind"] == "evacuation"]
    assert kinds.index("host.isolated") < kinds.index("host.done") < kinds.index(
        "host.restored")
    assert_safe(sb)


def test_a_new_leader_resumes_the_evacuation_under_the_same_fence_id(
        split_cluster: Sandbox, nova_box: NovaBox,
        capsys: pytest.CaptureFixture[str]) -> None:
    sb = split_cluster
    conn = nova_box.connect()
    tagged = flavor(conn, "ha", {"evacuable": "true"})
    vms = boot(conn, "host1", [(f"vm{i}", tagged, "ACTIVE", True) for i in range(4)])
    configure(sb, nova_box, capsys, "resume_grace=5")

    nova_box.crash("host1")
    sb.kill("compute-1")
    snap = sb.wait_for(lambda s: evacuation(s, "host1") == "evacuating", 120,
                       "the evacuation of host1 to start")
    first_leader = (snap.leader or "").split(":", 1)[0]
    fence_id = snap.fence_events["compute-1"].fence_id
    sb.kill_controller(first_leader)  # mid-evacuation: requests sent, nothing landed yet

    snap = sb.wait_for(lambda s: evacuation(s, "host1") == "done", 240,
                       "another controller to finish the evacuation")
    new_leader = (snap.leader or "").split(":", 1)[0]
    assert new_leader and new_leader != first_leader
    record = snap.evacuations["host1"]
    assert record["fence_id"] == fence_id  # resumed, not restarted
    phases = [i["phase"] for i in snap.evacuated[f"host1/{fence_id}"]]
    assert phases == ["recovered"] * 4
    for vm in vms:
        host, status, task = where(conn, vm)
        assert host in ("host2", "host3") and status == "ACTIVE" and task is None
        assert len(evacuations(conn, vm)) == 1, vm  # never evacuated twice
    leaders = {e["by"] for e in sb.events() if e["kind"] == "evacuation"}
    assert {f"controller:{first_leader}", f"controller:{new_leader}"} <= leaders


def test_wrong_credentials_stall_the_evacuation_until_they_are_fixed(
        cluster: Sandbox, nova_box: NovaBox, capsys: pytest.CaptureFixture[str]) -> None:
    sb = cluster
    conn = nova_box.connect()
    tagged = flavor(conn, "ha", {"evacuable": "true"})
    vms = boot(conn, "host1", [("one", tagged, "ACTIVE", True), ("two", tagged, "SHUTOFF", True)])
    wrong = "not-the-Pa55word"
    configure(sb, nova_box, capsys, "retry_attempts=2", "retry_initial_delay=0.2",
              password=wrong)

    nova_box.crash("host1")
    sb.kill("compute-1")
    snap = sb.wait_for(lambda s: bool((s.evacuations.get("host1") or {}).get("error")), 120,
                       "the evacuation of host1 to stall on the credentials")
    assert snap.fencing["compute-1"]["ok"] is True  # the power fence does not depend on nova
    record = snap.evacuations["host1"]
    assert record["phase"] == "fenced" and "keystone refused the credentials" in record["error"]
    assert f"host1/{record['fence_id']}" not in snap.evacuated  # nothing half-recorded
    svc = service(conn, "host1")
    assert not svc.is_forced_down and svc.status == "enabled"  # nova was never touched
    text = pcs(sb, ["status"], capsys)
    assert "compute-1 (nova host host1): fenced, 0 of 0 recovered" in text
    assert "error: " in text and "keystone refused the credentials" in text
    log_text = "".join(p.read_text() for p in sb.dir.rglob("*.log"))
    assert wrong not in text + log_text and "instance-ha: nova.retry" in log_text

    pcs(sb, ["stonith", "update", "fence-nova", f"passwd={PASSWORD}"], capsys)
    snap = sb.wait_for(lambda s: evacuation(s, "host1") == "done", 180,
                       "the evacuation to resume with the fixed credentials")
    assert snap.evacuations["host1"]["fence_id"] == record["fence_id"]
    for vm in vms:
        host, status, _ = where(conn, vm)
        assert host in ("host2", "host3") and status == vm.status
        assert len(evacuations(conn, vm)) == 1

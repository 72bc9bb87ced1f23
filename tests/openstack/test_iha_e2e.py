"""End to end against a real Nova: host1 crashes, its evacuable instances come back
elsewhere in their power state, the others are untouched; host1 returns."""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from iha_box import PASSWORD, NovaBox
from iha_scene import boot, evacuations, flavor, service, where

from buttress.openstack import (
    EvacuationConfig,
    EvacuationEngine,
    EvacuationPolicy,
    EventLog,
    FenceEvent,
    HostPhase,
    InMemoryJournal,
    InstancePhase,
    SdkNova,
    Selection,
)

pytestmark = pytest.mark.slow


def test_host_crash_evacuates_tagged_instances_and_host_returns(nova_box: NovaBox) -> None:
    conn = nova_box.connect()
    tagged = flavor(conn, "ha", {"evacuable": "true"})
    plain = flavor(conn, "plain")
    vms = boot(conn, "host1", [
        ("act1", tagged, "ACTIVE", True), ("act2", tagged, "ACTIVE", True),
        ("act3", tagged, "ACTIVE", True), ("act4", tagged, "ACTIVE", True),
        ("off1", tagged, "SHUTOFF", True), ("off2", tagged, "SHUTOFF", True),
        ("keep-on", plain, "ACTIVE", False), ("keep-off", plain, "SHUTOFF", False)])

    nova_box.crash("host1")
    event = FenceEvent("host1", fenced_at=time.time())
    log = EventLog()
    config = EvacuationConfig(policy=EvacuationPolicy(selection=Selection.TAGGED),
                              max_parallel=4, poll_interval_s=0.2)
    nova = SdkNova(nova_box.credentials())

    async def scenario() -> tuple[object, object]:
        async with EvacuationEngine(nova, InMemoryJournal(), config, events=log) as engine:
            report = await engine.recover(event)
            again = await engine.recover(event)  # same fence event: nothing more happens
            return report, again

    report, again = asyncio.run(scenario())
    data = report.to_json()  # type: ignore[attr-defined]
    assert data["complete"] and data["recovered"] == 6 and data["failed"] == 0, data
    assert again.to_json()["instances"] == data["instances"]  # type: ignore[attr-defined]

    for vm in vms:
        host, status, task = where(conn, vm)
        assert task is None
        assert status == vm.status, (vm, status)
        if vm.evacuable:
            assert host in ("host2", "host3"), (vm, host)
            assert len(evacuations(conn, vm)) == 1
        else:
            assert host == "host1"
            assert evacuations(conn, vm) == []

    svc = service(conn, "host1")
    assert svc.is_forced_down and svc.status == "disabled"
    assert event.fence_id in svc.disabled_reason

    kinds = [e.kind for e in log.events]
    assert kinds.index("host.isolated") < kinds.index("host.evacuating") < kinds.index(
        "host.done")
    assert kinds.count("instance.recovered") == 6 and kinds.count("instance.skipped") == 2
    text = json.dumps([e.to_json() for e in log.events]) + json.dumps(data) + repr(nova)
    assert PASSWORD not in text
    for item in data["instances"]:
        assert item["phase"] == "recovered" and item["recovery_s"] > 0
        assert item["final_status"] == next(v.status for v in vms if v.id == item["id"])

    # host1 comes back: Nova's compute cleans its stale copies, the engine unfences it.
    nova_box.revive("host1")

    async def restore() -> object:
        journal = InMemoryJournal()
        async with EvacuationEngine(nova, journal, config, events=log) as engine:
            await engine.recover(event)  # already isolated/evacuated: a cheap no-op pass
            return await engine.restore("host1", wait_up_s=30)

    asyncio.run(restore())
    svc = service(conn, "host1")
    assert not svc.is_forced_down and svc.status == "enabled" and svc.state == "up"
    on_host1 = set(nova_box.hypervisor_instances()["host1"])
    assert on_host1 == {vm.id for vm in vms if not vm.evacuable}  # evacuated copies destroyed


def test_restore_after_recovery_marks_the_record(nova_box: NovaBox) -> None:
    """restore() refuses while a recovery is unfinished, records RESTORED after it."""
    conn = nova_box.connect()
    vms = boot(conn, "host2", [("one", flavor(conn, "f"), "ACTIVE", True)])
    nova_box.crash("host2")
    journal = InMemoryJournal()
    config = EvacuationConfig(poll_interval_s=0.2)

    async def scenario() -> HostPhase:
        async with EvacuationEngine(SdkNova(nova_box.credentials()), journal,
                                    config) as engine:
            report = await engine.recover(FenceEvent("host2", time.time()))
            assert [i.phase for i in report.instances] == [InstancePhase.RECOVERED]
            nova_box.revive("host2")
            record = await engine.restore("host2", wait_up_s=30)
            assert record is not None
            return record.phase

    assert asyncio.run(scenario()) is HostPhase.RESTORED
    assert where(conn, vms[0])[0] in ("host1", "host3")

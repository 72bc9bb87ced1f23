"""Faults against a real Nova: a controller killed mid-evacuation, too many hosts down,
wrong credentials, an instance Nova refuses to evacuate, Nova unreachable."""

from __future__ import annotations

import asyncio
import json
import signal
import time
from pathlib import Path

import pytest
from iha_box import PASSWORD, NovaBox, engine_subprocess
from iha_scene import boot, evacuations, flavor, service, where

from buttress.openstack import (
    EvacuationConfig,
    EvacuationEngine,
    EventLog,
    FenceEvent,
    FileJournal,
    HostPhase,
    InMemoryJournal,
    InstancePhase,
    NovaCredentials,
    RecoveryReport,
    RetryPolicy,
    SdkNova,
)

pytestmark = pytest.mark.slow

FAST_RETRY = RetryPolicy(attempts=3, initial_delay_s=0.05, max_delay_s=0.2)


def _phases(journal_dir: Path) -> list[str]:
    phases = []
    for path in journal_dir.glob("instances%2F*.json"):
        try:
            phases.append(json.loads(path.read_text())["value"]["phase"])
        except (OSError, ValueError):
            continue  # being replaced right now
    return phases


def test_controller_killed_mid_evacuation_is_finished_by_another(nova_box: NovaBox,
                                                                  tmp_path: Path) -> None:
    conn = nova_box.connect()
    fl = flavor(conn, "f")
    vms = boot(conn, "host1", [(f"vm{i}", fl, "ACTIVE", True) for i in range(6)])
    nova_box.crash("host1")
    fenced_at = time.time()
    journal_dir = tmp_path / "journal"
    proc = engine_subprocess([json.dumps({
        "auth": nova_box.auth(), "journal": str(journal_dir), "host": "host1",
        "fenced_at": fenced_at, "max_parallel": 2, "poll_interval": 0.2})])
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # kill once some are under way and some pending
        phases = _phases(journal_dir)
        if len(phases) == 6 and "pending" in phases and (
                "requested" in phases or "recovered" in phases):
            break
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.02)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = _phases(journal_dir)
    assert "pending" in before and before.count("recovered") < 6, before

    log = EventLog()

    async def take_over() -> list[RecoveryReport]:
        async with EvacuationEngine(SdkNova(nova_box.credentials()), FileJournal(journal_dir),
                                    EvacuationConfig(poll_interval_s=0.2, resume_grace_s=5),
                                    events=log) as engine:
            return await engine.resume()

    reports = asyncio.run(take_over())
    assert len(reports) == 1 and reports[0].complete
    assert [i.phase for i in reports[0].instances] == [InstancePhase.RECOVERED] * 6, (
        before, [(i.name, i.error) for i in reports[0].instances], [str(e) for e in log.events])
    for vm in vms:
        host, status, _ = where(conn, vm)
        assert host != "host1" and status == "ACTIVE"
        assert len(evacuations(conn, vm)) == 1, vm  # never evacuated twice


def test_too_many_hosts_failing_refuses_evacuation(nova_box: NovaBox) -> None:
    conn = nova_box.connect()
    fl = flavor(conn, "f")
    vms = boot(conn, "host1", [("a", fl, "ACTIVE", True)])
    vms += boot(conn, "host2", [("b", fl, "ACTIVE", True)])
    nova_box.crash("host1")
    nova_box.crash("host2")
    now = time.time()
    log = EventLog()

    async def scenario() -> list[RecoveryReport]:
        async with EvacuationEngine(SdkNova(nova_box.credentials()), InMemoryJournal(),
                                    EvacuationConfig(max_failed_hosts=1, poll_interval_s=0.2),
                                    events=log) as engine:
            return await engine.recover_many([FenceEvent("host1", now),
                                              FenceEvent("host2", now)])

    reports = asyncio.run(scenario())
    assert [r.host.phase for r in reports] == [HostPhase.REFUSED, HostPhase.REFUSED]
    refused = log.of_kind("host.refused")
    assert len(refused) == 2
    assert "2 hosts failed" in refused[0].message and "max_failed_hosts=1" in refused[0].message
    assert "host1, host2" in refused[0].message
    assert not log.of_kind("instance")
    for vm, host in zip(vms, ("host1", "host2"), strict=True):
        assert where(conn, vm)[0] == host and evacuations(conn, vm) == []
        assert service(conn, host).is_forced_down  # fenced hosts are still marked down


def test_wrong_credentials_then_refusal_reported_while_others_proceed(
        nova_box: NovaBox) -> None:
    conn = nova_box.connect()
    fl = flavor(conn, "f")
    vms = boot(conn, "host1", [("ok1", fl, "ACTIVE", True), ("ok2", fl, "SHUTOFF", True),
                               ("paused", fl, "PAUSED", True)])
    nova_box.crash("host1")
    event = FenceEvent("host1", time.time())
    journal = InMemoryJournal()
    log = EventLog()
    config = EvacuationConfig(poll_interval_s=0.2, retry=FAST_RETRY)

    async def run(password: str) -> RecoveryReport:
        nova = SdkNova(nova_box.credentials(password=password))
        async with EvacuationEngine(nova, journal, config, events=log) as engine:
            return await engine.recover(event)

    bad = asyncio.run(run("not-the-password"))
    assert bad.host.phase is HostPhase.FENCED and not bad.complete
    assert bad.instances == () and bad.host.attempts == 1
    assert "keystone refused the credentials" in (bad.host.error or "")
    assert len(log.of_kind("nova.retry")) == FAST_RETRY.attempts - 1
    stalled = log.of_kind("host.stalled")
    assert len(stalled) == 1 and "401" in stalled[0].message
    assert not service(conn, "host1").is_forced_down  # nothing half-done in Nova
    assert all(evacuations(conn, vm) == [] for vm in vms)

    good = asyncio.run(run(PASSWORD))
    assert good.complete and good.host.phase is HostPhase.DONE
    by_name = {i.name: i for i in good.instances}
    assert by_name["ok1"].phase is InstancePhase.RECOVERED
    assert by_name["ok2"].phase is InstancePhase.RECOVERED
    assert by_name["paused"].phase is InstancePhase.FAILED
    assert "409" in (by_name["paused"].error or "") and "paused" in (by_name["paused"].error
                                                                    or "")
    refused = log.of_kind("instance.refused")
    assert len(refused) == 1 and refused[0].instance == vms[2].id
    assert [where(conn, vm)[:2] for vm in vms][2] == ("host1", "PAUSED")
    assert where(conn, vms[0])[1] == "ACTIVE" and where(conn, vms[1])[1] == "SHUTOFF"
    everything = json.dumps([e.to_json() for e in log.events]) + json.dumps(good.to_json())
    assert PASSWORD not in everything and "not-the-password" not in everything


def test_unreachable_nova_retries_with_backoff_and_records_nothing() -> None:
    creds = NovaCredentials(auth={"auth_url": "http://127.0.0.1:9/identity/v3",
                                  "username": "admin", "password": "hunter2-secret",
                                  "project_name": "admin", "user_domain_name": "Default",
                                  "project_domain_name": "Default"},
                            region_name="RegionOne", timeout_s=2)
    journal = InMemoryJournal()
    log = EventLog()
    slept: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        slept.append(seconds)

    async def scenario() -> RecoveryReport:
        config = EvacuationConfig(retry=RetryPolicy(attempts=4, initial_delay_s=1,
                                                    max_delay_s=3))
        async with EvacuationEngine(SdkNova(creds), journal, config, events=log,
                                    sleep=fake_sleep) as engine:
            return await engine.recover(FenceEvent("host1", time.time()))

    report = asyncio.run(scenario())
    assert slept == [1, 2, 3]  # exponential backoff, capped
    assert report.host.phase is HostPhase.FENCED and report.instances == ()
    assert "nova is unreachable" in (report.host.error or "")
    entries = asyncio.run(journal.list(""))
    assert [e.key for e in entries] == ["hosts/host1"]
    retries = log.of_kind("nova.retry")
    assert [e.data["delay_s"] for e in retries] == [1, 2, 3]
    text = json.dumps([e.to_json() for e in log.events]) + repr(creds) + str(report.to_json())
    assert "hunter2-secret" not in text

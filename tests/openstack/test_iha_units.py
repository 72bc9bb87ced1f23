"""Fast tests without Nova: configuration, selection, journals, and engine logic over a
scripted NovaClient (the end-to-end behaviour is tested against real Nova elsewhere)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import Mapping
from pathlib import Path

import pytest

from buttress.openstack import (
    ConfigError,
    EvacuationConfig,
    EvacuationEngine,
    EvacuationPolicy,
    EventLog,
    FenceEvent,
    FileJournal,
    HostPhase,
    InMemoryJournal,
    InstancePhase,
    InstanceRecord,
    JournalConflict,
    Migration,
    NovaCredentials,
    NovaRefused,
    NovaUnavailable,
    RecoveryInProgress,
    RecoveryMethod,
    RetryPolicy,
    Selection,
    Server,
)
from buttress.openstack.engine import instance_prefix
from buttress.openstack.nova import ComputeService
from buttress.openstack.selection import choose


def test_params_parse_and_reject_unknown_keys() -> None:
    cfg = EvacuationConfig.from_params({"evacuate": "ha_enabled", "max_parallel": "8",
                                        "recovery_method": "rh_priority",
                                        "reserved_hosts": "spare1, spare2",
                                        "max_failed_hosts": "none"})
    assert cfg.policy.selection is Selection.HA_ENABLED and cfg.max_parallel == 8
    assert cfg.targets() == ("spare1", "spare2", None) and cfg.max_failed_hosts is None
    with pytest.raises(ConfigError, match="unknown instance-ha parameter"):
        EvacuationConfig.from_params({"evacuat": "all"})
    with pytest.raises(ConfigError, match="needs reserved_hosts"):
        EvacuationConfig(recovery_method=RecoveryMethod.RESERVED_HOST)
    assert RetryPolicy(initial_delay_s=1, max_delay_s=5).delay_after(4) == 5


def test_selection_policies() -> None:
    tagged = Server("a", "a", "ACTIVE", "h", flavor_extra_specs={"evacuable": "True"})
    by_image = Server("b", "b", "SHUTOFF", "h", image_id="img")
    plain = Server("c", "c", "ACTIVE", "h", image_id="other")
    ha = Server("d", "d", "ERROR", "h", metadata={"HA_Enabled": "yes"})
    servers = [tagged, by_image, plain, ha]
    images = {"img": {"evacuable": "true"}, "other": {}}
    pick = choose(servers, EvacuationPolicy(selection=Selection.TAGGED), images)
    assert [s.id for s in pick.selected] == ["a", "b"] and set(pick.skipped) == {"c", "d"}
    pick = choose(servers, EvacuationPolicy(selection=Selection.HA_ENABLED))
    assert [s.id for s in pick.selected] == ["d"]
    pick = choose(servers, EvacuationPolicy(ignore_error_instances=True))
    assert [s.id for s in pick.selected] == ["a", "b", "c"] and "ERROR" in pick.skipped["d"]


def test_credentials_never_show_secrets() -> None:
    creds = NovaCredentials(auth={"auth_url": "http://k", "username": "u",
                                  "password": "pw-123456", "application_credential_secret":
                                  "acs-987654"})
    shown = repr(creds) + str(creds) + str(creds.describe())
    assert "pw-123456" not in shown and "acs-987654" not in shown and "http://k" in shown


@pytest.mark.parametrize("kind", ["memory", "file", "store"])
def test_journal_compare_and_swap(kind: str, tmp_path: Path) -> None:
    if kind == "memory":
        journal = InMemoryJournal()
    elif kind == "file":
        journal = FileJournal(tmp_path / "j")
    else:
        memory = pytest.importorskip("buttress.store.memory")
        from buttress.openstack.store_journal import StoreJournal

        journal = StoreJournal(memory.MemoryStore())

    async def scenario() -> None:
        assert await journal.get("hosts/a") is None
        v1 = await journal.put("hosts/a", {"n": 1}, 0)
        with pytest.raises(JournalConflict):
            await journal.put("hosts/a", {"n": 2}, 0)
        v2 = await journal.put("hosts/a", {"n": 2}, v1)
        assert v2 != v1
        with pytest.raises(JournalConflict):
            await journal.put("hosts/a", {"n": 3}, v1)
        await journal.put("hosts/b/x", {"n": 9}, 0)
        await journal.put("other", {"n": 0}, 0)
        entry = await journal.get("hosts/a")
        assert entry is not None and entry.value == {"n": 2} and entry.version == v2
        assert [e.key for e in await journal.list("hosts/")] == ["hosts/a", "hosts/b/x"]

    asyncio.run(scenario())


class ScriptedNova:
    """A NovaClient whose compute cloud is a few dicts; evacuation lands at once."""

    def __init__(self, servers: list[Server], refuse: Mapping[str, str] | None = None,
                 unavailable_calls: int = 0):
        self.servers = {s.id: s for s in servers}
        self.migrations: list[Migration] = []
        self.refuse = dict(refuse or {})
        self.unavailable_calls = unavailable_calls
        self.calls: list[str] = []
        self.service = ComputeService("svc1", "host1", "enabled", "down", False)

    def _tick(self, name: str) -> None:
        self.calls.append(name)
        if self.unavailable_calls > 0:
            self.unavailable_calls -= 1
            raise NovaUnavailable(f"{name}: nova is unreachable")

    def compute_service(self, host: str) -> ComputeService:
        self._tick("compute_service")
        return dataclasses.replace(self.service, host=host)

    def set_forced_down(self, service_id: str, forced_down: bool) -> None:
        self._tick(f"forced_down={forced_down}")
        self.service = dataclasses.replace(self.service, forced_down=forced_down)

    def set_enabled(self, service_id: str, enabled: bool, reason: str | None = None) -> None:
        self._tick(f"enabled={enabled}")
        self.service = dataclasses.replace(self.service, disabled_reason=reason,
                                           status="enabled" if enabled else "disabled")

    def servers_on_host(self, host: str) -> list[Server]:
        self._tick("servers_on_host")
        return [s for s in self.servers.values() if s.host == host]

    def server(self, server_id: str) -> Server:
        self._tick("server")
        return self.servers[server_id]

    def servers_changed_since(self, since: str) -> list[Server]:
        self._tick("servers_changed_since")
        return list(self.servers.values())

    def image_properties(self, image_id: str) -> Mapping[str, str]:
        return {}

    def evacuate(self, server_id: str, host: str | None = None, running: bool = False
                 ) -> None:
        self._tick(f"evacuate {server_id}")
        if server_id in self.refuse:
            raise NovaRefused(self.refuse[server_id], 409)
        server = self.servers[server_id]
        self.migrations.append(Migration(f"m{len(self.migrations)}", server_id, "evacuation",
                                         "done", server.host, "host2"))
        status = "ACTIVE" if running and server.status == "ACTIVE" else "SHUTOFF"
        self.servers[server_id] = dataclasses.replace(server, host=host or "host2",
                                                      status=status)

    def start(self, server_id: str) -> None:
        self._tick(f"start {server_id}")
        self.servers[server_id] = dataclasses.replace(self.servers[server_id], status="ACTIVE")

    def stop(self, server_id: str) -> None:
        self.servers[server_id] = dataclasses.replace(self.servers[server_id],
                                                      status="SHUTOFF")

    def evacuations_from(self, host: str) -> list[Migration]:
        self._tick("evacuations_from")
        return [m for m in self.migrations if m.source_host == host]


def _servers() -> list[Server]:
    return [Server("i1", "one", "ACTIVE", "host1", updated="2026-01-01T00:00:00Z"),
            Server("i2", "two", "SHUTOFF", "host1", updated="2026-01-01T00:00:00Z"),
            Server("i3", "three", "ACTIVE", "host1", updated="2026-01-01T00:00:00Z")]


def _engine(nova: ScriptedNova, journal: InMemoryJournal, log: EventLog,
            **config: object) -> EvacuationEngine:
    async def no_sleep(seconds: float) -> None:
        await asyncio.sleep(0)

    cfg = EvacuationConfig(poll_interval_s=0.01, **config)  # type: ignore[arg-type]
    return EvacuationEngine(nova, journal, cfg, events=log, sleep=no_sleep)


@pytest.mark.parametrize("keep_running", [True, False])
def test_engine_order_power_states_and_refusal(keep_running: bool) -> None:
    nova = ScriptedNova(_servers(), refuse={"i3": "Cannot 'evacuate' instance i3 while "
                                            "it is in vm_state paused"})
    log = EventLog()

    async def scenario() -> None:
        async with _engine(nova, InMemoryJournal(), log, keep_running=keep_running) as engine:
            report = await engine.recover(FenceEvent("host1", 100.0))
            assert report.complete and report.host.phase is HostPhase.DONE
            phases = {i.id: (i.phase, i.final_status, i.error) for i in report.instances}
            assert phases["i1"][:2] == (InstancePhase.RECOVERED, "ACTIVE")
            assert phases["i2"][:2] == (InstancePhase.RECOVERED, "SHUTOFF")
            assert phases["i3"][0] is InstancePhase.FAILED and "paused" in phases["i3"][2]

    asyncio.run(scenario())
    assert nova.calls[:3] == ["compute_service", "forced_down=True", "enabled=False"]
    # kept running: Nova rebuilt i1 running (2.94); else it landed SHUTOFF and was started
    assert ("start i1" in nova.calls) is not keep_running and "start i2" not in nova.calls
    assert nova.calls.count("evacuate i3") == 1  # a refusal is not retried blindly


def test_resume_does_not_resend_an_accepted_evacuation() -> None:
    """A controller died after its evacuate request reached Nova but before recording the
    outcome: the journal says REQUESTED, Nova has the migration -> no second request."""
    nova = ScriptedNova(_servers()[:2])
    journal = InMemoryJournal()
    log = EventLog()

    async def scenario() -> None:
        async with _engine(nova, journal, log) as engine:
            await engine.recover(FenceEvent("host1", 100.0))
        # Rewind the journal as the dead controller left it: i1 requested, host evacuating.
        prefix = instance_prefix("host1", "host1@100.000")
        entry = await journal.get(prefix + "i1")
        assert entry is not None
        rec = InstanceRecord.from_json(entry.value)
        await journal.put(prefix + "i1", dataclasses.replace(
            rec, phase=InstancePhase.REQUESTED, finished_at=None).to_json(), entry.version)
        host = await journal.get("hosts/host1")
        assert host is not None
        await journal.put("hosts/host1", {**host.value, "phase": "evacuating"}, host.version)
        # ...and a second instance whose request never left (no migration for it).
        entry2 = await journal.get(prefix + "i2")
        assert entry2 is not None
        nova.migrations = [m for m in nova.migrations if m.instance_id != "i2"]
        nova.servers["i2"] = dataclasses.replace(nova.servers["i2"], host="host1")
        rec2 = InstanceRecord.from_json(entry2.value)
        await journal.put(prefix + "i2", dataclasses.replace(
            rec2, phase=InstancePhase.REQUESTED, finished_at=None).to_json(), entry2.version)
        nova.calls.clear()
        async with _engine(nova, journal, log) as engine:
            reports = await engine.resume()
        assert reports[0].complete
        assert [i.phase for i in reports[0].instances] == [InstancePhase.RECOVERED] * 2

    asyncio.run(scenario())
    assert "evacuate i1" not in nova.calls and nova.calls.count("evacuate i2") == 1
    assert len([e for e in log.of_kind("instance.resumed") if "already" in e.message]) == 1


def test_transient_unavailability_is_retried_then_succeeds() -> None:
    nova = ScriptedNova(_servers()[:1], unavailable_calls=2)
    log = EventLog()

    async def scenario() -> None:
        async with _engine(nova, InMemoryJournal(), log) as engine:
            report = await engine.recover(FenceEvent("host1", 1.0))
            assert report.complete and report.recovered()[0].final_status == "ACTIVE"

    asyncio.run(scenario())
    assert len(log.of_kind("nova.retry")) == 2 and not log.of_kind("host.stalled")


def test_restore_refused_while_evacuating() -> None:
    nova = ScriptedNova(_servers()[:1], unavailable_calls=100)
    log = EventLog()
    journal = InMemoryJournal()

    async def scenario() -> None:
        async with _engine(nova, journal, log, retry=RetryPolicy(attempts=2)) as engine:
            report = await engine.recover(FenceEvent("host1", 1.0))
            assert report.host.phase is HostPhase.FENCED and not report.complete
            with pytest.raises(RecoveryInProgress):
                await engine.restore("host1")
            nova.unavailable_calls = 0
            assert (await engine.recover(FenceEvent("host1", 1.0))).complete
            record = await engine.restore("host1")
            assert record is not None and record.phase is HostPhase.RESTORED

    asyncio.run(scenario())
    assert nova.service.status == "enabled" and not nova.service.forced_down

"""Host targeting and topology levels, run with the real /usr/sbin/fence_dummy.

fence_dummy (type=file) records the last power action it performed in its status file,
so each device's file shows whether it was really asked to act.
"""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path

import pytest

from buttress.fencing import (
    FenceDevice,
    FenceLevel,
    Fencer,
    SelfFenceGuard,
    SelfFencePolicy,
    parse_host_list,
    parse_host_map,
    run_fence_agent,
)

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/fence_dummy").exists(),
                                reason="fence-agents provides fence_dummy")


def _dummy(tmp_path: Path, name: str, **options: str) -> FenceDevice:
    """A fence_dummy whose node is powered on; "ON" (upper case) until the agent acts."""
    (tmp_path / name).write_text("ON")
    return FenceDevice.from_params(name, "fence_dummy",
                                   {"type": "file", "status_file": str(tmp_path / name),
                                    **options})


def _slow(tmp_path: Path, name: str, **options: str) -> FenceDevice:
    """A fence_dummy that sleeps 1-5 s, run with a 0.5 s timeout: it always fails."""
    return _dummy(tmp_path, name, random_sleep_range="5", pcmk_off_timeout="500ms",
                  pcmk_off_retries="1", pcmk_reboot_timeout="500ms", pcmk_reboot_retries="1",
                  **options)


def _state(tmp_path: Path, name: str) -> str | None:
    path = tmp_path / name
    return path.read_text() if path.exists() else None


def test_host_map_and_list_parsing() -> None:
    assert parse_host_map("node1:1;node2:2,node3=3 node4:a\\;b\tbad") == {
        "node1": "1", "node2": "2", "node3": "3", "node4": "a;b"}
    assert parse_host_list("n1, n2;n3  n4") == ("n1", "n2", "n3", "n4")
    device = FenceDevice.from_params("d", "fence_x", {
        "pcmk_host_map": "node1:plug-a;node2:plug-b", "pcmk_reboot_action": "off",
        "pcmk_reboot_timeout": "90s", "pcmk_delay_base": "2s", "ip": "10.0.0.1"})
    assert device.host_check() == "static-list"
    assert device.statically_matches("node2") and not device.statically_matches("node3")
    assert device.port_for("node1") == "plug-a" and device.port_for("zz") == "zz"
    assert device.agent_action("reboot") == "off" and device.agent_action("on") == "on"
    assert device.timeout_s("reboot") == 90 and device.timeout_s("off") == 60
    assert device.delay_base_s == 2 and device.retries("off") == 2
    assert dict(device.params) == {"ip": "10.0.0.1"}
    assert FenceDevice.from_params("e", "fence_x", {}).host_check(False, False) == "none"
    with pytest.raises(ValueError):
        FenceDevice.from_params("f", "fence_x", {"pcmk_host_check": "maybe"})


def test_secrets_never_in_repr() -> None:
    device = FenceDevice.from_params("d", "fence_x", {
        "passwd": "aaa-111", "password": "bbb-222", "snmp_priv_passwd": "ccc-333",
        "community": "ddd-444", "login": "root"})
    for text in (repr(device), str(device), f"{device}"):
        for secret in ("aaa-111", "bbb-222", "ccc-333", "ddd-444"):
            assert secret not in text
        assert "login=root" in text
    assert set(device.secret_values) == {"aaa-111", "bbb-222", "ccc-333", "ddd-444"}


def test_level_one_succeeds_with_all_devices(tmp_path: Path) -> None:
    devices = [_dummy(tmp_path, "psu-a"), _dummy(tmp_path, "psu-b"), _dummy(tmp_path, "ipmi")]
    fencer = Fencer(devices, [FenceLevel(2, ("ipmi",), target="node1"),
                              FenceLevel(1, ("psu-a", "psu-b"), target="node1")])
    result = asyncio.run(fencer.fence("node1", "reboot"))
    assert result.ok and result.level == 1 and result.devices == ("psu-a", "psu-b")
    # a multi-device reboot is off on every device, then on on every device
    assert [(a.result.device_id, a.result.action) for a in result.attempts] == [
        ("psu-a", "off"), ("psu-b", "off"), ("psu-a", "on"), ("psu-b", "on")]
    assert _state(tmp_path, "psu-a") == "on" and _state(tmp_path, "psu-b") == "on"
    assert _state(tmp_path, "ipmi") == "ON"  # level 2 never ran


def test_failed_level_falls_through_to_the_next(tmp_path: Path) -> None:
    devices = [_dummy(tmp_path, "psu-a"), _slow(tmp_path, "psu-b", pcmk_host_list="node7"),
               _dummy(tmp_path, "ipmi")]
    fencer = Fencer(devices, [FenceLevel(1, ("psu-a", "psu-b"), target_pattern="node[0-9]+"),
                              FenceLevel(2, ("ipmi",), target_pattern="node[0-9]+")])
    began = time.monotonic()
    result = asyncio.run(fencer.fence("node7", "off"))
    assert time.monotonic() - began < 15
    assert result.ok and result.level == 2 and result.devices == ("ipmi",)
    assert [(a.level, a.result.device_id, a.result.ok) for a in result.attempts] == [
        (1, "psu-a", True), (1, "psu-b", False), (2, "ipmi", True)]
    assert result.attempts[1].result.timed_out
    assert _state(tmp_path, "psu-a") == "off" and _state(tmp_path, "ipmi") == "off"


def test_all_levels_failing_and_unusable_levels(tmp_path: Path) -> None:
    devices = [_slow(tmp_path, "slow", pcmk_host_list="node1"),
               _dummy(tmp_path, "other", pcmk_host_list="node5"),
               FenceDevice.from_params("ghost", "fence_not_installed", {})]
    fencer = Fencer(devices, [
        FenceLevel(1, ("nope",), target_attribute=("rack", "r1")),
        FenceLevel(2, ("other",), target_attribute=("rack", "r1")),
        FenceLevel(3, ("ghost",), target_attribute=("rack", "r1")),
        FenceLevel(4, ("slow",), target_attribute=("rack", "r1"))])
    result = asyncio.run(fencer.fence("node1", "off", attributes={"rack": "r1"}))
    assert not result.ok
    assert "level 1: unknown device nope" in result.reason
    assert "level 2: other cannot fence node1" in result.reason
    assert "fence_not_installed not installed" in result.reason
    assert "slow: off timed out after 0.5s" in result.reason
    # without the attribute no level applies: capable devices are used instead
    assert not asyncio.run(fencer.fence("node1", "off")).ok


def test_without_levels_capable_devices_in_priority_order(tmp_path: Path) -> None:
    (tmp_path / "low").write_text("ON")
    low = FenceDevice.from_params("low", "fence_dummy", {
        "type": "file", "status_file": str(tmp_path / "low"), "pcmk_host_list": "node1 node2"})
    high = FenceDevice.from_params("high", "fence_dummy", {
        "type": "file", "status_file": str(tmp_path / "high"), "pcmk_off_timeout": "500ms",
        "pcmk_off_retries": "1", "random_sleep_range": "5",
        "pcmk_host_map": "node1:1"}, priority=10)
    elsewhere = _dummy(tmp_path, "elsewhere", pcmk_host_list="node3")
    fencer = Fencer([low, high, elsewhere])
    assert [d.id for d in asyncio.run(fencer.capable_devices("node1"))] == ["high", "low"]
    result = asyncio.run(fencer.fence("node1", "off"))
    assert result.ok and result.devices == ("low",)
    assert _state(tmp_path, "low") == "off"
    assert [a.result.device_id for a in result.attempts] == ["high", "low"]
    assert _state(tmp_path, "elsewhere") == "ON"


def test_status_host_check_asks_the_agent(tmp_path: Path) -> None:
    """fence_dummy has no "list" action: without a host list the check is "status"."""
    device = _dummy(tmp_path, "any")
    fencer = Fencer([device])
    assert asyncio.run(fencer.can_fence(device, "whatever"))
    broken = FenceDevice.from_params("b", "fence_not_installed", {"pcmk_host_check": "status"})
    assert not asyncio.run(Fencer([broken]).can_fence(broken, "whatever"))


LISTER = """#!/bin/sh
# A minimal fence agent with a "list" action (fence_dummy has none).
while IFS='=' read -r key value; do
  [ "$key" = action ] && action="$value"
  [ "$key" = port ] && port="$value"
done
case "$action" in
list) printf 'node-a,alias-a\\nplug-7,\\n'; exit 0 ;;
off|reboot|on) echo "$action $port" >> "$(dirname "$0")/calls"; exit 0 ;;
metadata) printf '<resource-agent name="fence_lister"><parameters/><actions>'
          printf '<action name="list"/><action name="off"/></actions></resource-agent>\\n';;
*) exit 1 ;;
esac
"""


def test_dynamic_list_and_port_mapping(tmp_path: Path) -> None:
    agent_dir = tmp_path / "agents"
    agent_dir.mkdir()
    (agent_dir / "fence_lister").write_text(LISTER)
    (agent_dir / "fence_lister").chmod(0o755)
    plain = FenceDevice.from_params("lister", "fence_lister", {})
    mapped = FenceDevice.from_params("mapped", "fence_lister", {
        "pcmk_host_check": "dynamic-list", "pcmk_host_map": "node-b:plug-7"})
    fencer = Fencer([plain, mapped], agent_dir=agent_dir)
    assert plain.host_check() == "dynamic-list"
    assert asyncio.run(fencer.can_fence(plain, "node-a"))
    assert not asyncio.run(fencer.can_fence(plain, "node-b"))
    assert asyncio.run(fencer.can_fence(mapped, "node-b"))
    result = asyncio.run(fencer.fence("node-b", "off"))
    assert result.ok and result.devices == ("mapped",)
    assert (agent_dir / "calls").read_text() == "off plug-7\n"


def test_agent_output_is_scrubbed_and_logs_hold_no_secret(
        tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    agent_dir = tmp_path / "agents"
    agent_dir.mkdir()
    (agent_dir / "fence_echo").write_text("#!/bin/sh\ncat\necho 'oops' >&2\nexit 1\n")
    (agent_dir / "fence_echo").chmod(0o755)
    device = FenceDevice.from_params("echo", "fence_echo", {
        "passwd": "S3cr3t-A", "login": "root", "pcmk_off_retries": "1"})
    result = asyncio.run(Fencer([device], agent_dir=agent_dir).fence("n1", "off"))
    attempt = result.attempts[0].result
    assert not result.ok and attempt.reason == "oops"
    assert "passwd=******" in attempt.output_tail and "login=root" in attempt.output_tail
    assert "S3cr3t-A" not in attempt.output_tail + repr(result) + caplog.text
    newline = FenceDevice.from_params("nl", "fence_echo", {"passwd": "a\nb"})
    bad = asyncio.run(run_fence_agent(newline, "off", "n1", agent_dir=agent_dir))
    assert bad.rc == 1 and "a\nb" not in (bad.reason or "")


def test_self_fence_timing_and_hook() -> None:
    policy = SelfFencePolicy(lease_ttl_s=10, stop_budget_s=4, safety_margin_s=1,
                             watchdog_timeout_s=6)
    assert policy.stop_at(100) == 105 and policy.stopped_by(100) == 109
    assert policy.peer_may_recover_after(100) == 116
    with pytest.raises(ValueError):
        SelfFencePolicy(lease_ttl_s=5, stop_budget_s=4, safety_margin_s=1)
    stops: list[str] = []

    async def stop_all() -> None:
        stops.append("stop")

    async def scenario() -> list[bool]:
        guard = SelfFenceGuard(policy, stop_all, now=100)
        fired = [await guard.check(104.9), await guard.check(105), await guard.check(106)]
        guard.renewed(107)
        fired += [await guard.check(111.9), await guard.check(112)]
        return fired

    assert asyncio.run(scenario()) == [False, True, False, False, True]
    assert stops == ["stop", "stop"]

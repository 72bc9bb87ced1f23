"""Bad input and failing parts: a missing agent, failing fence levels, no etcd at start."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
from daemon_helpers import SandboxFactory, active_on, assert_safe, cib, dummy, nv

from buttress.cli.main import main as buttress_main
from buttress.daemon.eventlog import check_invariant

BROKEN = ('<primitive id="broken" class="ocf" provider="pacemaker" type="NoSuchAgent">'
          '<operations><op id="broken-mon" name="monitor" interval="5s"/></operations>'
          '</primitive>')


@pytest.mark.slow
def test_missing_agent_fails_visibly_and_blocks_only_its_dependents(
        sandbox_factory: SandboxFactory, capsys: pytest.CaptureFixture[str]) -> None:
    order = '<rsc_order id="broken-first" first="broken" then="dependent" kind="Mandatory"/>'
    sb = sandbox_factory(cib(BROKEN + dummy("dependent") + dummy("independent"), order))
    snap = sb.wait_stable(90)
    assert active_on(snap, "broken") == [] and active_on(snap, "dependent") == []
    assert len(active_on(snap, "independent")) == 1
    failures = [f for f in sb.summary()["failures"] if f["resource"] == "broken"]
    assert failures and all(f["rc"] == 5 for f in failures)
    assert "ocf:pacemaker:NoSuchAgent not installed" in failures[0]["reason"]

    assert buttress_main(["sandbox", "status", "--dir", str(sb.dir), "--output", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["nodes"] == {n: "online" for n in sb.nodes}
    assert "independent" in data["resources"] and "broken" not in data["resources"]
    assert buttress_main(["sandbox", "status", "--dir", str(sb.dir)]) == 0
    text = capsys.readouterr().out
    assert "independent" in text and "n1" in text
    for shown in (text, json.dumps(data), sb.cib(redact=True).decode()):
        assert sb.password not in shown
    assert_safe(sb)


def _levels(first_device: str, second_device: str) -> str:
    return ('<fencing-topology>'
            f'<fencing-level id="l1" target="n1" index="1" devices="{first_device}"/>'
            f'<fencing-level id="l2" target="n1" index="2" devices="{second_device}"/>'
            '</fencing-topology>')


def _ipmi(dev: str, port: str, password: str = "@BMC_PASSWORD@") -> str:
    params = {"ip": "127.0.0.1", "ipport": port, "username": "admin", "password": password,
              "lanplus": "1", "power_wait": "0", "login_timeout": "1", "retry_on": "1",
              "pcmk_host_list": "n1", "pcmk_reboot_retries": "1",
              "pcmk_reboot_timeout": "6s", "pcmk_monitor_timeout": "3s",
              "pcmk_monitor_retries": "1"}
    pairs = "".join(nv(dev, k, v) for k, v in params.items())
    return (f'<primitive id="{dev}" class="stonith" type="fence_ipmilan">'
            f'<instance_attributes id="{dev}-params">{pairs}</instance_attributes></primitive>')


def _closed_udp_port() -> str:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return str(sock.getsockname()[1])


def _pinned_web(devices: str, topology: str) -> bytes:
    constraints = ('<rsc_location id="web-likes-n1" rsc="web" node="n1" score="100"/>'
                   + "".join(f'<rsc_location id="{d}-avoids" rsc="{d}" node="n1" '
                             'score="-INFINITY"/>' for d in ("bad", "good", "dead")))
    return cib(devices + dummy("web"), constraints, topology)


@pytest.mark.slow
def test_failed_fence_level_falls_through_to_the_next(sandbox_factory: SandboxFactory) -> None:
    devices = _ipmi("bad", "@BMC_PORT:n1@", password="Wrong-Password-1") + \
        _ipmi("good", "@BMC_PORT:n1@")
    sb = sandbox_factory(_pinned_web(devices, _levels("bad", "good")))
    assert active_on(sb.snapshot(), "web") == ["n1"]
    sb.kill("n1")
    snap = sb.wait_for(lambda s: s.fencing.get("n1", {}).get("ok") is True
                       and len(active_on(s, "web")) == 1 and "n1" not in active_on(s, "web"),
                       60, "n1 fenced through level 2")
    assert snap.fencing["n1"]["level"] == 2
    assert snap.fencing["n1"]["reason"] == "fenced by good (level 2)"
    assert "Wrong-Password-1" not in json.dumps(snap.fencing)
    assert_safe(sb)


@pytest.mark.slow
def test_node_stays_unclean_when_every_fence_level_fails(
        sandbox_factory: SandboxFactory) -> None:
    devices = _ipmi("bad", "@BMC_PORT:n1@", password="Wrong-Password-1") + \
        _ipmi("dead", _closed_udp_port())
    sb = sandbox_factory(_pinned_web(devices, _levels("bad", "dead")))
    sb.kill("n1")
    snap = sb.wait_for(lambda s: s.fencing.get("n1", {}).get("ok") is False, 60,
                       "a failed fencing attempt")
    assert snap.fencing["n1"]["reason"].startswith("all fencing options failed")
    # for a while: n1 stays unclean, web is never started anywhere else
    until = time.monotonic() + 8
    while time.monotonic() < until:
        snap = sb.snapshot()
        assert "n1" not in snap.members
        assert active_on(snap, "web") == ["n1"]  # still held by the unclean node
        time.sleep(0.5)
    assert sb.summary()["nodes"]["n1"] == "UNCLEAN (lost)"
    assert "fencing of n1 failed" in str(snap.controller_status.get("sentence"))
    assert not [e for e in sb.events() if e["kind"] == "start" and e["rsc"] == "web"
                and e["node"] != "n1"]
    assert_safe(sb)


def test_agent_exits_with_one_line_when_etcd_is_unreachable() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = subprocess.run(
        [sys.executable, "-m", "buttress.cli.main", "agent", "--node", "n1", "--store",
         f"127.0.0.1:{port}", "--lease-ttl", "2", "--state-dir", "/nonexistent/never"],
        capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert lines == [f"buttress: error: etcd at 127.0.0.1:{port} is unreachable: "
                     "no answer within 1s (cannot connect)"], done.stderr


def test_invariant_checker_catches_a_double_start_and_accepts_a_fence() -> None:
    unsafe = [{"ts": 1, "kind": "start", "node": "n1", "rsc": "web"},
              {"ts": 2, "kind": "start", "node": "n2", "rsc": "web"}]
    found = check_invariant(unsafe, ["web"])
    assert [(v.rsc, v.node, v.others) for v in found] == [("web", "n2", ("n1",))]
    fenced = [*unsafe[:1], {"ts": 1.5, "kind": "fence", "node": "n1", "ok": True}, unsafe[1]]
    assert check_invariant(fenced, ["web"]) == []
    failed_stop = [*unsafe[:1], {"ts": 1.5, "kind": "stop", "node": "n1", "rsc": "web",
                                 "rc": 1}, unsafe[1]]
    assert len(check_invariant(failed_stop, ["web"])) == 1
    promoted = [{"ts": 1, "kind": "promote", "node": "n1", "rsc": "db"},
                {"ts": 2, "kind": "promote", "node": "n2", "rsc": "db"}]
    assert len(check_invariant(promoted, [], ["db"])) == 1
    assert check_invariant(unsafe, []) == []  # clones may run everywhere

"""Machine and service failures on a real sandbox: fencing through fence_ipmilan, recovery."""

from __future__ import annotations

import time

import pytest
from daemon_helpers import (
    SandboxFactory,
    active_on,
    assert_safe,
    cib,
    dummy,
    first,
    nv,
    runs_once,
)

pytestmark = pytest.mark.slow


def test_killed_node_is_fenced_and_its_services_run_elsewhere(
        sandbox_factory: SandboxFactory) -> None:
    sb = sandbox_factory(cib(dummy("web") + dummy("api")))
    victim = active_on(sb.snapshot(), "web")[0]
    killed_at = time.time()
    sb.kill(victim)

    snap = sb.wait_for(lambda s: s.fencing.get(victim, {}).get("ok") is True
                       and runs_once("web", avoid=victim)(s), 90,
                       f"{victim} fenced and web running elsewhere")
    assert snap.fencing[victim]["reason"] == f"fenced by fence-{victim}"
    assert "password" not in str(snap.fencing[victim])
    # the power cycle restarted the node's agent: it rejoins with nothing running
    sb.wait_for(lambda s: all(n in s.members for n in sb.nodes), 90, f"{victim} to rejoin")
    snap = sb.wait_stable(90)
    assert len(active_on(snap, "web")) == 1 and len(active_on(snap, "api")) == 1
    events = sb.events()
    fence = first(events, kind="fence", node=victim)
    restart = [e for e in events if e["kind"] == "start" and e["rsc"] == "web"
               and e["node"] != victim]
    assert restart and float(restart[0]["ts"]) > float(fence["ts"]) > killed_at
    assert victim not in active_on(snap, "web") + active_on(snap, "api")
    sentences = [str(snap.controller_status.get("sentence"))]
    assert sentences[0].startswith("no change needed: 3 of 3 nodes online")
    assert_safe(sb)


def test_monitor_failure_restarts_in_place_then_migration_threshold_moves(
        sandbox_factory: SandboxFactory) -> None:
    sb = sandbox_factory(cib(dummy("web", meta=nv("web", "migration-threshold", "2"))))
    home = active_on(sb.snapshot(), "web")[0]
    state = sb.node_dir(home) / "run" / "varrun" / "Dummy-web.state"
    assert state.exists()

    state.unlink()  # the service dies behind the cluster's back
    snap = sb.wait_for(lambda s: s.attributes.get(home, {}).get(
        "fail-count-web#monitor_1000") == "1" and active_on(s, "web") == [home]
        and state.exists() and not s.queued, 90, "web restarted in place")
    starts = [e for e in sb.events() if e["kind"] == "start" and e["rsc"] == "web"]
    assert [e["node"] for e in starts] == [home, home]

    state.unlink()  # second failure reaches migration-threshold=2: web must move
    snap = sb.wait_for(runs_once("web", avoid=home), 90, "web moved away")
    assert snap.attributes[home]["fail-count-web#monitor_1000"] == "2"
    assert not state.exists()
    assert_safe(sb)


@pytest.mark.parametrize("home_is_leader", [True, False], ids=["on-leader", "elsewhere"])
def test_failed_stop_fences_the_node_before_recovery(sandbox_factory: SandboxFactory,
                                                     home_is_leader: bool) -> None:
    fault = ('<primitive id="fragile" class="python" type="fault">'
             '<instance_attributes id="fragile-params">' + nv("fragile", "fail_stop", "true")
             + '</instance_attributes><operations><op id="fragile-mon" name="monitor" '
             'interval="1s" timeout="5s"/></operations></primitive>')
    # a longer lease than the other tests: on a loaded machine a 2 s lease can expire on
    # its own, and this test is about fencing because of the failed stop, not a lost node
    sb = sandbox_factory(cib(""), lease_ttl=5)
    snap = sb.wait_for(lambda s: bool(s.leader), 30, "a leader")
    leader = (snap.leader or "").split(":", 1)[0]
    assert leader in sb.nodes
    # on the leader's node, the leader must hand the fencing of its own node to another
    home = leader if home_is_leader else next(n for n in sb.nodes if n != leader)
    prefer = f'<rsc_location id="prefer" rsc="fragile" node="{home}" score="100"/>'
    sb.load_config(cib(fault, constraints=prefer))
    sb.wait_for(lambda s: active_on(s, "fragile") == [home], 60, f"fragile on {home}")
    # ban it from its node: the stop there fails, and only fencing makes it safe to move
    sb.load_config(cib(fault, constraints=f'<rsc_location id="ban" rsc="fragile" '
                                         f'node="{home}" score="-INFINITY"/>'))
    snap = sb.wait_for(lambda s: s.fencing.get(home, {}).get("ok") is True
                       and runs_once("fragile", avoid=home)(s), 90,
                       f"{home} fenced after the failed stop, fragile elsewhere")
    events = sb.events()
    failed_stop = first(events, kind="stop", node=home, rsc="fragile")
    assert failed_stop["rc"] == 1
    fence = first(events, kind="fence", node=home)
    assert fence["by"] != f"controller:{home}"
    start = [e for e in events if e["kind"] == "start" and e["rsc"] == "fragile"][-1]
    assert float(failed_stop["ts"]) < float(fence["ts"]) < float(start["ts"]), events
    assert snap.fencing[home]["action"] == "reboot"
    assert_safe(sb)

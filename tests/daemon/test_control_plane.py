"""Control-plane faults: a leader killed mid-transition, etcd restarted, a partitioned node."""

from __future__ import annotations

import time
from collections import Counter

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

from buttress.daemon.livecib import Snapshot
from buttress.daemon.view import roles

pytestmark = pytest.mark.slow


def _slow_group(members: int) -> str:
    body = "".join(dummy(f"m{i}", interval="10s", params=nv(f"m{i}", "op_sleep", "1"))
                   for i in range(1, members + 1))
    return f'<group id="stack">{body}</group>'


def test_new_leader_finishes_the_transition_without_repeating_actions(
        sandbox_factory: SandboxFactory) -> None:
    sb = sandbox_factory(cib(dummy("canary")), embedded_controllers=False, controllers=2)
    sb.load_config(cib(dummy("canary") + _slow_group(5)))
    # wait until the group is half started, then kill the leading controller
    deadline = time.monotonic() + 40
    while sum(1 for e in sb.events() if e["kind"] == "start" and
              str(e.get("rsc", "")).startswith("m")) < 2:
        assert time.monotonic() < deadline, "the group never started"
        time.sleep(0.05)
    snap = sb.snapshot()
    leader = (snap.leader or "").split(":", 1)[0]
    assert snap.transition.get("state") == "running"
    killed_transition = snap.transition["number"]
    sb.kill_controller(leader)

    snap = sb.wait_for(lambda s: all(active_on(s, f"m{i}") for i in range(1, 6))
                       and (s.leader or "").split(":", 1)[0] not in ("", leader)
                       and not s.queued, 60, "the new leader to finish the group")
    new_leader = (snap.leader or "").split(":", 1)[0]
    assert new_leader != leader
    assert int(str(snap.transition["number"])) > int(str(killed_transition))
    starts = Counter(e["rsc"] for e in sb.events() if e["kind"] == "start")
    assert all(starts[f"m{i}"] == 1 for i in range(1, 6)), starts  # nothing repeated
    placed = {node for i in range(1, 6) for node in active_on(snap, f"m{i}")}
    assert len(placed) == 1  # a group stays together
    assert_safe(sb)


def test_cluster_recovers_after_an_etcd_restart(sandbox_factory: SandboxFactory) -> None:
    sb = sandbox_factory(cib(dummy("web") + dummy("api")))
    before = sb.snapshot()
    sb.etcd.restart(down_for=0.5)
    time.sleep(sb.lease_ttl)  # agents that lost the store long enough stop everything

    def really_running(snap: Snapshot) -> bool:
        for rsc in ("web", "api"):
            where = active_on(snap, rsc)
            state = sb.node_dir(where[0]) / "run" / "varrun" / f"Dummy-{rsc}.state" \
                if len(where) == 1 else None
            if state is None or not state.exists():
                return False
        return all(n in snap.members for n in sb.nodes) and not snap.queued

    snap = sb.wait_for(really_running, 60, "web and api running again")
    # the controller still acts: a monitor failure after the restart is repaired
    home = active_on(snap, "web")[0]
    state = sb.node_dir(home) / "run" / "varrun" / "Dummy-web.state"
    state.unlink()
    sb.wait_for(lambda s: s.attributes.get(home, {}).get("fail-count-web#monitor_1000")
                and len(active_on(s, "web")) == 1 and state.exists() and not s.queued, 90,
                "web repaired after the etcd restart")
    assert snap.revision > before.revision
    assert_safe(sb)


def test_partitioned_node_stops_its_resources_is_fenced_and_they_run_once(
        sandbox_factory: SandboxFactory) -> None:
    sb = sandbox_factory(cib(dummy("web") + dummy("api")))
    victim = active_on(sb.snapshot(), "web")[0]
    cut_at = time.time()
    sb.partition(victim)
    snap = sb.wait_for(lambda s: s.fencing.get(victim, {}).get("ok") is True
                       and runs_once("web", avoid=victim)(s), 90,
                       f"{victim} fenced and web running elsewhere")
    events = sb.events()
    selfstop = first(events, kind="selfstop", node=victim)
    stopped = first(events, kind="stop", node=victim, rsc="web")
    fence = first(events, kind="fence", node=victim)
    started = next(e for e in events if e["kind"] == "start" and e["rsc"] == "web"
               and e["node"] != victim)
    assert stopped["rc"] == 0
    # the node stopped web itself before its lease (2 s) could expire anywhere
    assert cut_at < float(selfstop["ts"]) <= float(stopped["ts"]) < cut_at + sb.lease_ttl
    assert float(stopped["ts"]) < float(fence["ts"]) < float(started["ts"])
    # fenced and rebooted, but still cut off: it stays out of the cluster
    assert victim not in snap.members
    assert all(len(where) == 1 for where in roles(snap).values())
    sb.partition(victim, cut=False)
    assert_safe(sb)

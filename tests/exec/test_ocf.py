"""Real OCF agents from Debian's resource-agents / pacemaker packages, run unmodified."""

from __future__ import annotations

import dataclasses
import os
import time
from pathlib import Path

from exec_helpers import Node, make_ocf_root

from buttress.exec import ActionRequest, ActionResult, OcfRc
from buttress.exec.ocf import run_ocf

STATEFUL = "ocf:pacemaker:Stateful"


def _run(node: Node, *requests: ActionRequest) -> list[ActionResult]:
    async def body() -> list[ActionResult]:
        return [await node.executor.run(r) for r in requests]

    return node.run(body)


def test_stateful_lifecycle_sets_promotion_score_through_our_crm_attribute(node: Node) -> None:
    def req(action: str, interval_ms: int = 0) -> ActionRequest:
        return ActionRequest.build("db", STATEFUL, action, interval_ms=interval_ms,
                                   meta={"clone-max": "2", "promotable": "true",
                                         "globally-unique": "false"})

    seen: list[tuple[str, int, str | None]] = []
    state_file = node.root / "varrun" / "Stateful-db.state"
    states: list[str | None] = []

    async def body() -> None:
        for action in ("start", "monitor", "promote", "monitor", "demote", "monitor", "stop",
                       "monitor"):
            result = await node.executor.run(req(action, 10000 if action == "monitor" else 0))
            seen.append((action, result.rc,
                         node.backend.values.get(("status", "node1", "master-db"))))
            states.append(state_file.read_text().strip() if state_file.exists() else None)

    node.run(body)
    assert seen == [
        ("start", OcfRc.OK, "5"),
        ("monitor", OcfRc.OK, "5"),
        ("promote", OcfRc.OK, "10"),
        ("monitor", OcfRc.RUNNING_PROMOTED, "10"),
        ("demote", OcfRc.OK, "5"),
        ("monitor", OcfRc.OK, "5"),
        ("stop", OcfRc.OK, None),          # Stateful deletes its score on stop
        ("monitor", OcfRc.NOT_RUNNING, None),
    ]
    # The agent kept its default state file in the node's private HA_VARRUN.
    assert states == ["Unpromoted", "Unpromoted", "Promoted", "Promoted", "Unpromoted",
                      "Unpromoted", None, None]


def test_pacemaker_and_heartbeat_dummy(node: Node) -> None:
    state = node.root / "hb-dummy.state"
    results = _run(
        node,
        ActionRequest.build("d1", "ocf:pacemaker:Dummy", "start"),
        ActionRequest.build("d1", "ocf:pacemaker:Dummy", "monitor"),
        ActionRequest.build("d1", "ocf:pacemaker:Dummy", "stop"),
        ActionRequest.build("d1", "ocf:pacemaker:Dummy", "monitor"),
        ActionRequest.build("d2", "ocf:heartbeat:Dummy", "start", params={"state": str(state)}),
        ActionRequest.build("d2", "ocf:heartbeat:Dummy", "monitor",
                            params={"state": str(state)}),
        ActionRequest.build("d2", "ocf:heartbeat:Dummy", "stop", params={"state": str(state)}),
    )
    assert [r.rc for r in results] == [0, 0, 0, 7, 0, 0, 0]
    assert results[3].meaning == "not running"
    assert not state.exists()
    assert all(r.duration_s > 0 and r.started_at > 1e9 for r in results)


def test_heartbeat_symlink_creates_a_link_and_reports_missing_parameter(node: Node) -> None:
    target = node.root / "target.txt"
    target.write_text("x")
    link = node.root / "link.txt"
    params = {"link": str(link), "target": str(target)}
    results = _run(
        node,
        ActionRequest.build("ln", "ocf:heartbeat:symlink", "start", params=params),
        ActionRequest.build("ln", "ocf:heartbeat:symlink", "monitor", params=params),
        ActionRequest.build("ln2", "ocf:heartbeat:symlink", "start", params={}),
    )
    assert [r.rc for r in results[:2]] == [0, 0]
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert results[2].rc == OcfRc.ERR_CONFIGURED
    assert results[2].exit_reason == "Mandatory parameter link is unset"
    assert "not configured" in results[2].describe()


def test_agent_rejecting_parameters_gives_rc2_with_its_reason(node: Node) -> None:
    [result] = _run(node, ActionRequest.build("dl", "ocf:heartbeat:Delay", "start",
                                              params={"startdelay": "soon"}))
    assert result.rc == OcfRc.ERR_ARGS
    assert result.meaning == "invalid parameter"
    assert result.exit_reason == "Some of the instance parameters are invalid"


def test_missing_agent_is_rc5_not_an_exception(node: Node) -> None:
    results = _run(
        node,
        ActionRequest.build("m", "ocf:heartbeat:NoSuchAgent", "start"),
        ActionRequest.build("m", "ocf:nosuchprovider:Dummy", "start"),
        ActionRequest.build("m", "ocf:..:Dummy", "start"),
    )
    assert [r.rc for r in results] == [5, 5, 5]
    assert "not installed" in (results[0].exit_reason or "")
    assert "NoSuchAgent" in (results[0].exit_reason or "")
    assert "invalid" in (results[2].exit_reason or "")


SLEEPER = """#!/bin/sh
# Starts a grandchild that outlives us unless the whole process group is killed.
sleep 60 &
echo $! > "$OCF_RESKEY_pidfile"
sleep 60
"""

DAEMONIZER = """#!/bin/sh
# Leaves a daemon holding our stdout/stderr open, then exits 0 at once.
sleep 30 &
echo $! > "$OCF_RESKEY_pidfile"
exit 0
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie left for init still answers kill(0): look at its state
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ")[1][0] != "Z"


def test_timeout_kills_the_whole_process_group(node: Node, tmp_path: Path) -> None:
    root = make_ocf_root(tmp_path, {"Sleeper": SLEEPER})
    node.ctx = dataclasses.replace(node.ctx, ocf_root=root)
    pidfile = tmp_path / "grandchild.pid"
    began = time.monotonic()
    [result] = _run(node, ActionRequest.build("s", "ocf:test:Sleeper", "start", timeout_s=1.0,
                                              params={"pidfile": str(pidfile)}))
    assert time.monotonic() - began < 10
    assert result.timed_out and result.rc == OcfRc.ERR_GENERIC
    assert result.meaning == "timed out"
    assert "timed out after 1s" in (result.exit_reason or "")
    grandchild = int(pidfile.read_text())
    deadline = time.monotonic() + 5
    while _alive(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(grandchild)


def test_a_daemon_holding_the_output_pipe_does_not_hang_the_action(
        node: Node, tmp_path: Path) -> None:
    root = make_ocf_root(tmp_path, {"Daemonizer": DAEMONIZER})
    node.ctx = dataclasses.replace(node.ctx, ocf_root=root)
    pidfile = tmp_path / "daemon.pid"
    began = time.monotonic()
    [result] = _run(node, ActionRequest.build("dm", "ocf:test:Daemonizer", "start",
                                              timeout_s=20, params={"pidfile": str(pidfile)}))
    assert result.rc == 0 and not result.timed_out
    assert time.monotonic() - began < 5
    daemon = int(pidfile.read_text())
    assert _alive(daemon)  # the action succeeded: its daemon is left running
    os.kill(daemon, 9)


ENV_DUMP = """#!/bin/sh
env > "$OCF_RESKEY_out"
exit 0
"""


def test_environment_and_no_shell_interpolation(node: Node, tmp_path: Path) -> None:
    root = make_ocf_root(tmp_path, {"EnvDump": ENV_DUMP})
    node.ctx = dataclasses.replace(node.ctx, ocf_root=root)
    out = tmp_path / "env.txt"
    canary = tmp_path / "pwned"
    nasty = f'$(touch {canary}); `touch {canary}` "q" \'s\' ; touch {canary}'
    request = ActionRequest.build(
        "web:1", "ocf:test:EnvDump", "monitor", interval_ms=30000, timeout_s=7.5,
        params={"out": str(out), "nasty": nasty},
        meta={"clone-max": "3", "notify": "true", "notify_type": "pre"})
    [result] = _run(node, request)
    assert result.rc == 0
    env = dict(line.split("=", 1) for line in out.read_text().splitlines() if "=" in line)
    assert env["OCF_RESKEY_nasty"] == nasty
    assert not canary.exists()
    assert env["OCF_ROOT"] == str(root)
    assert (env["OCF_RA_VERSION_MAJOR"], env["OCF_RA_VERSION_MINOR"]) == ("1", "1")
    assert env["OCF_RESOURCE_INSTANCE"] == "web:1"
    assert env["OCF_RESOURCE_TYPE"] == "EnvDump"
    assert env["OCF_RESOURCE_PROVIDER"] == "test"
    assert env["OCF_RESKEY_CRM_meta_interval"] == "30000"
    assert env["OCF_RESKEY_CRM_meta_timeout"] == "7500"
    assert env["OCF_RESKEY_CRM_meta_name"] == "monitor"
    assert env["OCF_RESKEY_CRM_meta_on_node"] == "node1"
    assert env["OCF_RESKEY_CRM_meta_clone_max"] == "3"
    assert env["OCF_RESKEY_CRM_meta_notify_type"] == "pre"
    assert env["HA_RSCTMP"] == str(node.ctx.state_dir)
    assert env["HA_SBIN_DIR"] == str(node.ctx.helper_bin)
    assert env["PATH"].split(":")[0] == str(node.ctx.helper_bin)


def test_parameter_that_cannot_be_passed_is_rc2(node: Node) -> None:
    result = node.run(lambda: run_ocf(ActionRequest.build(
        "x", "ocf:pacemaker:Dummy", "start", params={"bad": "a\0b"}), node.ctx))
    assert result.rc == OcfRc.ERR_ARGS
    assert "bad" in (result.exit_reason or "")


def test_params_are_not_in_repr() -> None:
    request = ActionRequest.build("db", STATEFUL, "start", params={"password": "hunter2"})
    assert "hunter2" not in repr(request)

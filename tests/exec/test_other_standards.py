"""meta-data parsing (real agents), LSB scripts, systemd detection and Python agents."""

from __future__ import annotations

import asyncio
import dataclasses
from pathlib import Path

import pytest
from exec_helpers import Node

from buttress.exec import (
    ActionRequest,
    AgentFailure,
    AgentMetadata,
    AgentSpec,
    Executor,
    MetadataError,
    OcfRc,
    PythonAgentContext,
    PythonAgentRegistry,
    fetch_ocf_metadata,
    parse_metadata,
    systemd_available,
)
from buttress.exec.lsb import lsb_to_ocf


def test_metadata_of_real_agents(node: Node) -> None:
    async def body() -> tuple[AgentMetadata, AgentMetadata]:
        stateful = await fetch_ocf_metadata(AgentSpec.parse("ocf:pacemaker:Stateful"), node.ctx)
        dummy = await fetch_ocf_metadata(AgentSpec.parse("ocf:heartbeat:Dummy"), node.ctx)
        return stateful, dummy

    stateful, dummy = node.run(body)
    assert stateful.name == "Stateful"
    promoted = stateful.action("monitor", role="Promoted")
    unpromoted = stateful.action("monitor", role="Unpromoted")
    assert promoted is not None and unpromoted is not None
    assert promoted.interval_ms != unpromoted.interval_ms
    assert stateful.action("promote") is not None
    assert stateful.action("promote").timeout_ms == 10_000  # type: ignore[union-attr]
    state = dummy.parameter("state")
    assert state is not None and state.unique and not state.required
    assert state.default is not None and state.default.endswith("Dummy-Dummy.state")
    assert dummy.action("start").timeout_ms == 20_000  # type: ignore[union-attr]


def test_metadata_required_and_errors() -> None:
    meta = parse_metadata("""<?xml version="1.0"?>
<resource-agent name="x" version="1.2"><version>1.1</version>
<shortdesc>short</shortdesc>
<parameters>
 <parameter name="ip" required="1" unique="1"><content type="string"/></parameter>
 <parameter name="mode" reloadable="true"><content type="select" default="a">
   <option value="a"/><option value="b"/></content></parameter>
</parameters>
<actions><action name="monitor" timeout="20s" interval="10s" depth="0"/>
<action name="start" timeout="PT1M"/></actions></resource-agent>""")
    assert meta.required_parameters == ("ip",)
    mode = meta.parameter("mode")
    assert mode is not None and mode.choices == ("a", "b") and mode.default == "a"
    assert mode.reloadable
    assert meta.action("monitor") is not None
    assert meta.action("start").timeout_ms == 60_000  # type: ignore[union-attr]
    with pytest.raises(MetadataError):
        parse_metadata("<not-an-agent/>")
    with pytest.raises(MetadataError):
        parse_metadata("<resource-agent")


def test_metadata_of_missing_agent(node: Node) -> None:
    async def body() -> None:
        await fetch_ocf_metadata(AgentSpec.parse("ocf:heartbeat:Nope"), node.ctx)

    with pytest.raises(MetadataError, match="not installed"):
        node.run(body)


INIT_SCRIPT = """#!/bin/sh
STATE="$(dirname "$0")/../svc.state"
case "$1" in
start) touch "$STATE"; exit 0 ;;
stop) rm -f "$STATE"; exit 0 ;;
status) [ -f "$STATE" ] && exit 0; exit 3 ;;
*) exit 3 ;;
esac
"""


def test_lsb_script(node: Node, tmp_path: Path) -> None:
    init_dir = tmp_path / "init.d"
    init_dir.mkdir()
    (init_dir / "svc").write_text(INIT_SCRIPT)
    (init_dir / "svc").chmod(0o755)
    node.ctx = dataclasses.replace(node.ctx, init_dir=init_dir)

    async def body() -> list[int]:
        results = []
        for action in ("monitor", "start", "monitor", "stop", "status", "promote"):
            results.append((await node.executor.run(
                ActionRequest.build("svc", "lsb:svc", action))).rc)
        results.append((await node.executor.run(
            ActionRequest.build("nope", "lsb:nope", "start"))).rc)
        return results

    assert node.run(body) == [7, 0, 0, 0, 7, 3, 5]


def test_lsb_mapping() -> None:
    assert [lsb_to_ocf("status", c) for c in (0, 1, 2, 3, 4, 150, 151, 99)] == \
        [0, 7, 7, 7, 1, 5, 4, 1]
    assert [lsb_to_ocf("start", c) for c in (0, 1, 5, 6, 7, 42)] == [0, 1, 5, 6, 7, 1]


def test_systemd_detection(tmp_path: Path) -> None:
    run_dir = tmp_path / "run-systemd"
    comm = tmp_path / "comm"
    comm.write_text("systemd\n")
    assert not systemd_available(run_dir, comm)
    run_dir.mkdir()
    assert systemd_available(run_dir, comm)
    comm.write_text("bash\n")
    assert not systemd_available(run_dir, comm)


def test_systemd_absent_gives_a_clear_result(node: Node) -> None:
    executor = Executor(node.ctx, systemd=False)
    result = asyncio.run(executor.run(ActionRequest.build("ng", "systemd:nginx", "start")))
    assert result.rc == OcfRc.ERR_INSTALLED
    assert "systemd not available" in (result.exit_reason or "")
    if not systemd_available():
        # This machine runs without systemd as PID 1: the auto-detected executor agrees.
        auto = asyncio.run(Executor(node.ctx).run(
            ActionRequest.build("ng", "systemd:nginx", "monitor")))
        assert "systemd not available" in (auto.exit_reason or "")


class Flag:
    def __init__(self) -> None:
        self.up = False

    async def start(self, ctx: PythonAgentContext) -> int:
        if ctx.params.get("color") == "plaid":
            raise AgentFailure(OcfRc.ERR_CONFIGURED, "plaid is not a color")
        self.up = True
        return OcfRc.OK

    async def stop(self, ctx: PythonAgentContext) -> int:
        self.up = False
        return OcfRc.OK

    async def monitor(self, ctx: PythonAgentContext) -> int:
        return OcfRc.OK if self.up else OcfRc.NOT_RUNNING

    async def promote(self, ctx: PythonAgentContext) -> int:
        await asyncio.sleep(30)
        return OcfRc.OK

    async def demote(self, ctx: PythonAgentContext) -> int:
        raise RuntimeError("boom")


def test_python_agents(node: Node) -> None:
    registry = PythonAgentRegistry()
    registry.register("flag", Flag)
    with pytest.raises(ValueError):
        registry.register("flag", Flag)
    executor = Executor(node.ctx, python_agents=registry)

    async def body() -> list[tuple[int, str | None, bool]]:
        out = []
        for rid, action, params, timeout in (
                ("f", "monitor", {}, 5.0), ("f", "start", {}, 5.0), ("f", "monitor", {}, 5.0),
                ("g", "monitor", {}, 5.0), ("f", "promote", {}, 0.2), ("f", "demote", {}, 5.0),
                ("f", "migrate_to", {}, 5.0), ("h", "start", {"color": "plaid"}, 5.0)):
            result = await executor.run(ActionRequest.build(
                rid, "python:flag", action, params=params, timeout_s=timeout))
            out.append((result.rc, result.exit_reason, result.timed_out))
        missing = await executor.run(ActionRequest.build("z", "python:nope", "start"))
        out.append((missing.rc, missing.exit_reason, missing.timed_out))
        return out

    assert node.run(body) == [
        (7, None, False), (0, None, False), (0, None, False),
        (7, None, False),                      # one agent instance per resource id
        (1, "promote timed out after 0.2s", True),
        (1, "RuntimeError: boom", False),
        (3, "python:flag has no 'migrate_to' action", False),
        (6, "plaid is not a color", False),
        (5, "python agent 'nope' not registered", False),
    ]

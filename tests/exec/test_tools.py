"""The Pacemaker-named helper commands, called as agents call them, against our channel."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import subprocess
from pathlib import Path

import pytest
from exec_helpers import Node, make_ocf_root

from buttress.exec import ActionRequest, AttributeChannelError, OcfRc
from buttress.exec.attrd import call
from buttress.exec.helperbin import REFUSED, TOOLS


def _tool_env(node: Node, **extra: str) -> dict[str, str]:
    env = node.ctx.base_env()
    env.update(extra)
    return env


async def _sh(node: Node, script: str, **extra: str) -> tuple[int, str, str]:
    """Run ``script`` with /bin/sh in the agents' environment (blocking call off-loop)."""
    env = _tool_env(node, **extra)

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["/bin/sh", "-c", script], env=env, capture_output=True,
                              text=True, timeout=30, check=False)

    done = await asyncio.to_thread(run)
    return done.returncode, done.stdout, done.stderr


def test_helper_commands_shadow_the_host_pacemaker(node: Node) -> None:
    async def body() -> list[tuple[int, str, str]]:
        return [await _sh(node, f"command -v {tool}") for tool in (*TOOLS, *REFUSED)]

    for (rc, out, _), tool in zip(node.run(body), (*TOOLS, *REFUSED), strict=True):
        assert rc == 0
        assert out.strip() == str(node.ctx.helper_bin / tool)

    async def refused() -> tuple[int, str, str]:
        return await _sh(node, "crm_failcount -G -r x; cibadmin -Q")

    rc, _, err = node.run(refused)
    assert rc == 3 and "not provided by Buttress" in err


def test_crm_attribute_forms(node: Node) -> None:
    script = """
set -e
crm_attribute -N node2 -n fw -v 12 -l reboot
crm_attribute -N node2 -n fw -G -q -l reboot
crm_attribute -n site -v A -l forever
crm_attribute --node node1 --name site --query --lifetime forever
crm_attribute --type crm_config --name maintenance-mode --update true
crm_attribute -n maintenance-mode -G -q
crm_attribute -n missing -G -q -d dflt
crm_attribute -N node2 -n fw -D -l reboot
"""

    async def body() -> tuple[int, str, str]:
        return await _sh(node, script)

    rc, out, err = node.run(body)
    assert rc == 0, err
    assert out.splitlines() == ["12", "scope=nodes  name=site value=A", "true", "dflt"]
    values = node.backend.values
    assert ("status", "node2", "fw") not in values
    assert values[("nodes", "node1", "site")] == "A"
    assert values[("crm_config", "", "maintenance-mode")] == "true"


def test_missing_attribute_query_exits_105(node: Node) -> None:
    async def body() -> tuple[int, str, str]:
        return await _sh(node, "crm_attribute -N node1 -n nope -G -l reboot")

    rc, out, err = node.run(body)
    assert rc == 105 and out == ""
    assert "No such device or address" in err


def test_promotion_forms(node: Node) -> None:
    script = """
set -e
crm_attribute --promotion -v 10
crm_attribute -p -G -q
crm_attribute --promotion=other -v 3 -N node2
crm_master -l reboot -v 7 -r third
crm_master -v 1
crm_attribute -p -D
"""

    async def body() -> tuple[int, str, str]:
        return await _sh(node, script, OCF_RESOURCE_INSTANCE="rsc")

    rc, out, err = node.run(body)
    assert rc == 0, err
    assert out.splitlines() == ["10"]
    values = node.backend.values
    assert values[("status", "node2", "master-other")] == "3"
    assert values[("status", "node1", "master-third")] == "7"
    assert values[("nodes", "node1", "master-rsc")] == "1"  # crm_master: forever by default
    assert ("status", "node1", "master-rsc") not in values


PROMOTER = """#!/bin/sh
: ${OCF_FUNCTIONS_DIR=${OCF_ROOT}/lib/heartbeat}
. ${OCF_FUNCTIONS_DIR}/ocf-shellfuncs
case "$1" in
start) ocf_promotion_score -v 42 || exit $OCF_ERR_GENERIC
       [ "$(ocf_promotion_score -G -q)" = 42 ] || exit $OCF_ERR_GENERIC
       exit $OCF_SUCCESS ;;
stop)  ocf_promotion_score -D; exit $OCF_SUCCESS ;;
oldstyle) crm_master -l reboot -v 9; exit $? ;;
*) exit $OCF_ERR_UNIMPLEMENTED ;;
esac
"""


def test_ocf_promotion_score_of_ocf_shellfuncs_reaches_us(node: Node, tmp_path: Path) -> None:
    node.ctx = dataclasses.replace(node.ctx, ocf_root=make_ocf_root(tmp_path,
                                                                    {"Promoter": PROMOTER}))
    seen: list[tuple[int, str | None]] = []

    async def body() -> None:
        for action in ("start", "oldstyle", "stop"):
            result = await node.executor.run(
                ActionRequest.build("pr", "ocf:test:Promoter", action))
            seen.append((result.rc, node.backend.values.get(("status", "node1", "master-pr"))))

    node.run(body)
    assert seen == [(OcfRc.OK, "42"), (OcfRc.OK, "9"), (OcfRc.OK, None)]


def test_attrd_updater(node: Node) -> None:
    script = """
set -e
attrd_updater -n pingd -U 100
attrd_updater -n pingd -U 50 -N node2
attrd_updater -n pingd -Q
attrd_updater -n pingd -Q -A
attrd_updater -n pingd -D -N node2
attrd_updater -n pingd -Q -N node2 || echo "rc=$?"
"""

    async def body() -> tuple[int, str, str]:
        return await _sh(node, script)

    rc, out, err = node.run(body)
    assert rc == 0, err
    assert out.splitlines() == [
        'name="pingd" host="node1" value="100"',
        'name="pingd" host="node1" value="100"',
        'name="pingd" host="node2" value="50"',
        "rc=105",
    ]


def test_crm_node_crm_resource_crm_mon(node: Node) -> None:
    script = """
crm_node -n; crm_node -l; crm_node -p; crm_node -q; crm_node -i
crm_resource --resource db --locate
crm_resource -r web -W -Q
crm_resource -r nothere -W
echo "---"
crm_mon -1
"""

    async def body() -> tuple[int, str, str]:
        return await _sh(node, script)

    rc, out, err = node.run(body)
    assert rc == 0, err
    before, mon = out.split("---\n")
    assert before.splitlines() == [
        "node1",
        "1 node1 member", "2 node2 member", "3 node3 lost",
        "node1 node2",
        "1",
        "1",
        "resource db is running on: node1 Promoted",
        "resource db is running on: node2",
        "node2",
    ]
    assert "resource nothere is NOT running" in err
    assert "Online: [ node1 node2 ]" in mon and "OFFLINE: [ node3 ]" in mon
    assert "web\t(ocf:heartbeat:Dummy):\t Started node2" in mon


def test_crm_resource_force_actions_go_to_the_backend(node: Node) -> None:
    calls: list[tuple[str, str]] = []

    async def handler(resource: str, action: str) -> tuple[int, str]:
        calls.append((resource, action))
        return 7, "not running here"

    node.backend.force_handler = handler

    async def body() -> tuple[int, str, str]:
        return await _sh(node, "crm_resource --force-check -r web")

    rc, out, _ = node.run(body)
    assert (rc, out.strip()) == (7, "not running here")
    assert calls == [("web", "monitor")]


def test_tools_without_a_node_agent_fail_cleanly(node: Node) -> None:
    env = _tool_env(node)
    env["BUTTRESS_ATTRD_SOCKET"] = str(node.root / "absent.sock")
    done = subprocess.run(["crm_attribute", "-n", "x", "-G"], env=env, capture_output=True,
                          text=True, timeout=30, check=False)
    assert done.returncode == 102
    assert "cannot reach the node agent" in done.stderr


def test_channel_rejects_bad_requests(node: Node) -> None:
    socket_path = node.ctx.attrd_socket
    assert socket_path is not None

    async def body() -> list[str]:
        errors = []
        for request in ({"op": "bogus"}, {"op": "get", "scope": 3, "name": "x"}):
            try:
                await asyncio.to_thread(call, socket_path, request)
            except AttributeChannelError as exc:
                errors.append(str(exc))
        return errors

    assert node.run(body) == ["unknown op 'bogus'", "request field 'scope' must be a string"]
    assert not socket_path.exists()  # removed on close


def test_socket_is_private(node: Node) -> None:
    socket_path = node.ctx.attrd_socket
    assert socket_path is not None

    async def body() -> int:
        return os.stat(socket_path).st_mode & 0o777

    assert node.run(body) == 0o600


@pytest.mark.parametrize("argv", [["crm_node"], ["crm_mon"], ["crm_resource", "-W"]])
def test_usage_errors(node: Node, argv: list[str]) -> None:
    async def body() -> int:
        done = await asyncio.to_thread(
            subprocess.run, argv, env=_tool_env(node), capture_output=True, timeout=30,
            check=False)
        return done.returncode

    assert node.run(body) in (3, 64)

"""The real /usr/sbin/fence_ipmilan (lanplus, through ipmitool) against our emulated BMC."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from fencing_helpers import PASSWORD, Bmc

from buttress.fencing import FenceDevice, FenceLevel, Fencer, run_fence_agent

pytestmark = pytest.mark.skipif(
    not (Path("/usr/sbin/fence_ipmilan").exists() and shutil.which("ipmitool")),
    reason="fence-agents and ipmitool are installed by scripts/install-system-deps.sh")


def _device(bmc: Bmc, **extra: str) -> FenceDevice:
    return FenceDevice.from_params("ipmi-node2", "stonith:fence_ipmilan",
                                   bmc.params(pcmk_host_list="node2", **extra))


def _pgid_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def test_status_off_on_through_fence_ipmilan(bmc: Bmc, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    device = _device(bmc, verbose="1")
    fencer = Fencer([device], [FenceLevel(1, ("ipmi-node2",), target="node2")])

    async def body() -> None:
        status = await run_fence_agent(device, "status", "node2")
        assert (status.rc, status.power) == (0, "on"), status.output_tail
        assert bmc.state() == "on"

        off = await fencer.fence("node2", "off")
        assert off.ok, off.reason
        assert off.level == 1 and off.devices == ("ipmi-node2",)
        assert "Powered OFF" in off.attempts[0].result.output_tail
        # the power-off callback killed the node's process group
        assert bmc.victim.wait(timeout=10) == -9
        assert bmc.state() == "off"

        status = await run_fence_agent(device, "status", "node2")
        assert (status.rc, status.power) == (2, "off")

        on = await fencer.fence("node2", "on")
        assert on.ok, on.reason
        assert bmc.state() == "on"
        new_pgid = int(bmc.pgid_file.read_text())
        assert new_pgid != bmc.victim.pid and _pgid_alive(new_pgid)

        texts = [repr(device), str(device), repr(off), repr(on), off.describe(),
                 *(a.result.output_tail for a in (*off.attempts, *on.attempts)),
                 *(a.result.reason or "" for a in (*off.attempts, *on.attempts))]
        for text in texts:
            assert PASSWORD not in text

    asyncio.run(body())
    assert "fence off node2 via ipmi-node2" in caplog.text
    assert PASSWORD not in caplog.text


def test_reboot_kills_and_restarts_the_node(bmc: Bmc) -> None:
    fencer = Fencer([_device(bmc)])
    result = asyncio.run(fencer.fence("node2", "reboot"))
    assert result.ok, result.reason
    assert result.level is None and result.devices == ("ipmi-node2",)
    assert bmc.victim.wait(timeout=10) == -9
    assert bmc.state() == "on"
    assert asyncio.run(fencer.fence("node9", "reboot")).reason == \
        "no fence device can fence node9"


def test_wrong_password_fails_without_leaking(bmc: Bmc, tmp_path: Path) -> None:
    wrong = "Wr0ng-Passw0rd-Xy"
    device = FenceDevice.from_params("ipmi", "fence_ipmilan", bmc.params(
        password=wrong, pcmk_host_list="node2", pcmk_off_retries="1", pcmk_off_timeout="20s",
        verbose="1", login_timeout="2", retry_on="1"))
    result = asyncio.run(Fencer([device]).fence("node2", "off"))
    assert not result.ok
    assert bmc.victim.poll() is None  # nothing was killed
    for text in (repr(result), result.reason, result.attempts[0].result.output_tail):
        assert wrong not in text and PASSWORD not in text


def test_passwd_script_output_is_used_and_scrubbed(bmc: Bmc, tmp_path: Path) -> None:
    script = tmp_path / "get-pw.sh"
    script.write_text(f"#!/bin/sh\necho '{PASSWORD}'\n")
    script.chmod(0o700)
    params = bmc.params(passwd_script=str(script), verbose="1")
    del params["password"]
    device = FenceDevice.from_params("ipmi", "fence_ipmilan", params)
    result = asyncio.run(run_fence_agent(device, "status", "node2"))
    assert result.power == "on", result.output_tail
    assert PASSWORD not in result.output_tail and PASSWORD not in repr(device)


def test_ipmitool_is_what_fence_ipmilan_uses(bmc: Bmc) -> None:
    """fence_ipmilan drives ipmitool: the same BMC answers ipmitool directly."""
    done = subprocess.run(
        ["ipmitool", "-I", "lanplus", "-H", "127.0.0.1", "-p", str(bmc.port), "-U", "admin",
         "-P", PASSWORD, "chassis", "power", "status"],
        capture_output=True, text=True, timeout=30, check=False)
    assert done.returncode == 0 and "Chassis Power is on" in done.stdout

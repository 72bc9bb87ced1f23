"""Built-in fence_nova/fence_compute devices in levels, with the real fence_dummy as the
power device: they record (never exec an agent), and never fence alone."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from buttress.fencing import FenceDevice, FenceLevel, Fencer, run_fence_agent
from buttress.fencing.builtin import is_builtin, nova_host
from buttress.openstack.device import NovaDeviceSettings
from buttress.openstack.errors import ConfigError

pytestmark = pytest.mark.skipif(not Path("/usr/sbin/fence_dummy").exists(),
                                reason="fence-agents provides fence_dummy")

NOVA_PARAMS = {"auth-url": "http://keystone:5000/v3", "login": "admin",
               "passwd": "n0va-Secret", "tenant-name": "admin", "record-only": "1",
               "action": "off", "no_shared_storage": "1"}


def _power(tmp_path: Path, name: str, state: str = "ON", **options: str) -> FenceDevice:
    (tmp_path / name).write_text(state)
    return FenceDevice.from_params(name, "fence_dummy", {
        "type": "file", "status_file": str(tmp_path / name), **options})


def test_a_level_with_fence_nova_reports_it_as_a_recorder(tmp_path: Path) -> None:
    power = _power(tmp_path, "fence-compute-1", pcmk_host_list="compute-1")
    nova = FenceDevice.from_params("fence-nova", "fence_compute", NOVA_PARAMS)
    assert is_builtin(nova)
    fencer = Fencer([power, nova], [FenceLevel(1, ("fence-compute-1", "fence-nova"),
                                               target="compute-1")])
    result = asyncio.run(fencer.fence("compute-1", "reboot"))
    assert result.ok, result.reason
    assert result.recorders == ("fence-nova",) and result.level == 1
    assert (tmp_path / "fence-compute-1").read_text() == "on"  # the power cycle really ran
    actions = [(a.result.device_id, a.result.action) for a in result.attempts]
    assert actions == [("fence-compute-1", "off"), ("fence-nova", "off"),
                       ("fence-compute-1", "on"), ("fence-nova", "on")]
    assert "n0va-Secret" not in repr(result) + repr(nova)


def test_fence_nova_never_fences_alone(tmp_path: Path) -> None:
    nova = FenceDevice.from_params("fence-nova", "fence_nova", {})
    alone = Fencer([nova])
    result = asyncio.run(alone.fence("compute-1", "reboot"))
    assert not result.ok and "no fence device can fence compute-1" in result.reason
    level_only = Fencer([nova], [FenceLevel(1, ("fence-nova",), target="compute-1")])
    result = asyncio.run(level_only.fence("compute-1", "off"))
    assert not result.ok and "only record" in result.reason and not result.recorders


def test_a_failed_power_device_records_nothing(tmp_path: Path) -> None:
    # sleeps 1-5 s but may take 0.5 s: the power device times out
    broken = _power(tmp_path, "fence-compute-1", random_sleep_range="5",
                    pcmk_off_timeout="500ms", pcmk_off_retries="1")
    nova = FenceDevice.from_params("fence-nova", "fence_nova", {})
    fencer = Fencer([broken, nova], [FenceLevel(1, ("fence-compute-1", "fence-nova"),
                                                target="compute-1")])
    result = asyncio.run(fencer.fence("compute-1", "off"))
    assert not result.ok and result.recorders == ()
    assert [a.result.device_id for a in result.attempts] == ["fence-compute-1"]


def test_builtin_monitor_never_execs_the_classic_agent() -> None:
    device = FenceDevice.from_params("fence-nova", "fence_compute", NOVA_PARAMS)
    result = asyncio.run(run_fence_agent(device, "monitor"))
    assert result.ok and result.output_tail == ""


def test_nova_host_names() -> None:
    mapped = FenceDevice.from_params("n", "fence_nova", {
        "pcmk_host_map": "compute-1:host1;compute-2:host2"})
    assert nova_host(mapped, "compute-1") == "host1"
    assert nova_host(mapped, "compute-3") == "compute-3"
    fqdn = FenceDevice.from_params("n", "fence_compute", {"domain": "lab.example.com"})
    assert nova_host(fqdn, "compute-1") == "compute-1.lab.example.com"
    assert nova_host(fqdn, "compute-1.lab.example.com") == "compute-1.lab.example.com"
    plain = FenceDevice.from_params("n", "fence_nova", {})
    assert nova_host(plain, "compute-1") == "compute-1"


def test_device_settings_from_the_seed_parameters() -> None:
    settings = NovaDeviceSettings.from_params({**NOVA_PARAMS, "domain": "lab.example.com",
                                               "evacuate": "tagged", "max_parallel": "8",
                                               "endpoint_type": "internalURL"})
    creds = settings.credentials
    assert creds.auth["auth_url"] == "http://keystone:5000/v3"
    assert creds.auth["username"] == "admin" and creds.auth["project_name"] == "admin"
    assert creds.auth["password"] == "n0va-Secret" and creds.interface == "internal"
    assert settings.config.max_parallel == 8
    assert settings.config.policy.selection.value == "tagged"
    assert "n0va-Secret" not in repr(settings)
    cloud = NovaDeviceSettings.from_params({"cloud": "overcloud"}).credentials
    assert cloud.cloud == "overcloud" and not cloud.auth
    env = NovaDeviceSettings.from_params({}).credentials  # clouds.yaml / OS_* at run time
    assert env.cloud is None and not env.auth


@pytest.mark.parametrize(("params", "message"), [
    ({"bogus": "1"}, "unknown instance-ha parameter(s): bogus"),
    ({"passwd_script": "cat /x"}, "passwd_script is not supported"),
    ({"login": "admin", "passwd": "n0va-Secret"}, "credentials without auth_url"),
    ({"max_parallel": "lots"}, "invalid instance-ha parameter"),
    ({"endpoint_type": "sideways"}, "endpoint_type 'sideways'"),
])
def test_bad_device_parameters_are_one_line(params: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        NovaDeviceSettings.from_params(params)
    text = str(caught.value)
    assert message in text and "\n" not in text and "n0va-Secret" not in text


def test_pcs_commands_know_the_builtin_device(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from buttress.cli.main import main

    cib = tmp_path / "cib.xml"
    cib.write_text('<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" '
                   'admin_epoch="0"><configuration><crm_config/><nodes/><resources/>'
                   '<constraints/></configuration><status/></cib>')
    seed = ["stonith", "create", "fence-nova", "fence_compute", "auth-url=http://k:5000/v3",
            "login=admin", "passwd=n0va-Secret", "tenant-name=admin", "domain=example.com",
            "record-only=1", "action=off", "evacuate=tagged"]
    assert main(["-f", str(cib), *seed]) == 0
    assert main(["-f", str(cib), "stonith", "create", "x", "fence_nova", "bogus=1"]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "invalid option(s) 'bogus'" in err[0]
    assert main(["stonith", "describe", "fence_nova"]) == 0
    assert "evacuate" in capsys.readouterr().out

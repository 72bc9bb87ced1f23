"""Agent names, installed agents and meta-data parsing."""

from __future__ import annotations

from pathlib import Path

import pytest

from buttress.agents import (
    AgentError,
    AgentName,
    agent_path,
    load_metadata,
    parse_agent_name,
    parse_metadata,
    resolve_agent,
)
from buttress.agents.metadata import clear_cache


def test_parse_full_names() -> None:
    assert parse_agent_name("ocf:heartbeat:IPaddr2") == AgentName("ocf", "IPaddr2", "heartbeat")
    assert parse_agent_name("systemd:haproxy") == AgentName("systemd", "haproxy")
    assert parse_agent_name("stonith:fence_xvm") == AgentName("stonith", "fence_xvm")
    assert str(AgentName("ocf", "IPaddr2", "heartbeat")) == "ocf:heartbeat:IPaddr2"
    assert str(AgentName("systemd", "haproxy")) == "systemd:haproxy"


@pytest.mark.parametrize("text", ["ocf:IPaddr2", "bogus:x", "ocf::x", "a:b:c:d",
                                  "systemd:a:b", ""])
def test_malformed_names(text: str) -> None:
    with pytest.raises(AgentError):
        parse_agent_name(text)


def test_short_name_resolution(fake_agents: Path) -> None:
    assert resolve_agent("VIP") == AgentName("ocf", "VIP", "heartbeat")
    with pytest.raises(AgentError, match="multiple agents match 'Twin'"):
        resolve_agent("Twin")
    with pytest.raises(AgentError, match="unable to find agent 'Nope'"):
        resolve_agent("Nope")
    assert resolve_agent("fence_fake", stonith=True) == AgentName("stonith", "fence_fake")
    assert resolve_agent("stonith:fence_fake", stonith=True) == AgentName("stonith", "fence_fake")


def test_load_ocf_metadata(fake_agents: Path) -> None:
    md = load_metadata(AgentName("ocf", "VIP", "heartbeat"))
    assert md is not None
    assert md.shortdesc == "A virtual IP"
    ip = md.parameter("ip")
    assert ip is not None and ip.required and ip.unique and ip.shortdesc == "Address"
    nic = md.parameter("nic")
    assert nic is not None and nic.default == "eth0" and not nic.required
    names = [a.name for a in md.actions]
    assert names == ["start", "stop", "status", "monitor", "monitor", "meta-data",
                     "validate-all"]
    assert md.actions[4].role == "Master" and md.actions[4].interval == "5s"
    assert md.actions[3].depth == "0"


def test_load_fence_metadata(fake_agents: Path) -> None:
    md = load_metadata(AgentName("stonith", "fence_fake"))
    assert md is not None
    assert md.parameter("ip") is not None and md.parameter("ip").obsoletes == "ipaddr"  # type: ignore[union-attr]
    assert md.parameter("ipaddr").deprecated  # type: ignore[union-attr]
    assert [a.name for a in md.actions if not a.automatic] == ["on"]


def test_not_installed_gives_none(fake_agents: Path) -> None:
    assert load_metadata(AgentName("ocf", "Nope", "heartbeat")) is None
    assert load_metadata(AgentName("stonith", "fence_nope")) is None
    assert load_metadata(AgentName("lsb", "anything")) is None
    assert agent_path(AgentName("stonith", "../bin/sh")) is None


def test_systemd_units(fake_agents: Path) -> None:
    md = load_metadata(AgentName("systemd", "web"))
    assert md is not None
    assert {(a.name, a.interval, a.timeout) for a in md.actions} == {
        ("start", None, "100s"), ("stop", None, "100s"), ("monitor", "60s", "100s")}
    assert load_metadata(AgentName("systemd", "absent")) is None


def test_broken_agent_is_an_error(fake_agents: Path) -> None:
    with pytest.raises(AgentError, match="not valid XML"):
        load_metadata(AgentName("ocf", "Broken", "other"))


def test_metadata_is_cached(fake_agents: Path) -> None:
    agent = AgentName("ocf", "VIP", "heartbeat")
    first = load_metadata(agent)
    (fake_agents / "resource.d" / "heartbeat" / "VIP").write_text("#!/bin/sh\nexit 1\n")
    assert load_metadata(agent) is first
    clear_cache()
    with pytest.raises(AgentError, match="failed to give its meta-data"):
        load_metadata(agent)


def test_parse_metadata_rejects_other_roots() -> None:
    with pytest.raises(AgentError, match="no <resource-agent>"):
        parse_metadata("<other/>", AgentName("ocf", "x", "y"))


@pytest.mark.skipif(not Path("/usr/lib/ocf/resource.d/heartbeat/IPaddr2").exists(),
                    reason="resource-agents is not installed")
def test_real_installed_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BUTTRESS_OCF_ROOT", raising=False)
    monkeypatch.setenv("OCF_ROOT", "/usr/lib/ocf")
    clear_cache()
    md = load_metadata(resolve_agent("IPaddr2"))
    assert md is not None and md.parameter("ip") is not None
    assert md.parameter("ip").required  # type: ignore[union-attr]


OCF_1_1 = """<?xml version="1.0"?>
<resource-agent name="x" version="1.2"><version>1.1</version>
<longdesc>Long
  text</longdesc><shortdesc>short</shortdesc>
<parameters>
 <parameter name="ip" required="y" unique-group="addr"><content type="string"/></parameter>
 <parameter name="old" required="1"><deprecated/><content/></parameter>
 <parameter><content/></parameter>
 <parameter name="mode" reloadable="true"><longdesc>M</longdesc>
   <content type="select" default="a"><option value="a"/><option value="b"/></content>
 </parameter>
</parameters>
<actions>
 <action name="monitor" timeout="20s" interval="10s" depth="0"/>
 <action name="monitor" timeout="20s" interval="11s" role="Promoted" start-delay="1m"/>
 <action name="start" timeout="PT1M"/>
 <action name="stop" timeout="soon"/>
 <action timeout="5s"/>
</actions></resource-agent>"""


def test_parse_keeps_text_and_gives_milliseconds() -> None:
    md = parse_metadata(OCF_1_1)
    assert md.agent is None and md.name == "x" and md.version == "1.1"
    assert md.shortdesc == "short" and md.longdesc == "Long text"
    monitor = md.action("monitor")
    promoted = md.action("monitor", role="Promoted")
    assert monitor is not None and promoted is not None
    assert (monitor.interval, monitor.interval_ms, monitor.timeout_ms) == ("10s", 10_000, 20_000)
    assert monitor.start_delay is None and monitor.start_delay_ms is None
    assert (promoted.interval, promoted.interval_ms) == ("11s", 11_000)
    assert promoted.start_delay == "1m" and promoted.start_delay_ms == 60_000
    assert md.action("monitor", role="Unpromoted") is monitor  # no such role: the first
    assert md.action("start").timeout_ms == 60_000  # type: ignore[union-attr]
    assert md.action("stop").timeout == "soon"  # type: ignore[union-attr]
    assert md.action("stop").timeout_ms is None  # type: ignore[union-attr]
    assert md.action("nope") is None
    assert [a.name for a in md.actions] == ["monitor", "monitor", "start", "stop"]


def test_parse_parameter_details() -> None:
    md = parse_metadata(OCF_1_1, AgentName("ocf", "x", "test"))
    assert md.agent == AgentName("ocf", "x", "test")
    assert md.parameter_names == ("ip", "old", "mode")
    assert md.required_parameters == ("ip", "old")
    ip, old, mode = md.parameters
    assert ip.unique_group == "addr" and ip.type == "string" and not ip.deprecated
    assert old.deprecated and old.content_type is None and old.type == "string"
    assert mode.reloadable and mode.choices == ("a", "b") and mode.default == "a"
    assert mode.content_type == "select" and mode.longdesc == "M"


def test_parse_errors_name_the_agent_when_known() -> None:
    with pytest.raises(AgentError, match=r"^meta-data is not valid XML"):
        parse_metadata("<resource-agent")
    with pytest.raises(AgentError, match="meta-data of agent 'stonith:fence_x' is not valid"):
        parse_metadata("<resource-agent", AgentName("stonith", "fence_x"))


def test_exec_reexports_the_same_model() -> None:
    import buttress.agents.metadata as agents_md
    import buttress.exec as exec_pkg

    assert exec_pkg.MetadataError is AgentError
    assert exec_pkg.parse_metadata is agents_md.parse_metadata
    assert exec_pkg.AgentMetadata is agents_md.AgentMetadata
    assert exec_pkg.ActionInfo is agents_md.ActionInfo
    assert exec_pkg.ParameterInfo is agents_md.ParameterInfo

"""``stonith``, ``property``, ``node`` and ``cluster`` commands."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lxml import etree

Xml = Callable[[], etree._Element]


def test_stonith_create_validates_and_uses_monitor_60s(run, ok, xml: Xml) -> None:
    ok("stonith create f1 fence_fake ipaddr=10.0.0.9 login=root pcmk_host_list=node-1")
    prim = xml().find(".//primitive[@id='f1']")
    assert prim is not None and prim.get("class") == "stonith" and prim.get("type") == "fence_fake"
    assert [dict(o.attrib) for o in prim.findall("operations/op")] == [
        {"name": "monitor", "interval": "60s", "id": "f1-monitor-interval-60s"}]
    assert "required option(s) 'ip'" in run("stonith create f2 fence_fake login=x").err
    assert "not installed" in run("stonith create f2 fence_xvm").err
    ok("--force stonith create f2 fence_xvm multicast_address=225.0.0.2")


def test_stonith_levels(run, ok, xml: Xml) -> None:
    ok("stonith create f1 fence_fake ip=1")
    ok("stonith create f2 fence_fake ip=2")
    ok("stonith level add 1 node-1 f1,f2")
    ok("stonith level add 2 node-1 f1 f2")
    levels = xml().findall("configuration/fencing-topology/fencing-level")
    assert [dict(lv.attrib) for lv in levels] == [
        {"index": "1", "devices": "f1,f2", "target": "node-1", "id": "fl-node-1-1"},
        {"index": "2", "devices": "f1,f2", "target": "node-1", "id": "fl-node-1-2"}]
    assert "Level 1 - f1,f2" in ok("stonith level config").out
    assert "does not appear to exist" in run("stonith level add 1 node-9 f1").err
    assert "already exists" in run("stonith level add 1 node-1 f1,f2").err
    ok("stonith level remove 2 node-1")
    ok("stonith delete f2")
    levels = xml().findall("configuration/fencing-topology/fencing-level")
    assert [lv.get("devices") for lv in levels] == ["f1"]
    ok("stonith level clear")
    assert xml().find("configuration/fencing-topology") is None


def test_level_for_remote_node_defined_by_resource(ok, xml: Xml) -> None:
    ok("stonith create f1 fence_fake ip=1")
    ok("resource create compute-1 ocf:pacemaker:remote")
    ok("stonith level add 1 compute-1 f1")
    assert xml().find(".//fencing-level").get("target") == "compute-1"


def test_properties(run, ok, xml: Xml) -> None:
    ok("property set stonith-enabled=false cluster-recheck-interval=1min")
    root = xml()
    ps = root.find("configuration/crm_config/cluster_property_set")
    assert ps is not None and ps.get("id") == "cib-bootstrap-options"
    assert {n.get("name"): n.get("value") for n in ps} == {
        "stonith-enabled": "false", "cluster-recheck-interval": "1min"}
    assert "unknown cluster property 'bogus'" in run("property set bogus=1").err
    ok("property set bogus=1 --force")
    ok("property unset bogus")
    ok("property set stonith-enabled=")
    assert "cluster-recheck-interval=1min" in ok("property config").out
    assert "stonith-enabled" not in ok("property").out


def test_node_attributes_pcs09_and_remote_nodes(run, ok, xml: Xml) -> None:
    ok("node attribute node-1 osprole=controller")
    ok("property set --node node-2 osprole=controller")
    ok("resource create compute-1 ocf:pacemaker:remote")
    ok("property set --node compute-1 osprole=compute")
    root = xml()
    n1 = root.find(".//node[@uname='node-1']")
    assert n1.find("instance_attributes").get("id") == "nodes-1"
    assert n1.find("instance_attributes/nvpair").get("id") == "nodes-1-osprole"
    remote = root.find(".//node[@uname='compute-1']")
    assert dict(remote.attrib) == {"type": "remote", "id": "compute-1", "uname": "compute-1"}
    assert remote.find("instance_attributes/nvpair").get("value") == "compute"
    assert "does not appear to exist" in run("node attribute ghost a=b").err
    out = ok("node attribute").out
    assert "node-1: osprole=controller" in out and "compute-1: osprole=compute" in out
    ok("node attribute node-1 osprole=")
    assert xml().find(".//node[@uname='node-1']//nvpair") is None


def test_standby_maintenance_utilization(run, ok, xml: Xml) -> None:
    ok("node standby node-1")
    ok("node maintenance --all")
    ok("node utilization node-2 cpu=4")
    root = xml()
    attrs = {(n.getparent().getparent().get("uname"), n.get("name")): n.get("value")
             for n in root.iter("nvpair")}
    assert attrs[("node-1", "standby")] == "on"
    assert attrs[("node-2", "maintenance")] == "on"
    assert attrs[("node-2", "cpu")] == "4"
    ok("node unstandby node-1")
    assert ("node-1", "standby") not in {
        (n.getparent().getparent().get("uname"), n.get("name")) for n in xml().iter("nvpair")}
    assert "name the nodes" in run("node standby").err


def test_cluster_cib_and_push(ok, cib: Path, tmp_path: Path, xml: Xml) -> None:
    ok("resource create v VIP ip=1")
    dumped = ok("cluster cib").out
    assert "<primitive" in dumped
    ok(f"cluster cib {tmp_path / 'copy.xml'}")
    ok("resource delete v")
    ok(f"cluster cib-push {tmp_path / 'copy.xml'}")
    assert xml().find(".//primitive[@id='v']") is not None
    assert "<resources>" in ok("cluster cib scope=resources").out


def test_config_text_and_json(ok) -> None:
    import json

    ok("resource create v VIP ip=1")
    ok("stonith create f1 fence_fake ip=1")
    ok("constraint location v prefers node-1")
    text = ok("config").out
    for part in ("Cluster Nodes: node-1 node-2", "Resources:", "Stonith Devices:",
                 "Location Constraints:", "Cluster Properties:"):
        assert part in text
    data = json.loads(ok("config --output json").out)
    assert [r["id"] for r in data["resources"]] == ["v", "f1"]
    assert data["locations"][0]["node"] == "node-1"

"""``resource ...`` commands on a CIB file (fake agents, see conftest)."""

from __future__ import annotations

from collections.abc import Callable

from lxml import etree

from buttress.cli.pcs.registry import COMMANDS

Xml = Callable[[], etree._Element]


def ops(root: etree._Element, rsc: str) -> list[dict[str, str]]:
    prim = root.find(f".//primitive[@id='{rsc}']")
    assert prim is not None
    return [dict(op.attrib) for op in prim.findall("operations/op")]


def nv(root: etree._Element, xpath: str) -> dict[str, str]:
    return {str(n.get("name")): str(n.get("value")) for n in root.findall(xpath + "/nvpair")}


def test_create_with_short_name_and_default_ops(ok, xml: Xml) -> None:
    ok("resource create vip VIP ip=10.0.0.1 nic=eth1")
    root = xml()
    prim = root.find("configuration/resources/primitive")
    assert prim is not None
    assert dict(prim.attrib) == {"id": "vip", "class": "ocf", "type": "VIP",
                                 "provider": "heartbeat"}
    ia = prim.find("instance_attributes")
    assert ia is not None and ia.get("id") == "vip-instance_attributes"
    assert [(n.get("id"), n.get("name"), n.get("value")) for n in ia] == [
        ("vip-instance_attributes-ip", "ip", "10.0.0.1"),
        ("vip-instance_attributes-nic", "nic", "eth1")]
    assert ops(root, "vip") == [
        {"name": "monitor", "interval": "10s", "timeout": "20s",
         "id": "vip-monitor-interval-10s"},
        {"name": "start", "interval": "0s", "timeout": "20s", "id": "vip-start-interval-0s"},
        {"name": "stop", "interval": "0s", "timeout": "20s", "id": "vip-stop-interval-0s"}]
    assert root.get("epoch") == "5"


def test_promotable_keyword_roles_and_user_op(ok, xml: Xml) -> None:
    ok("resource create db DB size=3 op promote timeout=60s on-fail=block "
       "promotable db-master promoted-max=2 notify=true")
    root = xml()
    clone = root.find("configuration/resources/clone")
    assert clone is not None and clone.get("id") == "db-master"
    assert nv(root, ".//clone/meta_attributes") == {
        "notify": "true", "promoted-max": "2", "promotable": "true"}
    got = [(o["name"], o.get("interval"), o.get("role"), o.get("timeout"), o.get("on-fail"))
           for o in ops(root, "db")]
    assert got == [
        ("demote", "0s", None, "120s", None),
        ("monitor", "20s", None, "30s", None),
        ("monitor", "10s", "Promoted", "30s", None),
        ("monitor", "30s", "Unpromoted", "30s", None),
        ("notify", "0s", None, "90s", None),
        ("promote", "0s", None, "60s", "block"),
        ("start", "0s", None, "120s", None),
        ("stop", "0s", None, "120s", None)]


def test_clone_keyword_meta_goes_to_primitive(ok, xml: Xml) -> None:
    ok("resource create web VIP ip=1.1.1.1 meta notify=true clone ordered=true "
       "interleave=true")
    root = xml()
    assert root.find(".//clone[@id='web-clone']/primitive[@id='web']") is not None
    assert nv(root, ".//primitive[@id='web']/meta_attributes") == {"notify": "true"}
    assert nv(root, ".//clone[@id='web-clone']/meta_attributes") == {
        "interleave": "true", "ordered": "true"}


def test_pcs09_clone_and_master_options(ok, xml: Xml) -> None:
    ok("resource create a systemd:a --clone interleave=true notify=true --disabled --force")
    ok("resource create b DB --master master-max=1")
    root = xml()
    assert nv(root, ".//clone[@id='a-clone']/meta_attributes") == {
        "interleave": "true", "notify": "true"}
    assert nv(root, ".//primitive[@id='a']/meta_attributes") == {"target-role": "Stopped"}
    assert ops(root, "a") == [{"name": "monitor", "interval": "60s",
                               "id": "a-monitor-interval-60s"}]
    assert nv(root, ".//clone[@id='b-master']/meta_attributes") == {
        "master-max": "1", "promotable": "true"}


def test_not_installed_agent_needs_force(run, ok, xml: Xml) -> None:
    result = run("resource create x systemd:nothere")
    assert result.rc == 1
    assert "not installed" in result.err and "--force" in result.err
    ok("resource create x systemd:nothere op start timeout=90 --force")
    assert ops(xml(), "x") == [
        {"name": "monitor", "interval": "60s", "id": "x-monitor-interval-60s"},
        {"name": "start", "timeout": "90", "interval": "0s", "id": "x-start-interval-0s"}]


def test_parameter_validation(run, ok) -> None:
    assert "required option(s) 'ip'" in run("resource create v VIP").err
    assert "invalid option(s) 'bogus'" in run("resource create v VIP ip=1 bogus=2").err
    assert "multiple agents match 'Twin'" in run("resource create t Twin ip=1").err
    ok("resource create v VIP bogus=2 --force")


def test_group_create_add_remove(ok, xml: Xml) -> None:
    ok("resource create a VIP ip=1 --group g")
    ok("resource create c VIP ip=3 --group g")
    ok("resource create b VIP ip=2 --group g --before c")
    assert [p.get("id") for p in xml().findall(".//group[@id='g']/primitive")] == ["a", "b", "c"]
    ok("resource group remove g b")
    root = xml()
    assert [p.get("id") for p in root.findall(".//group[@id='g']/primitive")] == ["a", "c"]
    assert root.find("configuration/resources/primitive[@id='b']") is not None
    ok("resource group add g b --after a")
    assert [p.get("id") for p in xml().findall(".//group[@id='g']/primitive")] == ["a", "b", "c"]
    ok("resource ungroup g")
    assert xml().find(".//group") is None


def test_update_meta_and_ops(ok, xml: Xml) -> None:
    ok("resource create v VIP ip=1 nic=eth0")
    ok("resource update v ip=2 nic= op monitor interval=30s meta priority=5")
    root = xml()
    assert nv(root, ".//primitive[@id='v']/instance_attributes") == {"ip": "2"}
    assert nv(root, ".//primitive[@id='v']/meta_attributes") == {"priority": "5"}
    assert [(o["name"], o["interval"]) for o in ops(root, "v")] == [
        ("monitor", "30s"), ("start", "0s"), ("stop", "0s")]
    ok("resource meta v priority= resource-stickiness=10")
    assert nv(xml(), ".//primitive[@id='v']/meta_attributes") == {"resource-stickiness": "10"}
    ok("resource op add v monitor interval=60s role=Slave")
    ok("resource op remove v monitor interval=30s")
    assert [(o["name"], o["interval"], o.get("role")) for o in ops(xml(), "v")] == [
        ("start", "0s", None), ("stop", "0s", None), ("monitor", "60s", "Unpromoted")]
    ok("resource op remove v-start-interval-0s")
    assert [o["name"] for o in ops(xml(), "v")] == ["stop", "monitor"]


def test_enable_disable_manage(ok, xml: Xml) -> None:
    ok("resource create v VIP ip=1 clone")
    ok("resource disable v")
    assert nv(xml(), ".//primitive[@id='v']/meta_attributes") == {"target-role": "Stopped"}
    ok("resource disable v-clone")
    ok("resource enable v")
    root = xml()
    assert "target-role" not in nv(root, ".//primitive[@id='v']/meta_attributes")
    assert "target-role" not in nv(root, ".//clone[@id='v-clone']/meta_attributes")
    ok("resource unmanage v")
    assert nv(xml(), ".//primitive[@id='v']/meta_attributes") == {"is-managed": "false"}
    ok("resource manage v-clone")
    assert nv(xml(), ".//primitive[@id='v']/meta_attributes") == {}


def test_defaults(ok, xml: Xml) -> None:
    ok("resource defaults resource-stickiness=INFINITY")
    ok("resource op defaults update timeout=45s")
    root = xml()
    assert nv(root, "configuration/rsc_defaults/meta_attributes") == {
        "resource-stickiness": "INFINITY"}
    assert root.find("configuration/rsc_defaults/meta_attributes").get("id") == \
        "rsc_defaults-meta_attributes"
    assert nv(root, "configuration/op_defaults/meta_attributes") == {"timeout": "45s"}
    assert "resource-stickiness=INFINITY" in ok("resource defaults").out


def test_delete_removes_wrappers_and_constraints(ok, xml: Xml) -> None:
    ok("resource create a VIP ip=1 clone")
    ok("resource create b VIP ip=2")
    ok("constraint order start a-clone then b")
    ok("constraint colocation add b with a-clone")
    ok("constraint location a-clone prefers node-1")
    out = ok("resource delete a").out
    assert "a-clone" in out
    root = xml()
    assert root.find(".//clone") is None
    assert len(root.find("configuration/constraints")) == 0


def test_delete_remote_resource_removes_its_node(ok, xml: Xml) -> None:
    ok("resource create compute-1 ocf:pacemaker:remote")
    ok("node attribute compute-1 osprole=compute")
    assert xml().find(".//node[@id='compute-1']").get("type") == "remote"
    ok("resource delete compute-1")
    assert xml().find(".//node[@id='compute-1']") is None


def test_clone_promotable_unclone(ok, xml: Xml) -> None:
    ok("resource create v VIP ip=1")
    ok("resource clone v interleave=true")
    assert nv(xml(), ".//clone[@id='v-clone']/meta_attributes") == {"interleave": "true"}
    ok("constraint location v-clone prefers node-1")
    ok("resource unclone v-clone")
    root = xml()
    assert root.find(".//clone") is None
    assert root.find(".//rsc_location").get("rsc") == "v"
    ok("resource promotable v v-ms")
    assert nv(xml(), ".//clone[@id='v-ms']/meta_attributes") == {"promotable": "true"}


def test_move_ban_clear(run, ok, xml: Xml) -> None:
    ok("resource create v VIP ip=1")
    ok("resource move v node-2")
    ok("resource ban v node-1")
    root = xml()
    prefer = root.find(".//rsc_location[@id='cli-prefer-v']")
    assert prefer is not None and prefer.get("node") == "node-2"
    assert prefer.get("score") == "INFINITY"
    ban = root.find(".//rsc_location[@id='cli-ban-v-on-node-1']")
    assert ban is not None and ban.get("score") == "-INFINITY"
    assert "running cluster" in run("resource move v").err
    ok("resource clear v")
    assert xml().find(".//rsc_location") is None


def test_cleanup_forgets_history(ok, cib, xml: Xml) -> None:
    ok("resource create v VIP ip=1")
    root = xml()
    status = root.find("status")
    status.append(etree.fromstring(
        '<node_state id="1" uname="node-1"><lrm id="1"><lrm_resources>'
        '<lrm_resource id="v" class="ocf" type="VIP" provider="heartbeat"/>'
        '<lrm_resource id="w" class="ocf" type="VIP" provider="heartbeat"/>'
        '</lrm_resources></lrm><transient_attributes id="1"><instance_attributes id="s">'
        '<nvpair id="f" name="fail-count-v#monitor_10000" value="3"/>'
        '</instance_attributes></transient_attributes></node_state>'))
    cib.write_bytes(etree.tostring(root))
    assert "2 history entries" in ok("resource cleanup v").out
    root = xml()
    assert [r.get("id") for r in root.iter("lrm_resource")] == ["w"]


def test_config_text_and_json(ok) -> None:
    ok("resource create v VIP ip=1")
    text = ok("resource config").out
    assert "Resource: v (class=ocf provider=heartbeat type=VIP)" in text
    assert "ip=1" in text
    import json

    data = json.loads(ok("resource config --output json").out)
    assert data["resources"][0]["id"] == "v"


def test_every_command_has_help(run) -> None:
    for path in sorted({cmd.path for cmd in COMMANDS.values()}):
        result = run([*path, "--help"], file=None)
        assert result.rc == 0, path
        assert result.out.startswith("usage: buttress"), path


def test_pcs09_resource_master_order(ok, xml: Xml) -> None:
    ok("resource create db DB")
    ok("resource master db-ms db notify=true")
    assert nv(xml(), ".//clone[@id='db-ms']/meta_attributes") == {
        "notify": "true", "promotable": "true"}

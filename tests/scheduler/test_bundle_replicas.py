"""Bundles expand into per-replica IP, container, guest connection and inner instance."""

from __future__ import annotations

from buttress.cib.reader import parse_cib
from buttress.model.resources import Bundle
from buttress.scheduler import schedule
from buttress.scheduler.unpack import unpack
from buttress.transition.render import render_summary

NOW = 1_700_000_000

_CIB = """<cib have-quorum="1" validate-with="pacemaker-3.7" admin_epoch="0" epoch="1"
num_updates="0"><configuration><crm_config>
<cluster_property_set id="p">
  <nvpair id="p1" name="stonith-enabled" value="false"/>
</cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources>
  <bundle id="web">
    <podman image="img" replicas="{replicas}" replicas-per-host="{per_host}" {promoted}/>
    <network ip-range-start="10.0.0.254" host-interface="eth0" host-netmask="24"
             control-port="3121"/>
    <primitive id="httpd" class="ocf" provider="heartbeat" type="apache"/>
  </bundle>
  <bundle id="plain"><docker image="img2"/></bundle>
</resources><constraints>{constraints}</constraints></configuration><status>
<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
</status></cib>"""


def _cib(replicas: int = 2, per_host: int = 1, promoted: str = "", constraints: str = ""
         ) -> str:
    return _CIB.format(replicas=replicas, per_host=per_host, promoted=promoted,
                       constraints=constraints)


def test_reader_keeps_container_and_network_settings() -> None:
    cib = parse_cib(_cib(replicas=3, per_host=2, promoted='promoted-max="1"'))
    bundle = cib.configuration.resources[0]
    assert isinstance(bundle, Bundle)
    assert bundle.container == "podman"
    assert bundle.replica_count == 3
    assert bundle.replicas_per_host == 2
    assert bundle.promoted_max == 1
    network = bundle.network
    assert network is not None
    assert network.ip_range_start == "10.0.0.254" and network.control_port == "3121"


def test_replicas_are_named_as_pacemaker_names_them() -> None:
    cluster = unpack(parse_cib(_cib()), NOW)
    for name in ("web-ip-10.0.0.254", "web-ip-10.0.1.1", "web-podman-0", "web-podman-1",
                 "web-0", "web-1", "httpd:0", "httpd:1", "web-clone", "plain-docker-0"):
        assert name in cluster.by_id, name
    assert {"web-0", "web-1"} <= {n.name for n in cluster.nodes if n.kind == "guest"}
    assert "plain-0" not in cluster.node_by_name   # no primitive: no guest node


def test_start_lists_each_replica_in_turn_on_separate_hosts() -> None:
    text = render_summary(schedule(parse_cib(_cib()), NOW))
    words = [line.split()[2] for line in text.splitlines() if "Start" in line]
    assert words == ["web-ip-10.0.0.254", "web-podman-0", "web-0", "httpd:0",
                     "web-ip-10.0.1.1", "web-podman-1", "web-1", "httpd:1",
                     "plain-docker-0"]
    hosts = {line.split()[2]: line.split()[4] for line in text.splitlines() if "Start" in line}
    assert hosts["web-podman-0"] != hosts["web-podman-1"]
    assert hosts["httpd:0"] == "web-0" and hosts["httpd:1"] == "web-1"


def test_replicas_per_host_limits_containers_per_node() -> None:
    ban = '<rsc_location id="l" rsc="web" node="n2" score="-INFINITY"/>'
    text = render_summary(schedule(parse_cib(_cib(replicas=2, per_host=1,
                                                  constraints=ban)), NOW))
    started = [line.split()[2] for line in text.splitlines() if "Start" in line]
    assert started.count("web-podman-0") + started.count("web-podman-1") == 1
    text = render_summary(schedule(parse_cib(_cib(replicas=2, per_host=2,
                                                  constraints=ban)), NOW))
    assert "web-podman-1" in text and "web-podman-0" in text


def test_promotable_bundle_promotes_inner_instance_on_its_guest() -> None:
    cluster_cib = parse_cib(_cib(promoted='promoted-max="1"'))
    assert "web-master" in unpack(cluster_cib, NOW).by_id


def test_other_resources_stay_off_bundle_guests_and_do_not_count_them() -> None:
    text = _cib().replace(
        '<bundle id="plain">',
        '<clone id="c"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>'
        '</clone><bundle id="plain">')
    cluster = unpack(parse_cib(text), NOW)
    assert cluster.by_id["c"].extra["clone_max"] == 2    # n1, n2: not web-0, web-1
    summary = render_summary(schedule(parse_cib(text), NOW))
    hosts = {line.split()[2]: line.split()[4] for line in summary.splitlines()}
    assert hosts["d:0"] in ("n1", "n2") and hosts["d:1"] in ("n1", "n2")


def test_connection_and_instance_stay_placed_when_the_container_cannot_run() -> None:
    ban = ('<rsc_location id="l1" rsc="web" node="n1" score="-INFINITY"/>'
           '<rsc_location id="l2" rsc="web" node="n2" score="-INFINITY"/>')
    text = render_summary(schedule(parse_cib(_cib(replicas=1, constraints=ban)), NOW))
    assert "Start      web-0" in text and "unrunnable web-podman-0 start (blocked)" in text
    assert "httpd:0" in text


def test_no_promotion_in_a_replica_whose_container_cannot_run() -> None:
    ban = ('<rsc_location id="l1" rsc="web" node="n1" score="-INFINITY"/>'
           '<rsc_location id="q0" rsc="web" role="Promoted" node="web-0" score="50"/>'
           '<rsc_location id="q1" rsc="web" role="Promoted" node="web-1" score="100"/>')
    text = render_summary(schedule(parse_cib(_cib(promoted='promoted-max="1"',
                                                  constraints=ban)), NOW))
    # replica 1 has no host left: its instance, preferred, is not promoted; replica 0's is
    assert "Promote    httpd:0           ( Stopped -> Promoted web-0 )" in text
    assert "Promoted web-1" not in text


def test_replica_addresses_count_up_in_the_last_octet_from_1_to_254() -> None:
    from buttress.model.resources import BundleNetwork
    from buttress.scheduler.bundle import replica_address

    def bundle(start: str) -> Bundle:
        return Bundle(id="b", container="docker", image="i", replicas=4,
                      network=BundleNetwork(ip_range_start=start))

    assert [replica_address(bundle("10.0.0.253"), i) for i in range(4)] == [
        "10.0.0.253", "10.0.0.254", "10.0.1.1", "10.0.1.2"]
    assert replica_address(bundle("10.0.255.254"), 1) is None
    assert replica_address(bundle("fd00::fffe"), 0) == "fd00::fffe"
    assert replica_address(Bundle(id="b", container="docker", image="i"), 0) is None


def test_a_bundle_placed_nowhere_blocks_what_is_colocated_with_it() -> None:
    text = _cib(replicas=1).replace(
        '<bundle id="plain"><docker image="img2"/></bundle>',
        '<bundle id="plain"><meta_attributes id="pm"><nvpair id="pm1" name="target-role" '
        'value="Stopped"/></meta_attributes><docker image="img2"/></bundle>')
    coloc = '<rsc_colocation id="c" rsc="web" with-rsc="plain" score="INFINITY"/>'
    summary = render_summary(schedule(parse_cib(text.replace(
        "<constraints></constraints>", f"<constraints>{coloc}</constraints>")), NOW))
    assert "web-podman-0" not in summary   # no container where the primary is not
    lines = {line.split()[2]: line for line in summary.splitlines()}
    for name in ("web-0", "httpd:0"):   # they stay placed, their starts blocked
        assert lines[name].endswith("due to colocation with plain-docker-0 (blocked)")


def test_colocation_with_the_promoted_role_follows_the_promoted_replica_host() -> None:
    vip = ('<primitive id="vip" class="ocf" provider="heartbeat" type="IPaddr2"/>'
           '<bundle id="plain">')
    cons = ('<rsc_location id="q1" rsc="web" role="Promoted" node="web-1" score="100"/>'
            '<rsc_colocation id="c" rsc="vip" with-rsc="web" with-rsc-role="Promoted" '
            'score="INFINITY"/>')
    text = _cib(promoted='promoted-max="1"', constraints=cons).replace(
        '<bundle id="plain">', vip)
    lines = {line.split()[2]: line for line in render_summary(
        schedule(parse_cib(text), NOW)).splitlines()}
    host = lines["web-podman-1"].split()[4]
    assert "Promoted web-1" in lines["httpd:1"] and lines["vip"].split()[4] == host


def test_replicas_share_a_host_only_with_addresses_of_their_own() -> None:
    from buttress.model.resources import BundleNetwork
    from buttress.scheduler.bundle import per_host

    def bundle(start: str | None) -> Bundle:
        return Bundle(id="b", container="docker", image="i", replicas=4, replicas_per_host=2,
                      network=BundleNetwork(ip_range_start=start, control_port="3121"))

    assert per_host(bundle("10.0.0.1")) == 2
    assert per_host(bundle(None)) == 1


def test_an_instance_left_on_a_dropped_replica_guest_is_an_orphan() -> None:
    history = ('<node_state id="web-2" uname="web-2" remote_node="true" in_ccm="true">'
               '<lrm id="web-2"><lrm_resources>'
               '<lrm_resource id="httpd" class="ocf" provider="heartbeat" type="apache">'
               '<lrm_rsc_op id="h" operation="start" call-id="3" rc-code="0" op-status="0"'
               ' interval="0" transition-key="1:1:0:x"/></lrm_resource>'
               '</lrm_resources></lrm></node_state></status>')
    host = ('<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" '
            'expected="member"><lrm id="1"><lrm_resources>'
            '<lrm_resource id="web-podman-2" class="ocf" provider="heartbeat" type="podman">'
            '<lrm_rsc_op id="d" operation="start" call-id="1" rc-code="0" op-status="0"'
            ' interval="0" transition-key="1:1:0:x"/></lrm_resource>'
            '<lrm_resource id="web-2" class="ocf" provider="pacemaker" type="remote"'
            ' container="web-podman-2"><lrm_rsc_op id="c" operation="start" call-id="2"'
            ' rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"/>'
            '</lrm_resource></lrm_resources></lrm></node_state>')
    text = _cib(replicas=2).replace("</status>", history).replace(
        '<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" '
        'expected="member"/>', host)
    cluster = unpack(parse_cib(text), NOW)
    orphan = cluster.by_id["httpd"]
    assert orphan.orphan and [n.name for n in orphan.running_on] == ["web-2"]

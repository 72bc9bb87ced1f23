"""Bundle containers on remote nodes: allowed, but new replicas lean to cluster nodes."""

from __future__ import annotations

from buttress.cib.reader import parse_cib
from buttress.scheduler import schedule
from buttress.transition.render import render_summary

NOW = 1_700_000_000

_CIB = """<cib have-quorum="1" validate-with="pacemaker-3.7" admin_epoch="0" epoch="1"
num_updates="0"><configuration><crm_config><cluster_property_set id="p">
<nvpair id="p1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources>
  <primitive id="r1" class="ocf" provider="pacemaker" type="remote"/>
  <bundle id="web">
    <docker image="img" replicas="{replicas}" network="host"/>{network}
    <primitive id="httpd" class="ocf" provider="heartbeat" type="apache"/>
  </bundle>
</resources><constraints/></configuration><status>
<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
<lrm id="1"><lrm_resources>
<lrm_resource id="r1" class="ocf" provider="pacemaker" type="remote">
<lrm_rsc_op id="r1_last_0" operation_key="r1_start_0" operation="start" call-id="1"
 rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x"
 op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>
</lrm_resources></lrm></node_state>
<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
<node_state id="r1" uname="r1" remote_node="true" in_ccm="true"/>
</status></cib>"""

_NETWORK = '<network control-port="3121"/>'


def _hosts(replicas: int, network: str = _NETWORK) -> dict[str, str]:
    text = render_summary(schedule(parse_cib(_CIB.format(replicas=replicas,
                                                         network=network)), NOW))
    return {line.split()[2]: line.split()[4] for line in text.splitlines()}


def test_new_containers_prefer_cluster_nodes_and_use_a_remote_node_last() -> None:
    hosts = _hosts(3)
    assert {hosts["web-docker-0"], hosts["web-docker-1"]} == {"n1", "n2"}
    assert hosts["web-docker-2"] == "r1"
    # the connection into a container on a remote node runs where that node's does
    assert hosts["web-2"] == "n1"


def test_a_bundle_whose_primitive_cannot_be_reached_is_ignored() -> None:
    assert not any(name.startswith("web") for name in _hosts(1, network=""))

"""Bundles in the status display: one line per replica under a "Container bundle" header."""

from __future__ import annotations

from buttress.cib.reader import parse_cib
from buttress.transition.status_text import render_status

NOW = 1_700_000_000

_CIB = """<cib have-quorum="1" validate-with="pacemaker-3.0" admin_epoch="0" epoch="1"
num_updates="0"><configuration><crm_config/>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources>
  <bundle id="web">
    <podman image="img:1" replicas="{replicas}"/>
    <network ip-range-start="10.0.0.5" control-port="3121"/>
    <primitive id="httpd" class="ocf" provider="heartbeat" type="apache"/>
  </bundle>
  <bundle id="plain"><docker image="img2"/></bundle>
</resources><constraints/></configuration><status>
<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
<lrm id="1"><lrm_resources>
<lrm_resource id="web-podman-0" class="ocf" provider="heartbeat" type="podman">
<lrm_rsc_op id="a" operation="start" call-id="1" rc-code="0" op-status="0" interval="0"
 transition-key="1:1:0:x"/></lrm_resource>
<lrm_resource id="web-0" class="ocf" provider="pacemaker" type="remote">
<lrm_rsc_op id="b" operation="start" call-id="2" rc-code="0" op-status="0" interval="0"
 transition-key="1:1:0:x"/></lrm_resource>
</lrm_resources></lrm></node_state>
<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
<node_state id="web-0" uname="web-0" remote_node="true" in_ccm="true">
<lrm id="web-0"><lrm_resources>
<lrm_resource id="httpd" class="ocf" provider="heartbeat" type="apache">
<lrm_rsc_op id="c" operation="start" call-id="3" rc-code="0" op-status="0" interval="0"
 transition-key="1:1:0:x"/></lrm_resource>
</lrm_resources></lrm></node_state>
</status></cib>"""


def test_replicas_print_their_guest_address_inner_agent_and_host() -> None:
    text = render_status(parse_cib(_CIB.format(replicas=2)), NOW)
    assert "* Container bundle set: web [img:1]:" in text
    assert "* web-0 (10.0.0.5)\t(ocf:heartbeat:apache):\t Started n1" in text
    assert "* web-1 (10.0.0.6)\t(ocf:heartbeat:apache):\t Stopped" in text
    assert "* Container bundle: plain [img2]:" in text
    assert "* plain-docker-0\t(ocf:heartbeat:docker):\t Stopped" in text
    assert "GuestOnline: [ web-0 ]" in text

"""An order after a promotable clone's promotion waits for its "promoted" summary action."""

from __future__ import annotations

from buttress.cib.reader import parse_cib
from buttress.scheduler import schedule
from buttress.scheduler.digests import digest
from buttress.transition.render import render_summary

NOW = 1_700_000_000

_CIB = """<cib have-quorum="1" validate-with="pacemaker-3.7" admin_epoch="0" epoch="1"
num_updates="0"><configuration><crm_config><cluster_property_set id="p">
<nvpair id="p1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
<resources>
  <clone id="ms"><meta_attributes id="msm"><nvpair id="msm1" name="promotable" value="true"/>
  </meta_attributes><primitive id="st" class="ocf" provider="pacemaker" type="Stateful"/>
  </clone>
  <primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>
</resources><constraints><rsc_order id="o1" first="ms" first-action="promote" then="d"
then-action="start"/></constraints></configuration><status>
{n1}
<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
</status></cib>"""

_IDLE = '<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" ' \
        'expected="member"/>'

_PROMOTED = ('<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" '
             'expected="member"><transient_attributes id="1"><instance_attributes id="s1">'
             '<nvpair id="s1a" name="master-st" value="10"/></instance_attributes>'
             '</transient_attributes><lrm id="1"><lrm_resources><lrm_resource id="st" '
             'class="ocf" provider="pacemaker" type="Stateful"><lrm_rsc_op id="st_last_0" '
             'operation="promote" call-id="2" rc-code="0" op-status="0" interval="0" '
             f'op-digest="{digest({})}" transition-key="1:1:0:x"/></lrm_resource>'
             '</lrm_resources></lrm></node_state>')


def _lines(n1: str) -> dict[str, str]:
    text = render_summary(schedule(parse_cib(_CIB.format(n1=n1)), NOW))
    return {line.split()[2]: line for line in text.splitlines()}


def test_nothing_to_promote_blocks_what_follows_the_promotion() -> None:
    assert _lines(_IDLE)["d"].endswith("due to unrunnable ms promoted (blocked)")


def test_an_instance_staying_promoted_lets_it_start() -> None:
    assert "due to" not in _lines(_PROMOTED)["d"]


def test_a_changed_definition_that_cannot_start_again_stops_for_what_blocks_it() -> None:
    cib = """<cib have-quorum="0" validate-with="pacemaker-3.7" admin_epoch="0" epoch="1"
num_updates="0"><configuration><crm_config><cluster_property_set id="p">
<nvpair id="p1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources>
<primitive id="d" class="ocf" provider="pacemaker" type="Dummy"><instance_attributes id="di">
<nvpair id="di1" name="fake" value="2"/></instance_attributes></primitive>
</resources><constraints/></configuration><status>
<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member">
<lrm id="1"><lrm_resources><lrm_resource id="d" class="ocf" provider="pacemaker" type="Dummy">
<lrm_rsc_op id="d_last_0" operation="start" op-digest="aaaa" call-id="2" rc-code="0"
op-status="0" interval="0" transition-key="1:1:0:x"/></lrm_resource></lrm_resources></lrm>
</node_state></status></cib>"""
    text = render_summary(schedule(parse_cib(cib), NOW))
    assert text.strip().endswith("due to no quorum")

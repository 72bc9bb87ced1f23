"""What waits for a notifying clone waits until its instances are notified."""

from __future__ import annotations

from buttress.cib.reader import parse_cib
from buttress.scheduler import schedule
from buttress.transition.render import render_summary

_CIB = """<cib have-quorum="1" validate-with="pacemaker-3.7" admin_epoch="0" epoch="1"
num_updates="0"><configuration><crm_config><cluster_property_set id="p">
<nvpair id="p1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources>
<clone id="c"><meta_attributes id="cm"><nvpair id="cm1" name="notify" value="{notify}"/>
</meta_attributes><primitive id="x" class="ocf" provider="pacemaker" type="Dummy"/></clone>
<primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/>
<primitive id="b" class="ocf" provider="pacemaker" type="Dummy"><meta_attributes id="bm">
<nvpair id="bm1" name="target-role" value="Stopped"/></meta_attributes></primitive>
</resources><constraints><rsc_order id="o0" first="b" then="c"/>
<rsc_order id="o1" first="c" then="d"/></constraints></configuration><status>
<node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
<node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
</status></cib>"""


def _d_line(notify: str) -> str:
    text = render_summary(schedule(parse_cib(_CIB.format(notify=notify)), 1_700_000_000))
    return next(line for line in text.splitlines() if line.split()[2] == "d")


def test_a_notifying_clone_is_named_notified() -> None:
    assert _d_line("true").endswith("due to unrunnable c notified (blocked)")
    assert _d_line("false").endswith("due to unrunnable c running (blocked)")

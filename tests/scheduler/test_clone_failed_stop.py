"""A clone instance whose stop failed, without fencing (observed with crm_simulate 2.1.5):
the instance is blocked where it is and holds no place there, so another instance of the
clone is started on that node if the clone has one to spare. (A blocked monitor failure
keeps its place.)"""

from __future__ import annotations

from sched_cib import summary_of

KEY = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _op(task: str, call: int, rc: int = 0, interval: int = 0, name: str = "last_0") -> str:
    return (f'<lrm_rsc_op id="D_{name}" operation_key="D_{task}_{interval}" '
            f'operation="{task}" call-id="{call}" rc-code="{rc}" op-status="0" '
            f'interval="{interval}" transition-key="{call}:-1:0:{KEY}" '
            f'last-rc-change="1699999880" op-digest="{DIGEST}"/>')


def _cib(failed: str) -> str:
    def lrm(ops: str) -> str:
        return f'<lrm_resource id="D" class="ocf" provider="pacemaker" type="Dummy">{ops}' \
            '</lrm_resource>'

    interval = 0 if failed == "stop" else 10000
    bad = _op(failed, 4, 1, interval, "last_failure_0")
    node1 = (_op("stop", 4, 1) if failed == "stop" else _op("start", 2)) + bad
    states = {"node1": lrm(node1), "node2": lrm(_op("start", 2))}
    block = '<op id="D-mon" name="monitor" interval="10" on-fail="block"/>'
    members = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>{ops}</lrm_resources></lrm>'
        '</node_state>' for n, ops in states.items())
    return ('<cib crm_feature_set="3.16.1" have-quorum="1"><configuration><crm_config>'
            '<cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" '
            'value="false"/></cluster_property_set></crm_config><nodes>'
            '<node id="node1" uname="node1"/><node id="node2" uname="node2"/></nodes>'
            '<resources><clone id="D-clone"><meta_attributes id="D-cm">'
            '<nvpair id="D-cmax" name="clone-max" value="3"/></meta_attributes>'
            '<primitive id="D" class="ocf" provider="pacemaker" type="Dummy">'
            f'<operations>{block}</operations></primitive>'
            f'</clone></resources><constraints/></configuration><status>{members}</status>'
            '</cib>')


def test_instance_with_failed_stop_gives_up_its_node() -> None:
    assert summary_of(_cib("stop")) == ["Start D:2 ( node1 )"]


def test_blocked_monitor_failure_keeps_its_place() -> None:
    assert summary_of(_cib("monitor")) == []

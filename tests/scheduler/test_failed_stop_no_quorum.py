"""Failed stops without quorum (observed with crm_simulate 2.1.5).

A member still in the partition whose stop failed is fenced even without quorum (only
nodes out of sight might belong to a partition that has quorum); the instance that failed
there holds no place, so another instance of its clone takes a node instead. A stop that
failed for good (not installed) on a lost node that cannot be fenced leaves the resource
blocked there, with nothing to do; a stop that merely failed is still a blocked stop.
"""

from __future__ import annotations

from sched_cib import summary_of

KEY = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"
FENCE = '<primitive id="Fencing" class="stonith" type="fence_xvm"/>'


def _op(rsc: str, task: str, call: int, rc: int = 0, name: str = "last_0") -> str:
    expected = 7 if task == "monitor" else 0
    return (f'<lrm_rsc_op id="{rsc}_{name}" operation_key="{rsc}_{task}_0" '
            f'operation="{task}" call-id="{call}" rc-code="{rc}" op-status="0" '
            f'interval="0" transition-key="{call}:-1:{expected}:{KEY}" '
            f'last-rc-change="1699999880" op-digest="{DIGEST}"/>')


def _lrm(rsc: str, ops: str, kind: str = 'class="ocf" provider="pacemaker" type="Dummy"') -> str:
    return f'<lrm_resource id="{rsc}" {kind}>{ops}</lrm_resource>'


def _cib(clone: bool, failed_on: str, rc: int) -> str:
    rsc = '<primitive id="D" class="ocf" provider="pacemaker" type="Dummy"/>'
    if clone:
        rsc = f'<clone id="D-clone">{rsc}</clone>'
    lost = failed_on == "node3"
    states = []
    for n in ("node1", "node2", "node3"):
        ops = _lrm("D", _op("D", "stop", 4, rc) + _op("D", "stop", 4, rc, "last_failure_0")) \
            if n == failed_on else _lrm("D", _op("D", "monitor", 1, 7))
        up = not (lost and n == "node3")
        flags = ('in_ccm="true" crmd="online" join="member" expected="member"' if up
                 else 'in_ccm="false" crmd="offline" join="down" expected="member"')
        states.append(f'<node_state id="{n}" uname="{n}" {flags}><lrm id="{n}"><lrm_resources>'
                      f'{ops}</lrm_resources></lrm></node_state>')
    nodes = "".join(f'<node id="{n}" uname="{n}"/>' for n in ("node1", "node2", "node3"))
    return ('<cib crm_feature_set="3.16.1" have-quorum="0"><configuration><crm_config/>'
            f'<nodes>{nodes}</nodes><resources>{FENCE}{rsc}</resources><constraints/>'
            f'</configuration><status>{"".join(states)}</status></cib>')


def test_member_in_partition_with_failed_stop_is_fenced_without_quorum() -> None:
    assert summary_of(_cib(clone=True, failed_on="node2", rc=1)) == [
        "Fence (reboot) node2 'D:0 failed there'",
        "Start Fencing ( node1 ) due to no quorum (blocked)",
        "Stop D:0 ( node2 ) due to node availability",
        "Start D:1 ( node3 ) due to no quorum (blocked)",
        "Start D:2 ( node1 ) due to no quorum (blocked)",
    ]


def test_stop_failed_for_good_on_unfenceable_lost_node_is_left_alone() -> None:
    fencing = "Start Fencing ( node1 ) due to no quorum (blocked)"
    assert summary_of(_cib(clone=False, failed_on="node3", rc=5)) == [fencing]
    assert summary_of(_cib(clone=False, failed_on="node3", rc=1)) == [
        fencing, "Stop D ( node3 ) due to no quorum (blocked)"]

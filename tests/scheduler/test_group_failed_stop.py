"""A group member whose stop failed, without fencing (observed with crm_simulate 2.1.5): the
member is banned from its node but blocked there, so the group is placed elsewhere; the
members before it must stop first, and each stop waits for the blocked one after it, so
none can run ("due to unrunnable <next member> stop"); the members after it cannot start
there after it. A primitive alone stays as it is."""

from __future__ import annotations

from sched_cib import summary_of

KEY = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"


def _op(rsc: str, task: str, call: int, rc: int = 0, name: str = "last_0") -> str:
    return (f'<lrm_rsc_op id="{rsc}_{name}" operation_key="{rsc}_{task}_0" '
            f'operation="{task}" call-id="{call}" rc-code="{rc}" op-status="0" '
            f'interval="0" transition-key="{call}:-1:0:{KEY}" '
            f'last-rc-change="1699999880" op-digest="{DIGEST}"/>')


def _lrm(rsc: str, ops: str) -> str:
    return f'<lrm_resource id="{rsc}" class="ocf" provider="pacemaker" type="Dummy">{ops}' \
        '</lrm_resource>'


def _cib(grouped: bool, failed: str = "C") -> str:
    prims = "".join(f'<primitive id="{r}" class="ocf" provider="pacemaker" type="Dummy"/>'
                    for r in ("A", "B", "C"))
    resources = f'<group id="G">{prims}</group>' if grouped else prims
    ops = "".join(
        _lrm(r, _op(r, "stop", 4, 1) + _op(r, "stop", 4, 1, "last_failure_0")) if r == failed
        else _lrm(r, _op(r, "start", 2)) for r in ("A", "B", "C"))
    members = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>{ops if n == "node1" else ""}'
        '</lrm_resources></lrm></node_state>' for n in ("node1", "node2"))
    return ('<cib crm_feature_set="3.16.1" have-quorum="1"><configuration><crm_config>'
            '<cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" '
            'value="false"/></cluster_property_set></crm_config><nodes>'
            '<node id="node1" uname="node1"/><node id="node2" uname="node2"/></nodes>'
            f'<resources>{resources}</resources><constraints/></configuration>'
            f'<status>{members}</status></cib>')


def test_members_before_a_failed_stop_cannot_stop_either() -> None:
    assert summary_of(_cib(grouped=True)) == [
        "Stop A ( node1 ) due to unrunnable B stop (blocked)",
        "Stop B ( node1 ) due to unrunnable C stop (blocked)",
    ]


def test_primitive_with_failed_stop_stays_as_it_is() -> None:
    assert summary_of(_cib(grouped=False)) == ["Move B ( node1 -> node2 )"]


def test_members_after_a_failed_stop_cannot_start_elsewhere() -> None:
    lines = summary_of(_cib(grouped=True, failed="A"))
    assert lines[0] == "Stop B ( node1 ) due to unrunnable A start"
    # (Pacemaker gives C "due to required B start")
    assert lines[1].startswith("Stop C ( node1 ) due to ")

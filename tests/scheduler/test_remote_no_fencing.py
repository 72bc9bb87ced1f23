"""A remote node whose connection failed, or is down, while fencing is disabled (observed
with crm_simulate 2.1.5): the node is merely offline, not unclean, and what its own status
says it runs counts as stopped; only the connection is recovered (or started, and what
belongs there started after it). With fencing, the node is fenced and its resources stop
first."""

from __future__ import annotations

from sched_cib import summary_of

KEY = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"


def _op(rsc: str, task: str, call: int, rc: int = 0, interval: int = 0,
        suffix: str = "last_0") -> str:
    expected = 7 if task == "monitor" and interval == 0 else 0
    return (f'<lrm_rsc_op id="{rsc}_{suffix}" operation_key="{rsc}_{task}_{interval}" '
            f'operation="{task}" call-id="{call}" rc-code="{rc}" op-status="0" '
            f'interval="{interval}" transition-key="{call}:-1:{expected}:{KEY}" '
            'last-rc-change="1699999880"/>')


def _cib(fencing: bool, connected: bool = True) -> str:
    conn_ops = (_op("rem1", "start", 2) + _op("rem1", "monitor", 3, 0, 20000, "monitor_20000")
                + _op("rem1", "monitor", 4, 1, 20000, "last_failure_0")) if connected \
        else _op("rem1", "monitor", 1, 7)
    dummy = ('<lrm_resource id="d1" class="ocf" provider="pacemaker" type="Dummy">'
             f'{_op("d1", "start", 2)}</lrm_resource>')
    enabled = "true" if fencing else "false"
    members = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>'
        + ('<lrm_resource id="rem1" class="ocf" provider="pacemaker" type="remote">'
           f'{conn_ops}</lrm_resource>' if n == "node1" else
           f'<lrm_resource id="fence" class="stonith" type="fence_xvm">{_op("fence", "start", 2)}'
           '</lrm_resource>')
        + '</lrm_resources></lrm></node_state>' for n in ("node1", "node2"))
    return ('<cib crm_feature_set="3.16.1" have-quorum="1"><configuration><crm_config>'
            f'<cluster_property_set id="o"><nvpair id="o1" name="stonith-enabled" '
            f'value="{enabled}"/></cluster_property_set></crm_config><nodes>'
            '<node id="node1" uname="node1"/><node id="node2" uname="node2"/></nodes>'
            '<resources><primitive id="fence" class="stonith" type="fence_xvm"/>'
            '<primitive id="rem1" class="ocf" provider="pacemaker" type="remote">'
            '<operations><op id="rem1-mon" name="monitor" interval="20"/></operations>'
            '</primitive><primitive id="d1" class="ocf" provider="pacemaker" type="Dummy"/>'
            '</resources><constraints><rsc_location id="d1-only-rem1" rsc="d1" '
            'node="rem1" score="INFINITY"/><rsc_location id="d1-not1" rsc="d1" '
            'node="node1" score="-INFINITY"/><rsc_location id="d1-not2" rsc="d1" '
            'node="node2" score="-INFINITY"/></constraints></configuration><status>'
            f'{members}<node_state id="rem1" uname="rem1" in_ccm="false" crmd="online" '
            f'join="member" expected="member"><lrm id="rem1"><lrm_resources>{dummy}'
            '</lrm_resources></lrm></node_state></status></cib>')


def _lines(text: str) -> list[str]:
    # (the fence device's history has no digest: Pacemaker restarts it, which is not
    # what these tests are about)
    return [line for line in summary_of(text) if not line.startswith("Restart fence ")]


def test_failed_connection_without_fencing_only_recovers_the_connection() -> None:
    assert _lines(_cib(fencing=False)) == ["Recover rem1 ( node1 )"]


def test_failed_connection_with_fencing_fences_the_node() -> None:
    assert _lines(_cib(fencing=True)) == [
        "Fence (reboot) rem1 'remote connection is unrecoverable'",
        "Recover rem1 ( node1 )",
        "Stop d1 ( rem1 ) due to node availability",
    ]


def test_connection_down_without_fencing_starts_what_the_node_seemed_to_run() -> None:
    assert _lines(_cib(fencing=False, connected=False)) == [
        "Start rem1 ( node1 )", "Start d1 ( rem1 )"]

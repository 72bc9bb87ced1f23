"""A remote node whose connection is down while its own status says resources are active
there (observed with crm_simulate 2.1.5): if a cluster node can re-establish the
connection, nothing is fenced, the resources count as still active there and the connection
is started; if none can, the node is fenced ("<resource> is active there (fencing will be
revoked if remote connection can be re-established elsewhere)"). If the connection's start
failed instead, the node is fenced ("<resource> is thought to be active there") and the
connection recovered; a start failure without a fail count bans no node."""

from __future__ import annotations

from sched_cib import last_op, summary_of

_op = last_op


def _cib(standby: bool, failed_start: bool = False) -> str:
    attrs = ('<instance_attributes id="n1-a"><nvpair id="n1-sb" name="standby" value="on"/>'
             '</instance_attributes>') if standby else ""
    conn_ops = _op("rem1", "start", 5, 1) if failed_start else _op("rem1", "monitor", 1, 7)
    members = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>'
        '<lrm_resource id="rem1" class="ocf" provider="pacemaker" type="remote">'
        f'{conn_ops}</lrm_resource>'
        '</lrm_resources></lrm></node_state>' for n in ("node1",))
    remote = ('<node_state id="rem1" uname="rem1" remote_node="true"><lrm id="rem1">'
              '<lrm_resources><lrm_resource id="fake" class="ocf" provider="pacemaker" '
              f'type="Dummy">{_op("fake", "start", 2)}</lrm_resource></lrm_resources></lrm>'
              '</node_state>')
    return ('<cib crm_feature_set="3.16.1" have-quorum="1"><configuration><crm_config/>'
            f'<nodes><node id="node1" uname="node1">{attrs}</node></nodes><resources>'
            '<primitive id="shooter" class="stonith" type="fence_xvm"/>'
            '<primitive id="rem1" class="ocf" provider="pacemaker" type="remote"/>'
            '<primitive id="fake" class="ocf" provider="pacemaker" type="Dummy"/>'
            '</resources><constraints/></configuration>'
            f'<status>{members}{remote}</status></cib>')


def test_connection_that_can_come_back_is_started_without_fencing() -> None:
    assert summary_of(_cib(standby=False)) == ["Start shooter ( node1 )", "Start rem1 ( node1 )"]


def test_connection_with_nowhere_to_go_gets_its_node_fenced() -> None:
    assert summary_of(_cib(standby=True)) == [
        "Fence (reboot) rem1 'fake is active there (fencing will be revoked if remote "
        "connection can be re-established elsewhere)'",
        "Stop fake ( rem1 ) due to node availability",
    ]


def test_failed_connection_start_gets_its_node_fenced() -> None:
    assert summary_of(_cib(standby=False, failed_start=True)) == [
        "Fence (reboot) rem1 'fake is thought to be active there'",
        "Start shooter ( node1 )",
        "Recover rem1 ( node1 )",
        "Move fake ( rem1 -> node1 )",
    ]

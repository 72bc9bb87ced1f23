"""A connection up on a lost cluster node that cannot be re-established elsewhere (observed
with crm_simulate 2.1.5): its remote node is fenced if its status says resources are
active there ("resources are active but connection is unrecoverable") or says nothing of
them ("resources are in unknown state ..."); with nothing active there it is just gone.
A connection whose start failed and that can start nowhere else gets its node fenced too
("the connection is unrecoverable"). A start or stop succeeds only with rc 0, whatever the
transition key says."""

from __future__ import annotations

from sched_cib import last_op, summary_of

_op = last_op
KEY = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"  # the transition keys last_op writes


def _lrm(rsc: str, ops: str, kind: str = 'class="ocf" provider="pacemaker" type="Dummy"') -> str:
    return f'<lrm_resource id="{rsc}" {kind}>{ops}</lrm_resource>'


def _cib(remote_lrm: str | None) -> str:
    conn_kind = 'class="ocf" provider="pacemaker" type="remote"'
    fence_kind = 'class="stonith" type="fence_xvm"'
    node1 = _lrm("rem1", _op("rem1", "start", 2), conn_kind)
    node2 = _lrm("shooter", _op("shooter", "start", 2), fence_kind)
    remote = "" if remote_lrm is None else \
        f'<lrm id="rem1"><lrm_resources>{remote_lrm}</lrm_resources></lrm>'
    status = (
        '<node_state id="node1" uname="node1" in_ccm="false" crmd="offline" join="down" '
        f'expected="member"><lrm id="node1"><lrm_resources>{node1}</lrm_resources></lrm>'
        '</node_state><node_state id="node2" uname="node2" in_ccm="true" crmd="online" '
        f'join="member" expected="member"><lrm id="node2"><lrm_resources>{node2}'
        '</lrm_resources></lrm></node_state>'
        f'<node_state id="rem1" uname="rem1" remote_node="true" in_ccm="true">{remote}'
        '</node_state>')
    return ('<cib crm_feature_set="3.16.1" have-quorum="1"><configuration><crm_config/>'
            '<nodes><node id="node1" uname="node1"/><node id="node2" uname="node2"/></nodes>'
            '<resources><primitive id="shooter" class="stonith" type="fence_xvm"/>'
            '<primitive id="rem1" class="ocf" provider="pacemaker" type="remote"/>'
            '<primitive id="fake" class="ocf" provider="pacemaker" type="Dummy"/>'
            '</resources><constraints><rsc_location id="rem1-not2" rsc="rem1" node="node2" '
            'score="-INFINITY"/></constraints></configuration>'
            f'<status>{status}</status></cib>')


def _fences(text: str) -> list[str]:
    return [line for line in summary_of(text) if line.startswith("Fence")]


def test_active_resources_get_the_node_fenced() -> None:
    assert _fences(_cib(_lrm("fake", _op("fake", "start", 2)))) == [
        "Fence (reboot) rem1 'resources are active but connection is unrecoverable'",
        "Fence (reboot) node1 'peer is no longer part of the cluster'",
    ]


def test_unknown_resources_get_the_node_fenced() -> None:
    assert _fences(_cib(None))[0] == \
        "Fence (reboot) rem1 'resources are in unknown state and connection is unrecoverable'"


def test_nothing_active_means_nothing_to_fence_there() -> None:
    assert _fences(_cib(_lrm("fake", _op("fake", "monitor", 1, 7)))) == [
        "Fence (reboot) node1 'peer is no longer part of the cluster'"]


def _failed_start_cib() -> str:
    conn_kind = 'class="ocf" provider="pacemaker" type="remote"'
    fence_kind = 'class="stonith" type="fence_xvm"'
    # (crm_simulate records an injected failure as expected: the start still failed)
    failed = _op("rem1", "start", 2, 1).replace(f"2:-1:0:{KEY}", f"2:-1:1:{KEY}")
    status = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>{ops}</lrm_resources></lrm>'
        f'{attrs}</node_state>'
        for n, ops, attrs in (
            ("node1", _lrm("rem1", failed, conn_kind),
             '<transient_attributes id="node1"><instance_attributes id="s1"><nvpair id="fc" '
             'name="fail-count-rem1#start_0" value="INFINITY"/></instance_attributes>'
             '</transient_attributes>'),
            ("node2", _lrm("shooter", _op("shooter", "start", 2), fence_kind), "")))
    return ('<cib crm_feature_set="3.16.1" have-quorum="1"><configuration><crm_config/>'
            '<nodes><node id="node1" uname="node1"/><node id="node2" uname="node2"/></nodes>'
            '<resources><primitive id="shooter" class="stonith" type="fence_xvm"/>'
            '<primitive id="rem1" class="ocf" provider="pacemaker" type="remote"/>'
            '</resources><constraints><rsc_location id="rem1-not2" rsc="rem1" node="node2" '
            'score="-INFINITY"/></constraints></configuration>'
            f'<status>{status}<node_state id="rem1" uname="rem1" remote_node="true" '
            'in_ccm="true" node_fenced="0"/></status></cib>')


def test_failed_start_with_nowhere_else_to_go_fences_the_node() -> None:
    assert summary_of(_failed_start_cib()) == [
        "Fence (reboot) rem1 'the connection is unrecoverable'",
        "Stop rem1 ( node1 ) due to node availability",
    ]

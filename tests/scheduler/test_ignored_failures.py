"""on-fail=ignore (checked on crm_simulate): what an ignored failure still does.

A failure the configuration ignores does not keep the resource off the node either, even
a hard one (rc 5 from the agent); but an agent the executor could not find at all (execution
status "not installed") cannot be ignored: the resource is recovered on another node. An
ignored failed stop counts as a stop that succeeded. A resource with an ignored failure is
not moved by its fail counts (migration-threshold) either.
"""

from __future__ import annotations

from sched_cib import cib, summary_of

_RSC = ('<primitive id="r" class="ocf" provider="pacemaker" type="Dummy"><operations>'
        '<op id="r-mon" name="monitor" interval="10s" on-fail="ignore"/></operations>'
        '</primitive>')


def _history(op_status: int) -> str:
    return ('<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
            '<lrm_rsc_op id="r_last_0" operation_key="r_start_0" operation="start" '
            'call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" '
            'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>'
            '<lrm_rsc_op id="r_last_failure_0" operation_key="r_monitor_10000" '
            f'operation="monitor" call-id="3" rc-code="5" op-status="{op_status}" '
            'interval="10000" transition-key="2:1:0:x"/></lrm_resource>')


def test_ignored_not_installed_result_keeps_the_resource_where_it_is() -> None:
    assert summary_of(cib(_RSC, {"node1": _history(0)})) == []


def test_missing_agent_is_recovered_elsewhere_despite_ignore() -> None:
    assert summary_of(cib(_RSC, {"node1": _history(7)})) == ["Recover r ( node1 -> node2 )"]


def test_ignored_failed_stop_counts_as_stopped() -> None:
    rsc = ('<primitive id="r" class="ocf" provider="pacemaker" type="Dummy"><operations>'
           '<op id="r-stop" name="stop" interval="0" on-fail="ignore"/></operations>'
           '</primitive>')
    history = ('<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
               '<lrm_rsc_op id="r_last_0" operation_key="r_stop_0" operation="stop" '
               'call-id="3" rc-code="1" op-status="0" interval="0" transition-key="1:1:0:x" '
               'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>')
    prefer = '<rsc_location id="l" rsc="r" node="node2" score="100"/>'
    # it starts again, on the node it failed on as well as any other
    assert summary_of(cib(rsc, {"node2": history}, prefer)) == ["Start r ( node2 )"]


def test_ignored_failure_keeps_fail_counts_from_moving_the_resource() -> None:
    rsc = _RSC.replace("</primitive>", '<meta_attributes id="r-m"><nvpair id="r-mt" '
                       'name="migration-threshold" value="2"/></meta_attributes></primitive>')
    history = _history(0).replace('rc-code="5"', 'rc-code="1"')
    text = cib(rsc, {"node1": history})
    counts = ('<transient_attributes id="t1"><instance_attributes id="t1a"><nvpair id="fc" '
              'name="fail-count-r#monitor_10000" value="2"/></instance_attributes>'
              '</transient_attributes>')
    assert summary_of(text.replace('<lrm id="node1">', f'{counts}<lrm id="node1">')) == []

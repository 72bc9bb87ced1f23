"""A remote connection with reconnect_interval (observed with crm_simulate 2.1.5).

Once such a connection has failed (any failure on record but of a start), its node stays
lost until it is fenced, even with the connection stopped since: the node is fenced
("remote connection is unrecoverable") and the connection waits. The node's ``node_fenced``
stamp says it was fenced; then the connection is started again only once reconnect_interval
has passed since the ``last-failure`` attribute of its fail count. Without reconnect_interval
a stopped failed connection is simply started again.
"""

from __future__ import annotations

from sched_cib import NOW, summary_of


def _cib(reconnect: str = "60", fenced: str = "", fail_attrs: int | None = None,
         failure: str = "monitor") -> str:
    params = (f'<instance_attributes id="rem1-ia"><nvpair id="rem1-ri" '
              f'name="reconnect_interval" value="{reconnect}"/></instance_attributes>'
              if reconnect else "")
    conn = (f'<primitive id="rem1" class="ocf" provider="pacemaker" type="remote">{params}'
            '<operations><op id="rem1-mon" name="monitor" interval="20"/></operations>'
            '</primitive>')
    interval = "20000" if failure == "monitor" else "0"
    key = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    history = ('<lrm_resource id="rem1" class="ocf" provider="pacemaker" type="remote">'
               '<lrm_rsc_op id="rem1_last_0" operation_key="rem1_stop_0" operation="stop" '
               'call-id="5" rc-code="0" '
               f'op-status="0" interval="0" transition-key="1:-1:0:{key}"/>'
               f'<lrm_rsc_op id="rem1_last_failure_0" operation_key="rem1_{failure}_{interval}" '
               f'operation="{failure}" call-id="4" '
               f'rc-code="1" op-status="0" interval="{interval}" transition-key="1:-1:0:{key}" '
               f'last-rc-change="{NOW - 120}"/></lrm_resource>')
    attrs = ""
    if fail_attrs is not None:
        attrs = ('<transient_attributes id="node1"><instance_attributes id="st-1">'
                 '<nvpair id="fc" name="fail-count-rem1#monitor_20000" value="1"/>'
                 f'<nvpair id="lf" name="last-failure-rem1#monitor_20000" value="{fail_attrs}"/>'
                 '</instance_attributes></transient_attributes>')
    stamp = f' node_fenced="{fenced}"' if fenced else ""
    members = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>{history if n == "node1" else ""}'
        f'</lrm_resources></lrm>{attrs if n == "node1" else ""}</node_state>'
        for n in ("node1", "node2"))
    return ('<cib crm_feature_set="3.16.1" have-quorum="1"><configuration><crm_config/><nodes>'
            '<node id="node1" uname="node1"/><node id="node2" uname="node2"/></nodes>'
            f'<resources><primitive id="fence" class="stonith" type="fence_xvm"/>{conn}'
            '</resources><constraints/></configuration><status>'
            f'{members}<node_state id="rem1" uname="rem1" remote_node="true" '
            f'in_ccm="false"{stamp}/></status></cib>')


def _lines(text: str) -> list[str]:
    return [line for line in summary_of(text) if "fence " not in line and "fence (" not in line]


def test_failed_connection_with_reconnect_interval_fences_its_node() -> None:
    assert _lines(_cib()) == ["Fence (reboot) rem1 'remote connection is unrecoverable'"]


def test_failed_start_does_not_lose_the_node() -> None:
    assert _lines(_cib(failure="start")) == ["Start rem1 ( node1 )"]


def test_without_reconnect_interval_the_connection_starts_again() -> None:
    assert _lines(_cib(reconnect="")) == ["Start rem1 ( node1 )"]


def test_fenced_node_waits_for_the_interval_since_the_last_failure() -> None:
    assert _lines(_cib(fenced="1", fail_attrs=NOW - 10)) == []
    assert _lines(_cib(fenced="1", fail_attrs=NOW - 120)) == ["Start rem1 ( node1 )"]
    assert _lines(_cib(fenced="1")) == ["Start rem1 ( node1 )"]

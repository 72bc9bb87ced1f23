"""shutdown-lock: resources stay with a cleanly shut down node (checked on crm_simulate).

A resource active on a node that is shutting down stops there and moves nowhere; one
recorded as locked to a node that is down stays stopped until the lock expires
(``shutdown-lock-limit``); fence devices are never locked.
"""

from __future__ import annotations

from sched_cib import summary_of

NOW = 1_700_000_000
_DIGEST = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"'


def _start(rsc: str, lock: int | None = None, task: str = "start") -> str:
    locked = f' shutdown-lock="{lock}"' if lock is not None else ""
    return (f'<lrm_resource id="{rsc}" class="ocf" provider="pacemaker" type="Dummy"{locked}>'
            f'<lrm_rsc_op id="{rsc}_last_0" operation_key="{rsc}_{task}_0" operation="{task}" '
            f'call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" '
            f'{_DIGEST}/></lrm_resource>')


def _state(node: str, lrm: str, up: bool = True, shutdown: int | None = None) -> str:
    flags = ('in_ccm="true" crmd="online" join="member" expected="member"' if up else
             'in_ccm="false" crmd="offline" join="down" expected="down"')
    attrs = ""
    if shutdown is not None:
        attrs = (f'<transient_attributes id="{node}-t"><instance_attributes id="{node}-ta">'
                 f'<nvpair id="{node}-sd" name="shutdown" value="{shutdown}"/>'
                 f'</instance_attributes></transient_attributes>')
    return (f'<node_state id="{node}" uname="{node}" {flags}>{attrs}<lrm id="{node}">'
            f'<lrm_resources>{lrm}</lrm_resources></lrm></node_state>')


def _cib(resources: str, states: str, limit: str | None = None) -> str:
    limit_xml = (f'<nvpair id="o4" name="shutdown-lock-limit" value="{limit}"/>'
                 if limit else "")
    nodes = "".join(f'<node id="{n}" uname="{n}"/>' for n in ("node1", "node2", "node3"))
    return ('<cib validate-with="pacemaker-3.7" epoch="1" num_updates="1" admin_epoch="0" '
            'have-quorum="1"><configuration><crm_config><cluster_property_set id="o">'
            '<nvpair id="o1" name="stonith-enabled" value="false"/>'
            f'<nvpair id="o3" name="shutdown-lock" value="true"/>{limit_xml}'
            f'</cluster_property_set></crm_config><nodes>{nodes}</nodes>'
            f'<resources>{resources}</resources><constraints/></configuration>'
            f'<status>{states}</status></cib>')


def _dummy(rsc: str) -> str:
    return f'<primitive id="{rsc}" class="ocf" provider="pacemaker" type="Dummy"/>'


def test_resource_on_a_node_shutting_down_stops_and_stays() -> None:
    states = (_state("node1", _start("r"), shutdown=NOW - 10) + _state("node2", "")
              + _state("node3", ""))
    assert summary_of(_cib(_dummy("r"), states)) == ["Stop r ( node1 ) due to node availability"]


def test_resource_locked_to_a_node_that_is_down_stays_stopped() -> None:
    locked = _start("r", lock=NOW - 100, task="stop")
    states = _state("node1", locked, up=False) + _state("node2", "") + _state("node3", "")
    assert summary_of(_cib(_dummy("r"), states)) == []
    assert summary_of(_cib(_dummy("r"), states, limit="5m")) == []
    # once the lock is older than the limit, the resource starts elsewhere
    assert summary_of(_cib(_dummy("r"), states, limit="1m")) == ["Start r ( node2 )"]


def test_group_locked_through_its_members() -> None:
    group = f'<group id="g">{_dummy("a")}{_dummy("b")}</group>'
    locked = _start("a", lock=NOW - 100, task="stop") + _start("b", lock=NOW - 100, task="stop")
    states = _state("node1", locked, up=False) + _state("node2", "") + _state("node3", "")
    assert summary_of(_cib(group, states)) == []


def test_node_that_came_back_gets_its_locked_resource_again() -> None:
    locked = _start("r", lock=NOW - 100, task="stop")
    states = _state("node1", locked) + _state("node2", "") + _state("node3", "")
    prefer = '<constraints><rsc_location id="l" rsc="r" node="node2" score="100"/></constraints>'
    xml = _cib(_dummy("r"), states).replace("<constraints/>", prefer)
    assert summary_of(xml) == ["Start r ( node1 )"]

"""A promotable clone never has two promoted instances, even for a moment: every demotion
(also the one implied by fencing a lost node) comes before any promotion, and a promoted
monitor expects OCF_RUNNING_MASTER (8)."""

from __future__ import annotations

from buttress.cib import parse_cib
from buttress.scheduler import schedule
from buttress.transition.graph import Transition, TransitionAction

NOW = 1_700_000_000


def _op(task: str, call: int, rc: int = 0, interval: int = 0, target: int = 0) -> str:
    return (f'<lrm_rsc_op id="db_{task}_{interval}" operation="{task}" call-id="{call}" '
            f'rc-code="{rc}" op-status="0" interval="{interval}" '
            f'transition-key="1:1:{target}:x"/>')


def _cib(lost: str | None) -> str:
    nodes = ("n1", "n2", "n3")
    history = {"n1": _op("monitor", 1, 7, target=7) + _op("start", 2) + _op("promote", 3),
               "n2": _op("monitor", 1, 7, target=7) + _op("start", 2),
               "n3": _op("monitor", 1, 7, target=7) + _op("start", 2)}
    states = ""
    for n in nodes:
        flags = ('in_ccm="false" crmd="offline" join="down"' if n == lost
                 else 'in_ccm="true" crmd="online" join="member"')
        states += (f'<node_state id="{n}" uname="{n}" {flags} expected="member">'
                   f'<transient_attributes id="{n}"><instance_attributes id="{n}-a">'
                   f'<nvpair id="{n}-m" name="master-db" value="5"/></instance_attributes>'
                   f'</transient_attributes><lrm id="{n}"><lrm_resources>'
                   f'<lrm_resource id="db" class="ocf" provider="pacemaker" type="Stateful">'
                   f'{history[n]}</lrm_resource></lrm_resources></lrm></node_state>')
    node_xml = "".join(f'<node id="{n}" uname="{n}"/>' for n in nodes)
    return ('<cib have-quorum="1"><configuration><crm_config><cluster_property_set id="o">'
            '<nvpair id="o1" name="stonith-enabled" value="true"/></cluster_property_set>'
            f'</crm_config><nodes>{node_xml}</nodes><resources>'
            '<primitive id="fence" class="stonith" type="fence_dummy"/>'
            '<clone id="db-clone"><meta_attributes id="m">'
            '<nvpair id="m1" name="promotable" value="true"/></meta_attributes>'
            '<primitive id="db" class="ocf" provider="pacemaker" type="Stateful">'
            '<operations><op id="p" name="monitor" interval="2s" role="Promoted"/>'
            '<op id="u" name="monitor" interval="3s" role="Unpromoted"/></operations>'
            '</primitive></clone></resources><constraints/></configuration>'
            f'<status>{states}</status></cib>')


def _closure(transition: Transition, action: TransitionAction) -> set[int]:
    by_id = {a.id: a for a in transition.actions}
    seen: set[int] = set()
    todo = list(action.requires)
    while todo:
        current = todo.pop()
        if current not in seen:
            seen.add(current)
            todo.extend(by_id[current].requires)
    return seen


def test_promotion_waits_for_the_fence_of_the_lost_promoted_node() -> None:
    transition = schedule(parse_cib(_cib(lost="n1")), NOW)
    fence = [a for a in transition.actions if a.task == "stonith" and a.node == "n1"]
    promotes = [a for a in transition.actions if a.task == "promote" and not a.pseudo]
    assert len(fence) == 1 and len(promotes) == 1 and promotes[0].node != "n1"
    assert fence[0].id in _closure(transition, promotes[0])


def test_a_promoted_monitor_expects_running_master() -> None:
    transition = schedule(parse_cib(_cib(lost="n1")), NOW)
    monitors = {(a.node, a.interval_ms): a.target_rc for a in transition.actions
                if a.task == "monitor" and a.interval_ms > 0}
    promoted_node = next(a.node for a in transition.actions
                         if a.task == "promote" and not a.pseudo)
    assert monitors[(promoted_node, 2000)] == 8

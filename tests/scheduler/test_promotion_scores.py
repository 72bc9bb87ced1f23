"""Which instance of a promotable clone is promoted (each case observed with crm_simulate).

The agent's score is the ``master-<name>`` node attribute, looked up under the name the
instance's history has on the node, else its name without instance number; an instance
without one starts at -1 (never promoted unless a Promoted-role location lifts it). A
non-negative score adds the clone's own node score, and what resources colocated with the
Promoted role want is merged in without banning a node (a ruled-out node keeps 1).
"""

from __future__ import annotations

import itertools

from buttress.cib import parse_cib
from buttress.scheduler import schedule
from buttress.transition.render import render_summary

_ids = itertools.count(1)
_NODES = ("n1", "n2")


def _op(lrm_id: str, task: str, rc: int = 0) -> str:
    k = next(_ids)
    key = f"{k}:0:0:63e36ef0-cc16-4f1c-a058-c1d85188901a"
    return (f'<lrm_rsc_op id="{lrm_id}_op{k}" operation_key="{lrm_id}_{task}_0" '
            f'operation="{task}" transition-key="{key}" transition-magic="0:{rc};{key}" '
            f'call-id="{k}" rc-code="{rc}" op-status="0" interval="0" '
            f'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>')


def _cib(history: dict[str, tuple[str, bool]], attrs: dict[str, dict[str, str]],
         constraints: str = "", extra: str = "", failed_demote_on: str | None = None,
         demote_on_fail: str | None = None, failed_monitor_on: str | None = None) -> str:
    """``history``: node -> (lrm id of the clone's member there, promoted there)."""
    status = ""
    for node in _NODES:
        lrm = ""
        if node in history:
            lrm_id, promoted = history[node]
            ops = _op(lrm_id, "start") + (_op(lrm_id, "promote") if promoted else "")
            if node == failed_demote_on:
                ops += _op(lrm_id, "demote", rc=1)
            if node == failed_monitor_on:
                ops += _op(lrm_id, "monitor", rc=1)
            lrm = (f'<lrm_resource id="{lrm_id}" type="Stateful" class="ocf" '
                   f'provider="pacemaker">{ops}</lrm_resource>')
        pairs = "".join(f'<nvpair id="{node}-{k}" name="{k}" value="{v}"/>'
                        for k, v in attrs.get(node, {}).items())
        status += (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" '
                   f'join="member" expected="member"><transient_attributes id="{node}">'
                   f'<instance_attributes id="{node}-a">{pairs}</instance_attributes>'
                   f'</transient_attributes><lrm id="{node}"><lrm_resources>{lrm}'
                   f'</lrm_resources></lrm></node_state>')
    nodes = "".join(f'<node id="{n}" uname="{n}"/>' for n in _NODES)
    ops = (f'<operations><op id="S-d" name="demote" interval="0" on-fail="{demote_on_fail}"/>'
           '</operations>') if demote_on_fail else ""
    clone = ('<clone id="P"><meta_attributes id="P-m"><nvpair id="P-p" name="promotable" '
             'value="true"/></meta_attributes><primitive class="ocf" id="S" '
             f'provider="pacemaker" type="Stateful">{ops}</primitive></clone>')
    return ('<cib epoch="1" num_updates="1" admin_epoch="0" have-quorum="1"><configuration>'
            '<crm_config><cluster_property_set id="opts"><nvpair id="se" '
            'name="stonith-enabled" value="false"/></cluster_property_set></crm_config>'
            f'<nodes>{nodes}</nodes><resources>{clone}{extra}</resources>'
            f'<constraints>{constraints}</constraints></configuration>'
            f'<status>{status}</status></cib>')


def _summary(xml: str) -> list[str]:
    text = render_summary(schedule(parse_cib(xml), 1_700_000_000))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


_RUNNING = {"n1": ("S:0", False), "n2": ("S:1", False)}


def test_score_is_read_under_the_history_name_on_the_node() -> None:
    # n1 runs the member recorded as S:1 (it becomes instance S:0): its score is master-S:1
    history = {"n1": ("S:1", False), "n2": ("S:0", False)}
    lines = _summary(_cib(history, {"n1": {"master-S:1": "5"}, "n2": {"master-S:0": "10"}}))
    assert lines == ["* Promote S:1 ( Unpromoted -> Promoted n2 )"]


def test_the_name_without_instance_number_comes_first() -> None:
    history = {"n1": ("S", False), "n2": ("S", False)}
    attrs = {"n1": {"master-S:0": "5", "master-S": "7"}, "n2": {"master-S:1": "10"}}
    assert _summary(_cib(history, attrs)) == ["* Promote S:0 ( Unpromoted -> Promoted n1 )"]


def test_no_score_no_promotion_even_where_promoted_now() -> None:
    history = {"n1": ("S:0", True), "n2": ("S:1", False)}
    assert _summary(_cib(history, {})) == ["* Demote S:0 ( Promoted -> Unpromoted n1 )"]


def test_a_promoted_role_location_lifts_an_instance_without_score() -> None:
    loc = '<rsc_location id="l1" rsc="P" node="n1" score="100" role="Master"/>'
    assert _summary(_cib(_RUNNING, {}, loc)) == ["* Promote S:0 ( Unpromoted -> Promoted n1 )"]


def test_the_clone_node_score_counts_only_with_an_agent_score() -> None:
    loc = '<rsc_location id="l1" rsc="P" node="n1" score="100"/>'
    assert _summary(_cib(_RUNNING, {}, loc)) == []
    with_score = _cib(_RUNNING, {"n1": {"master-S": "5"}, "n2": {"master-S": "10"}}, loc)
    assert _summary(with_score) == ["* Promote S:0 ( Unpromoted -> Promoted n1 )"]


def test_a_dependent_of_the_promoted_role_moves_the_promotion() -> None:
    history = {"n1": ("S:0", False), "n2": ("S:1", True)}
    attrs = {"n1": {"master-S": "75"}, "n2": {"master-S": "75"}}
    dependent = '<primitive class="ocf" id="D" provider="pacemaker" type="Dummy"/>'
    cons = ('<rsc_location id="l1" rsc="D" node="n2" score="-INFINITY"/>'
            '<rsc_colocation id="c1" rsc="D" with-rsc="P" with-rsc-role="Master" '
            'score="INFINITY"/>')
    assert _summary(_cib(history, attrs, cons, dependent)) == [
        "* Promote S:0 ( Unpromoted -> Promoted n1 )",
        "* Demote S:1 ( Promoted -> Unpromoted n2 )",
        "* Start D ( n1 )",
    ]


_PROMOTED_ON_N1 = {"n1": ("S:0", True), "n2": ("S:1", False)}


def test_a_failed_demote_leaves_the_instance_unpromoted_to_recover() -> None:
    stays = _cib(_PROMOTED_ON_N1, {"n1": {"master-S": "10"}, "n2": {"master-S": "5"}},
                 failed_demote_on="n1")
    assert _summary(stays) == ["* Recover S:0 ( Unpromoted -> Promoted n1 )"]
    moves = _cib(_PROMOTED_ON_N1, {"n1": {"master-S": "5"}, "n2": {"master-S": "10"}},
                 failed_demote_on="n1")
    assert _summary(moves) == ["* Recover S:0 ( Unpromoted n1 )",
                               "* Promote S:1 ( Unpromoted -> Promoted n2 )"]


def test_a_blocked_failed_demote_stays_promoted_and_keeps_its_place() -> None:
    blocked = _cib(_PROMOTED_ON_N1, {"n1": {"master-S": "5"}, "n2": {"master-S": "10"}},
                   failed_demote_on="n1", demote_on_fail="block")
    assert _summary(blocked) == []


_DUMMIES = ('<primitive class="ocf" id="A" provider="pacemaker" type="Dummy"/>'
            '<primitive class="ocf" id="B" provider="pacemaker" type="Dummy"/>')
_SCORES = {"n1": {"master-S": "10"}, "n2": {"master-S": "5"}}


def test_the_unpromoted_role_with_a_resource_keeps_promotion_away_from_it() -> None:
    cons = ('<rsc_location id="l" rsc="A" node="n1" score="5000"/>'
            '<rsc_colocation id="c" rsc="P" rsc-role="Slave" with-rsc="A" score="INFINITY"/>')
    assert _summary(_cib(_PROMOTED_ON_N1, _SCORES, cons, _DUMMIES)) == [
        "* Demote S:0 ( Promoted -> Unpromoted n1 )",
        "* Promote S:1 ( Unpromoted -> Promoted n2 )",
        "* Start A ( n1 )",
        "* Start B ( n2 )",
    ]


def test_finite_colocations_with_either_role_place_a_primitive() -> None:
    cons = ('<rsc_colocation id="c1" rsc="B" with-rsc="P" with-rsc-role="Master" score="101"/>'
            '<rsc_colocation id="c2" rsc="B" with-rsc="P" with-rsc-role="Slave" '
            'score="1000"/>')
    only_b = '<primitive class="ocf" id="B" provider="pacemaker" type="Dummy"/>'
    assert _summary(_cib(_PROMOTED_ON_N1, _SCORES, cons, only_b)) == ["* Start B ( n2 )"]
    # (without the colocations, B would take n1: same scores, first by name)
    assert _summary(_cib(_PROMOTED_ON_N1, _SCORES, "", only_b)) == ["* Start B ( n1 )"]


def _with_ticket(policy: str) -> str:
    cons = (f'<rsc_ticket id="t" rsc="P" rsc-role="Master" ticket="T" '
            f'loss-policy="{policy}"/>')
    xml = _cib(_PROMOTED_ON_N1, _SCORES, cons)
    return xml.replace("</status>", '<tickets><ticket_state id="T" granted="true" '
                       'standby="true"/></tickets></status>')


def test_a_standby_ticket_demotes_unless_its_loss_policy_stops() -> None:
    assert _summary(_with_ticket("demote")) == ["* Demote S:0 ( Promoted -> Unpromoted n1 )"]
    assert _summary(_with_ticket("freeze")) == ["* Demote S:0 ( Promoted -> Unpromoted n1 )"]
    assert _summary(_with_ticket("stop")) == [
        "* Stop S:0 ( Promoted n1 ) due to node availability",
        "* Stop S:1 ( Unpromoted n2 ) due to node availability",
    ]


def test_a_restart_into_the_promoted_role_shows_both_roles() -> None:
    ip = '<primitive class="ocf" id="IP" provider="pacemaker" type="Dummy"/>'
    cons = ('<rsc_location id="l" rsc="IP" node="n1" score="100"/>'
            '<rsc_colocation id="c" rsc="P" with-rsc="IP" score="INFINITY"/>'
            '<rsc_order id="o" first="IP" then="P"/>')
    xml = _cib({"n1": ("S:0", False)}, {"n1": {"master-S": "10"}}, cons, ip)
    assert _summary(xml) == [
        "* Restart S:0 ( Unpromoted -> Promoted n1 ) due to required IP start",
        "* Start IP ( n1 )",
    ]


def test_a_failed_instance_yields_promotion_to_an_equal_healthy_one() -> None:
    xml = _cib(_RUNNING, {"n1": {"master-S": "5"}, "n2": {"master-S": "5"}},
               failed_monitor_on="n1")
    assert _summary(xml) == ["* Recover S:0 ( Unpromoted n1 )",
                             "* Promote S:1 ( Unpromoted -> Promoted n2 )"]


def test_what_follows_the_promotion_waits_for_it_but_restarts_only_on_its_node() -> None:
    app = '<primitive class="ocf" id="APP" provider="pacemaker" type="Dummy"/>'
    two = ('<rsc_order id="o" first="P" first-action="promote" then="APP" '
           'then-action="start"/>')
    xml = _cib({"n1": ("S:0", True), "n2": ("S:1", False)},
               {"n1": {"master-S": "10"}, "n2": {"master-S": "5"}}, two, app)
    xml = xml.replace('name="promotable" value="true"/>',
                      'name="promotable" value="true"/><nvpair id="P-pm" '
                      'name="promoted-max" value="2"/>')
    # APP runs nowhere yet: it starts after the new promotion, through the clone's summary
    transition = schedule(parse_cib(xml), 1_700_000_000)
    by_id = {a.id: a for a in transition.actions}
    start = next(a for a in transition.actions if (a.task, a.resource) == ("start", "APP"))
    assert any(by_id[r].task == "promote" for r in start.requires)
    # APP running on n1 is not restarted by a promotion on n2
    running = xml.replace('</lrm_resources></lrm></node_state>',
                          '<lrm_resource id="APP" type="Dummy" class="ocf" provider="pacemaker">'
                          + _op("APP", "start") + '</lrm_resource></lrm_resources></lrm>'
                          '</node_state>', 1)
    assert _summary(running) == ["* Promote S:1 ( Unpromoted -> Promoted n2 )"]

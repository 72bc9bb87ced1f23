"""Interleaved clone orders (each case observed with crm_simulate).

An instance of an interleaved clone placed where the clone it starts after has no instance
is not placed after all: it stops there for no reason of its own (partners are judged on
the placement before any such unplacing, so the next clone in a chain is blocked instead).
Its start there is still required, which makes a clone's summary action required on that
node, and only on that node, for a primitive ordered after the clone.
"""

from __future__ import annotations

import itertools

from buttress.cib import parse_cib
from buttress.scheduler import schedule
from buttress.transition.render import render_summary

_ids = itertools.count(1)
_NODES = ("n1", "n2", "n3")


def _op(lrm_id: str) -> str:
    k = next(_ids)
    key = f"{k}:0:0:63e36ef0-cc16-4f1c-a058-c1d85188901a"
    return (f'<lrm_rsc_op id="{lrm_id}_op{k}" operation_key="{lrm_id}_start_0" '
            f'operation="start" transition-key="{key}" transition-magic="0:0;{key}" '
            f'call-id="{k}" rc-code="0" op-status="0" interval="0" '
            f'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>')


def _prim(rid: str, meta: str = "") -> str:
    return f'<primitive class="ocf" id="{rid}" provider="pacemaker" type="Dummy">{meta}</primitive>'


def _clone(cid: str, member: str, target_role: str | None = None) -> str:
    extra = (f'<nvpair id="{cid}-tr" name="target-role" value="{target_role}"/>'
             if target_role else "")
    return (f'<clone id="{cid}"><meta_attributes id="{cid}-m"><nvpair id="{cid}-il" '
            f'name="interleave" value="true"/>{extra}</meta_attributes>{_prim(member)}</clone>')


def _summary(ban: str, dummy_on: str) -> list[str]:
    """Chain C(X) -> E(Y) -> F(Z) -> D, all running everywhere (D on ``dummy_on``)."""
    sticky = ('<meta_attributes id="D-m"><nvpair id="D-s" name="resource-stickiness" '
              'value="100"/></meta_attributes>')
    resources = (_clone("C", "X") + _clone("E", "Y") + _clone("F", "Z") + _prim("D", sticky))
    constraints = ('<rsc_order id="o1" first="C" then="E"/><rsc_order id="o2" first="E" '
                   'then="F"/><rsc_order id="o3" first="F" then="D"/>'
                   f'<rsc_location id="b1" rsc="{ban}" node="n1" score="-INFINITY"/>')
    status = ""
    for node in _NODES:
        members = ["X", "Y", "Z"] + (["D"] if node == dummy_on else [])
        lrm = "".join(f'<lrm_resource id="{r}" type="Dummy" class="ocf" provider="pacemaker">'
                      f'{_op(r)}</lrm_resource>' for r in members)
        status += (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" '
                   f'join="member" expected="member"><lrm id="{node}"><lrm_resources>{lrm}'
                   f'</lrm_resources></lrm></node_state>')
    nodes = "".join(f'<node id="{n}" uname="{n}"/>' for n in _NODES)
    xml = ('<cib epoch="1" num_updates="1" admin_epoch="0" have-quorum="1"><configuration>'
           '<crm_config><cluster_property_set id="opts"><nvpair id="se" '
           'name="stonith-enabled" value="false"/></cluster_property_set></crm_config>'
           f'<nodes>{nodes}</nodes><resources>{resources}</resources>'
           f'<constraints>{constraints}</constraints></configuration>'
           f'<status>{status}</status></cib>')
    text = render_summary(schedule(parse_cib(xml), 1_700_000_000))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_instance_without_partner_stops_for_no_reason() -> None:
    assert _summary("E", "n1") == [
        "* Stop Y:0 ( n1 ) due to node availability",
        "* Stop Z:0 ( n1 )",
        "* Restart D ( n1 ) due to required F running",
    ]


def test_the_next_clone_in_the_chain_is_blocked_rather_than_unplaced() -> None:
    assert _summary("C", "n1") == [
        "* Stop X:0 ( n1 ) due to node availability",
        "* Stop Y:0 ( n1 )",
        "* Stop Z:0 ( n1 ) due to unrunnable Y:0 start",
        "* Restart D ( n1 ) due to required F running",
    ]


def test_the_clone_summary_requires_only_on_its_node() -> None:
    assert _summary("E", "n2") == [
        "* Stop Y:0 ( n1 ) due to node availability",
        "* Stop Z:0 ( n1 )",
    ]

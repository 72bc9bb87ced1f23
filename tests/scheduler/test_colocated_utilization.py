"""With a placement strategy, a resource goes where it fits together with what must be
placed with it (observed with crm_simulate): the unplaced resources colocated with it at
INFINITY, either way and transitively, except one already being placed (which placed
this one first); if no node holds them all, a node holding the resource alone will do.
"""

from __future__ import annotations

from sched_cib import cib, lrm, op, summary_of

from buttress.cib import parse_cib
from buttress.scheduler import schedule
from buttress.transition.render import render_summary


def _prim(rid: str, priority: int = 0) -> str:
    meta = (f'<meta_attributes id="{rid}-m"><nvpair id="{rid}-p" name="priority" '
            f'value="{priority}"/></meta_attributes>') if priority else ""
    return (f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy">{meta}'
            f'<utilization id="{rid}-u"><nvpair id="{rid}-cpu" name="cpu" value="2"/>'
            f'</utilization></primitive>')


def _summary(cpus: dict[str, int], resources: str) -> list[str]:
    nodes = "".join(f'<node id="{n}" uname="{n}"><utilization id="{n}-u"><nvpair '
                    f'id="{n}-cpu" name="cpu" value="{c}"/></utilization></node>'
                    for n, c in cpus.items())
    status = "".join(f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" '
                     f'join="member" expected="member"/>' for n in cpus)
    constraints = ('<rsc_colocation id="c2" rsc="rsc2" with-rsc="rsc1" score="INFINITY"/>'
                   '<rsc_colocation id="c3" rsc="rsc3" with-rsc="rsc1" score="INFINITY"/>')
    xml = ('<cib epoch="1" num_updates="1" admin_epoch="0" have-quorum="1"><configuration>'
           '<crm_config><cluster_property_set id="opts"><nvpair id="se" '
           'name="stonith-enabled" value="false"/><nvpair id="ps" name="placement-strategy" '
           'value="utilization"/></cluster_property_set></crm_config>'
           f'<nodes>{nodes}</nodes><resources>{resources}</resources>'
           f'<constraints>{constraints}</constraints></configuration>'
           f'<status>{status}</status></cib>')
    text = render_summary(schedule(parse_cib(xml), 1_700_000_000))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_the_node_that_holds_the_whole_colocated_set_is_chosen() -> None:
    lines = _summary({"n1": 4, "n2": 6}, _prim("rsc1") + _prim("rsc2") + _prim("rsc3"))
    assert lines == ["* Start rsc1 ( n2 )", "* Start rsc2 ( n2 )", "* Start rsc3 ( n2 )"]


def test_a_dependent_being_placed_is_not_counted_with_its_primary() -> None:
    # rsc3 goes first and places rsc1 first: rsc1 needs room for itself and rsc2 only
    lines = _summary({"n1": 2, "n2": 4}, _prim("rsc1") + _prim("rsc2") + _prim("rsc3", 1))
    assert lines == ["* Start rsc3 ( n2 )", "* Start rsc1 ( n2 )"]


def _capacity_case(stickiness: int) -> list[str]:
    """rsc1 on node1, which has no capacity, rsc2 on node2, which holds one of them."""
    resources = _prim("rsc1") + _prim("rsc2")
    running = {"node1": lrm("rsc1", op("rsc1", "start", 1)),
               "node2": lrm("rsc2", op("rsc2", "start", 2))}
    xml = cib(resources, running)
    for node, cpu in (("node1", 0), ("node2", 2)):
        xml = xml.replace(f'<node id="{node}" uname="{node}"/>',
                          f'<node id="{node}" uname="{node}"><utilization id="{node}-u">'
                          f'<nvpair id="{node}-cpu" name="cpu" value="{cpu}"/></utilization>'
                          '</node>')
    xml = xml.replace('value="false"/></cluster_property_set></crm_config>',
                      'value="false"/><nvpair id="ps" name="placement-strategy" '
                      'value="balanced"/></cluster_property_set></crm_config><rsc_defaults>'
                      '<meta_attributes id="rd"><nvpair id="rd-s" name="resource-stickiness" '
                      f'value="{stickiness}"/></meta_attributes></rsc_defaults>')
    return summary_of(xml)


def test_with_a_strategy_the_resource_liking_the_roomiest_node_goes_first() -> None:
    # nodes with most free capacity first: rsc2 likes node2 more (stickiness), so it is
    # placed first and keeps it
    assert _capacity_case(100) == ["Stop rsc1 ( node1 ) due to node availability"]
    # alike: configuration order, and rsc1 takes the room
    assert _capacity_case(0) == ["Move rsc1 ( node1 -> node2 )",
                                 "Stop rsc2 ( node2 ) due to node availability"]

"""A resource placed after several primaries (observed with crm_simulate): each primary it
is placed with narrows where it can go at once, and the next primary takes that in.

Also: in a cluster where resources opt in to nodes, a group member may run where its
clone or group was given a node.
"""

from __future__ import annotations

from sched_cib import cib, lrm, op, primitive, summary_of


def test_each_placed_primary_narrows_the_dependent_for_the_next() -> None:
    resources = "".join(primitive(r) for r in ("rsc1", "rsc2", "rsc3", "rsc4"))
    constraints = "".join(
        f'<rsc_colocation id="c{r}" rsc="rsc1" with-rsc="{r}" score="INFINITY"/>'
        for r in ("rsc2", "rsc3", "rsc4"))
    assert summary_of(cib(resources, {}, constraints)) == [
        "Start rsc1 ( node1 )", "Start rsc2 ( node1 )", "Start rsc3 ( node1 )",
        "Start rsc4 ( node1 )"]


def test_a_cloned_group_member_may_run_where_its_clone_was_given_a_node() -> None:
    resources = ('<clone id="cl"><group id="g">' + primitive("m") + "</group></clone>")
    constraints = '<rsc_location id="l" rsc="cl" node="node2" score="1"/>'
    text = cib(resources, {}, constraints).replace(
        '<nvpair id="o1" name="stonith-enabled" value="false"/>',
        '<nvpair id="o1" name="stonith-enabled" value="false"/>'
        '<nvpair id="o2" name="symmetric-cluster" value="false"/>')
    assert summary_of(text) == ["Start m:0 ( node2 )"]


def test_a_primary_that_cannot_start_after_all_stops_its_dependents() -> None:
    resources = primitive("engine") + primitive("central") + primitive(
        "first", '<nvpair id="first-tr" name="target-role" value="Stopped"/>')
    running = {"node1": lrm("engine", op("engine", "start", 1))
               + lrm("central", op("central", "start", 2))}
    constraints = ('<rsc_order id="ord" first="first" then="central"/>'
                   '<rsc_colocation id="c" rsc="engine" with-rsc="central" score="INFINITY"/>')
    assert summary_of(cib(resources, running, constraints)) == [
        "Stop engine ( node1 ) due to colocation with central",
        "Stop central ( node1 ) due to unrunnable first start",
    ]


def test_group_members_own_target_role_and_unordered_group() -> None:
    started = '<nvpair id="{0}-tr" name="target-role" value="Started"/>'
    group = ('<group id="g"><meta_attributes id="g-m"><nvpair id="g-tr" name="target-role" '
             'value="Stopped"/><nvpair id="g-o" name="ordered" value="false"/>'
             '</meta_attributes>' + primitive("m1", started.format("m1"))
             + primitive("m2", started.format("m2")) + "</group>")
    first = primitive("first", '<nvpair id="first-tr" name="target-role" value="Stopped"/>')
    running = {"node1": lrm("m1", op("m1", "start", 1)) + lrm("m2", op("m2", "start", 2))}
    constraints = '<rsc_order id="ord" first="first" then="g"/>'
    # the members are placed (their own role wins) and each waits for "first" alone
    assert summary_of(cib(group + first, running, constraints)) == [
        "Stop m1 ( node1 ) due to unrunnable first start",
        "Stop m2 ( node1 ) due to unrunnable first start",
    ]


def test_members_after_an_unmanaged_stopped_member_are_not_placed() -> None:
    unmanaged = '<nvpair id="m2-um" name="is-managed" value="false"/>'
    group = ('<group id="g">' + primitive("m1") + primitive("m2", unmanaged)
             + primitive("m3") + "</group>")
    running = {"node1": lrm("m1", op("m1", "start", 1)) + lrm("m3", op("m3", "start", 2))}
    assert summary_of(cib(group, running)) == ["Stop m3 ( node1 ) due to node availability"]

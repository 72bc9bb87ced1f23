"""A clone takes in what the resources colocated with it want (observed with crm_simulate).

The merge never bans a node for the clone (a score the merge would make negative becomes 1
where it was positive, stays where it was 0), dependents are merged in name order, and a
dependent that is being placed (and so places the clone first) still counts.
"""

from __future__ import annotations

from sched_cib import cib, lrm, op, primitive, running_cib, summary_of

from buttress.cib import parse_cib
from buttress.scheduler import schedule


def _cib(resources: str, constraints: str) -> str:
    return running_cib(resources, {"n1": [], "n2": []}, constraints)


def _prim(rid: str) -> str:
    return f'<primitive class="ocf" id="{rid}" provider="pacemaker" type="Dummy"/>'


def _clone_scores(good: str, bad: str) -> dict[str, int]:
    """Clone P with two INFINITY dependents: ``good`` prefers n2, ``bad`` can run nowhere."""
    resources = f'<clone id="P">{_prim("S")}</clone>{_prim(good)}{_prim(bad)}'
    constraints = (f'<rsc_location id="l1" rsc="{good}" node="n2" score="100"/>'
                   f'<rsc_location id="l2" rsc="{bad}" node="n1" score="-INFINITY"/>'
                   f'<rsc_location id="l3" rsc="{bad}" node="n2" score="-INFINITY"/>'
                   f'<rsc_colocation id="c1" rsc="{good}" with-rsc="P" score="INFINITY"/>'
                   f'<rsc_colocation id="c2" rsc="{bad}" with-rsc="P" score="INFINITY"/>')
    transition = schedule(parse_cib(_cib(resources, constraints)), 1_700_000_000)
    return {node: score for stage, rsc, node, score in transition.scores
            if stage == "pcmk__clone_assign" and rsc == "P"}


def test_a_dependent_that_fits_nowhere_does_not_ban_the_clone() -> None:
    # merged after the preference: n2's positive score is kept as 1, n1 stays 0
    assert _clone_scores("Agood", "Zbad") == {"n1": 0, "n2": 1}


def test_dependents_are_merged_in_name_order() -> None:
    # merged before the preference: nothing to keep, then n2 gets the full 100
    assert _clone_scores("Zgood", "Abad") == {"n1": 0, "n2": 100}


def test_an_instance_leaves_a_node_that_is_no_longer_among_its_best() -> None:
    clone = ('<clone id="C"><meta_attributes id="C-m"><nvpair id="C-max" name="clone-max" '
             'value="1"/><nvpair id="C-s" name="resource-stickiness" value="0"/>'
             f'</meta_attributes>{primitive("R")}</clone>')
    running = {"node1": lrm("R", op("R", "start", 1))}
    prefer = '<rsc_location id="l" rsc="C" node="node2" score="INFINITY"/>'
    assert summary_of(cib(clone, running, prefer)) == ["Move R:0 ( node1 -> node2 )"]


def test_an_instance_banned_where_it_runs_stops_and_another_starts() -> None:
    clone = ('<clone id="C"><meta_attributes id="C-m"><nvpair id="C-max" name="clone-max" '
             f'value="2"/></meta_attributes>{primitive("R")}</clone>')
    running = {"node1": lrm("R", op("R", "start", 1))}
    ban = '<rsc_location id="l" rsc="C" node="node1" score="-INFINITY"/>'
    assert summary_of(cib(clone, running, ban)) == [
        "Stop R:0 ( node1 ) due to node availability", "Start R:1 ( node2 )"]

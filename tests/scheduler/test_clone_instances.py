"""Anonymous clone history: duplicates on one node, and parameters members inherit.

Both behaviours were observed with crm_simulate on the same kind of input.
"""

from __future__ import annotations

from sched_cib import running_cib

from buttress.cib import parse_cib
from buttress.scheduler import schedule
from buttress.scheduler.digests import digest
from buttress.transition.render import render_summary


def _cib(resources: str, running: dict[str, list[str]], op_digest: str) -> str:
    return running_cib(resources, running, op_digest=op_digest)


def _summary(xml: str) -> list[str]:
    text = render_summary(schedule(parse_cib(xml), 1_700_000_000))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


_DUMMY = '<primitive class="ocf" id="R" provider="pacemaker" type="Dummy"/>'


def test_second_copy_on_a_node_is_an_orphan_not_a_free_instance() -> None:
    clone = ('<clone id="C"><meta_attributes id="C-m"><nvpair id="C-max" name="clone-max" '
             f'value="3"/></meta_attributes>{_DUMMY}</clone>')
    xml = _cib(clone, {"n1": ["R:0", "R:1"], "n2": ["R:0"]}, digest({}))
    lines = _summary(xml)
    # R:0 and R:1 hold n1 and n2; the copy of R:1 on n1 is orphan R:3 (after R:0..R:2)
    assert "* Stop R:3 ( n1 ) due to node availability" in lines
    assert "* Start R:2 ( n1 )" not in lines


def test_clone_parameters_are_part_of_the_members_digest() -> None:
    clone = ('<clone id="C"><instance_attributes id="C-i"><nvpair id="C-foo" name="foo" '
             f'value="1"/></instance_attributes>{_DUMMY}</clone>')
    unchanged = _summary(_cib(clone, {"n1": ["R"], "n2": ["R"]}, digest({"foo": "1"})))
    assert not any("definition change" in line for line in unchanged)
    changed = _summary(_cib(clone, {"n1": ["R"], "n2": ["R"]}, digest({})))
    assert "* Restart R:0 ( n1 ) due to resource definition change" in changed


def test_a_member_target_role_overrides_the_clone_one() -> None:
    member = ('<primitive class="ocf" id="R" provider="pacemaker" type="Dummy">'
              '<meta_attributes id="R-m"><nvpair id="R-tr" name="target-role" '
              'value="Started"/></meta_attributes></primitive>')
    clone = ('<clone id="C"><meta_attributes id="C-m"><nvpair id="C-tr" name="target-role" '
             f'value="Stopped"/></meta_attributes>{member}</clone>')
    assert _summary(_cib(clone, {"n1": ["R"], "n2": ["R"]}, digest({}))) == []

"""Why a resource stops when what it is ordered after cannot start (summary wording).

Observed with crm_simulate on the same inputs: a dependent whose start is blocked by a
first that is itself *required* (its resource is stopping) stops "due to required <first>";
a first that merely cannot run gives "due to unrunnable <first>". Between interleaved clone
instances, a first start that only its own forced stop requires counts as unrunnable.
"""

from __future__ import annotations

from sched_cib import running_cib

from buttress.cib import parse_cib
from buttress.scheduler import schedule
from buttress.transition.render import render_summary


def _prim(rid: str, disabled: bool = False) -> str:
    meta = (f'<meta_attributes id="{rid}-m"><nvpair id="{rid}-tr" name="target-role" '
            f'value="Stopped"/></meta_attributes>') if disabled else ""
    return f'<primitive class="ocf" id="{rid}" provider="pacemaker" type="Dummy">{meta}</primitive>'


def _clone(cid: str, child: str) -> str:
    return (f'<clone id="{cid}"><meta_attributes id="{cid}-m"><nvpair id="{cid}-il" '
            f'name="interleave" value="true"/></meta_attributes>{child}</clone>')


def _cib(resources: str, constraints: str, running: dict[str, list[str]]) -> str:
    return running_cib(resources, running, constraints)


def _summary(xml: str) -> list[str]:
    text = render_summary(schedule(parse_cib(xml), 1_700_000_000))
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def test_dependent_of_a_stopping_resource_is_required_to_stop() -> None:
    xml = _cib(_prim("A") + _prim("C", disabled=True),
               '<rsc_order id="o1" first="C" then="A"/>', {"n1": ["A", "C"]})
    assert "* Stop A ( n1 ) due to required C start" in _summary(xml)


def test_dependent_of_a_resource_that_never_ran_is_unrunnable() -> None:
    xml = _cib(_prim("A") + _prim("B") + _prim("C", disabled=True),
               '<rsc_order id="o1" first="C" then="A"/><rsc_order id="o2" first="A" then="B"/>',
               {"n1": ["A", "B"]})
    lines = _summary(xml)
    assert "* Stop A ( n1 ) due to unrunnable C start" in lines
    # A's start is required by A's own stop before B is looked at: B is "required"
    assert "* Stop B ( n1 ) due to required A start" in lines


def test_interleaved_instances_see_a_blocked_first_as_unrunnable() -> None:
    xml = _cib(_prim("C", disabled=True) + _clone("Ac", _prim("A")) + _clone("Bc", _prim("B")),
               '<rsc_order id="o1" first="C" then="Ac"/><rsc_order id="o2" first="Ac" then="Bc"/>',
               {"n1": ["A", "B"], "n2": ["A", "B"]})
    lines = _summary(xml)
    assert "* Stop B:0 ( n1 ) due to unrunnable A:0 start" in lines
    assert "* Stop B:1 ( n2 ) due to unrunnable A:1 start" in lines

"""A probe that failed for good (rc 5, not installed) bans the resource from the node only
until failure-timeout expires; for an anonymous clone instance it bans the whole clone
(checked on crm_simulate)."""

from __future__ import annotations

import pytest
from sched_cib import NOW, cib, lrm, op, primitive, summary_of


def _rsc(timeout: str) -> str:
    return ('<primitive id="r" class="ocf" provider="pacemaker" type="Dummy">'
            '<meta_attributes id="r-m"><nvpair id="r-ft" name="failure-timeout" '
            f'value="{timeout}"/></meta_attributes></primitive>')


def _probe_failed(node: str) -> str:
    return ('<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
            f'<lrm_rsc_op id="r_last_failure_0" operation_key="r_monitor_0" operation="monitor" '
            f'call-id="2" rc-code="5" op-status="0" interval="0" transition-key="1:1:7:x" '
            f'last-rc-change="{NOW - 100}" on_node="{node}"/></lrm_resource>')


@pytest.mark.parametrize(("timeout", "expected"), [
    ("10s", ["Start r ( node1 )"]),            # expired: node1 may run it again
    ("1000s", ["Start r ( node2 )"]),          # still banned from node1
])
def test_failed_probe_bans_until_it_expires(timeout: str, expected: list[str]) -> None:
    status = {"node1": _probe_failed("node1")}
    assert summary_of(cib(_rsc(timeout), status)) == expected


def test_failed_probe_keeps_an_anonymous_clone_off_the_node() -> None:
    clone = ('<clone id="c"><primitive id="r" class="ocf" provider="pacemaker" type="Dummy"/>'
             '</clone>')
    status = {"node1": _probe_failed("node1")}
    assert summary_of(cib(clone, status)) == ["Start r:0 ( node2 )"]


def test_probe_of_a_missing_agent_finds_nothing_running() -> None:
    """Execution status "not installed" (7) on a probe: not active there, and banned."""
    missing = _probe_failed("node1").replace('op-status="0"', 'op-status="7"')
    status = {"node1": missing, "node2": lrm("r", op("r", "start", 2))}
    assert summary_of(cib(primitive("r"), status)) == []

"""A recurring monitor that failed and has since succeeded (checked on crm_simulate).

The resource recovered by itself: the failure calls for nothing more, unless its on-fail
policy stops the resource (stop, fence, standby outlast the recovery).
"""

from __future__ import annotations

import pytest
from sched_cib import cib, summary_of


def _rsc(policy: str) -> str:
    return ('<primitive id="r" class="ocf" provider="pacemaker" type="Dummy"><operations>'
            f'<op id="r-mon" name="monitor" interval="10s" on-fail="{policy}"/></operations>'
            '</primitive>')


_HISTORY = ('<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
            '<lrm_rsc_op id="r_last_0" operation_key="r_start_0" operation="start" '
            'call-id="2" rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" '
            'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>'
            '<lrm_rsc_op id="r_last_failure_0" operation_key="r_monitor_10000" '
            'operation="monitor" call-id="3" rc-code="1" op-status="0" interval="10000" '
            'transition-key="2:1:0:x" last-rc-change="1000"/>'
            '<lrm_rsc_op id="r_monitor_10000" operation_key="r_monitor_10000" '
            'operation="monitor" call-id="4" rc-code="0" op-status="0" interval="10000" '
            'transition-key="2:1:0:x" last-rc-change="2000"/></lrm_resource>')


@pytest.mark.parametrize("policy", ["block", "restart", "ignore"])
def test_recovered_monitor_needs_nothing(policy: str) -> None:
    assert summary_of(cib(_rsc(policy), {"node1": _HISTORY})) == []


def test_recovered_monitor_still_stops_with_on_fail_stop() -> None:
    assert summary_of(cib(_rsc("stop"), {"node1": _HISTORY})) == [
        "Stop r ( node1 ) due to node availability"]

"""A start recorded with "not running" where the controller expected exactly that (its
transition key says rc 7) found the resource stopped: no failure, not active there (checked
on crm_simulate). Any other result of a start but 0 is a failure."""

from __future__ import annotations

import pytest
from sched_cib import cib, lrm, op, primitive, summary_of


def _start(rc: int, expected: int) -> str:
    return (f'<lrm_rsc_op id="r_last_0" operation_key="r_start_0" operation="start" call-id="3" '
            f'rc-code="{rc}" op-status="0" interval="0" transition-key="1:1:{expected}:x" '
            'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>')


@pytest.mark.parametrize(("rc", "expected", "lines"), [
    (7, 7, []),
    (7, 0, ["Recover r ( node1 )"]),
    (1, 1, ["Recover r ( node1 )"]),
])
def test_start_result_against_its_key(rc: int, expected: int, lines: list[str]) -> None:
    status = {"node1": lrm("r", op("r", "start", 2)),
              "node2": f'<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
                       f'{_start(rc, expected)}</lrm_resource>'}
    assert summary_of(cib(primitive("r"), status)) == lines

"""History of a primitive whose id a configured clone now has (checked on crm_simulate): it
is an orphan of its own, which does not hide the clone."""

from __future__ import annotations

import pytest
from sched_cib import cib, lrm, op, summary_of

_CLONE = ('<clone id="r"><primitive id="r_child" class="ocf" provider="pacemaker" '
          'type="Dummy"/></clone>')


@pytest.mark.parametrize(("task", "expected"), [
    ("stop", ["Start r_child:0 ( node1 )"]),
    ("start", ["Start r_child:0 ( node1 )", "Stop r ( node1 ) due to node availability"]),
])
def test_old_history_under_a_clone_id(task: str, expected: list[str]) -> None:
    status = {"node1": lrm("r", op("r", task, 2))}
    assert summary_of(cib(_CLONE, status, nodes=("node1",))) == expected

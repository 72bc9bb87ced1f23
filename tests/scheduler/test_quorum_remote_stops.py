"""Without quorum, what stops on remote nodes (observed with crm_simulate 2.1.5).

A remote node whose connection runs on a lost controller ("resting" connection) can only
be reached once the connection is re-established elsewhere, which cannot happen without
quorum: its resources' stops wait for that start. Such a stop is left out entirely, unless
Pacemaker looked at the resource's blocked start early (its clone is mandatorily colocated
with a clone that cannot start, and ordered after a collective's start); then the stop is
required and blocked "due to unrunnable <connection> start". A remote node whose
connection stays up on a healthy controller stops its resources "due to no quorum".
Also: the inverse of a require-all=false order does not make interleaved instances stop.
"""

from __future__ import annotations

from pathlib import Path

from sched_cib import cib, lrm, op, summary_of

from buttress.cib import load_cib
from buttress.scheduler import schedule

SEED = Path(__file__).resolve().parents[1] / "data" / "openstack-seed" / "xml"


def _compute_lines(name: str, node: str) -> list[str]:
    transition = schedule(load_cib(SEED / name), 1_700_000_000)
    lines = [" ".join(line.render().split()).removeprefix("* ")
             for line in transition.summary]
    return [line for line in lines if f"( {node} )" in line]


def test_resting_connection_without_quorum_blocks_only_early_looked_at_stops() -> None:
    lines = _compute_lines("seed-quorum-loss.xml", "compute-2")
    assert lines == [
        "Stop libvirtd-compute:1 ( compute-2 ) due to unrunnable compute-2 start (blocked)",
        "Stop ceilometer-compute:1 ( compute-2 ) due to unrunnable compute-2 start (blocked)",
        "Stop nova-compute-fs:1 ( compute-2 ) due to unrunnable compute-2 start (blocked)",
    ]


def test_alive_connection_without_quorum_stops_everything_there() -> None:
    lines = _compute_lines("seed-quorum-loss.xml", "compute-1")
    assert all(line.endswith("due to no quorum") for line in lines)
    assert len(lines) == 5


def _interleaved(rid: str) -> str:
    return (f'<clone id="{rid}-clone"><meta_attributes id="{rid}-cm">'
            f'<nvpair id="{rid}-il" name="interleave" value="true"/></meta_attributes>'
            f'<primitive id="{rid}" class="ocf" provider="pacemaker" type="Dummy"/></clone>')


def test_require_all_false_inverse_does_not_stop_interleaved_instance() -> None:
    running = {n: lrm("A", op("A", "start", 1)) + lrm("B", op("B", "start", 2))
               for n in ("node1", "node2")}
    constraints = ('<rsc_order id="o-ab" first="A-clone" then="B-clone" require-all="false"/>'
                   '<rsc_location id="ban-a" rsc="A-clone" node="node1" score="-INFINITY"/>')
    lines = summary_of(cib(_interleaved("A") + _interleaved("B"), running, constraints))
    assert lines == ["Stop A:0 ( node1 ) due to node availability"]
    mandatory = constraints.replace(' require-all="false"', "")
    lines = summary_of(cib(_interleaved("A") + _interleaved("B"), running, mandatory))
    # (crm_simulate: B:0 has no A instance on node1 to start after, so it is not placed
    # after all and stops for no reason of its own)
    assert "Stop B:0 ( node1 )" in lines

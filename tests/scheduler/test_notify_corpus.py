"""Clone notifications against Pacemaker's own corpus: for these cases the scheduler's
``notify`` actions (instance and node, pre and post, as many as Pacemaker's) are exactly
those in Pacemaker's "Executing Cluster Transition" section."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from buttress.cib import load_cib
from buttress.conformance.corpus import case_date, load_manifest
from buttress.conformance.run import snapshot_time
from buttress.scheduler import schedule
from buttress.transition.render import render_action

CORPUS = Path(__file__).resolve().parents[1] / "data" / "pacemaker-cts"
CASES = [
    "a-demote-then-b-migrate", "a-promote-then-b-migrate", "bug-1685", "bug-5059",
    "bug-5143-ms-shuffle", "bug-lf-2153", "bug-n-387749", "colo_promoted_w_native",
    "colocation_constraint_stops_promoted", "colocation_constraint_stops_unpromoted", "inc10",
    "notify-1", "notify-2", "notify-3", "novell-239082", "novell-252693",
    "one-or-more-unrunnable-instances", "order_constraint_stops_unpromoted", "promoted-10",
    "promoted-2", "promoted-dependent-ban", "promoted-notify", "remote-recover-connection",
    "remote-recovery",
]


def _notify_lines(text: str) -> Counter[str]:
    return Counter(" ".join(line.split()) for line in text.splitlines()
                   if " notify on " in line)


@pytest.mark.parametrize("name", CASES)
def test_notifications_match_pacemaker(name: str) -> None:
    case = next(c for c in load_manifest(CORPUS) if c.name == name)
    cib = load_cib(case.xml)
    transition = schedule(cib, snapshot_time(cib.header_value("execution-date"),
                                             case_date(case)))
    ours = _notify_lines("\n".join(render_action(a) for a in transition.actions))
    expected = case.summary.read_text().split("Executing Cluster Transition:", 1)[1]
    expected = expected.split("Revised Cluster Status", 1)[0]
    assert ours == _notify_lines(expected)
    assert sum(ours.values()) > 0

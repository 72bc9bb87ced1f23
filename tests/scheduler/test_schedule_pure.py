"""The scheduler is a pure function of (CIB, time): replayable and clock-free."""

from __future__ import annotations

from pathlib import Path

from buttress.cib import load_cib
from buttress.scheduler import schedule

CORPUS = Path(__file__).resolve().parent.parent / "data" / "pacemaker-cts" / "xml"


def test_same_input_same_transition() -> None:
    cib = load_cib(CORPUS / "rec-node-13.xml")
    first = schedule(cib, 1_700_000_000)
    second = schedule(cib, 1_700_000_000)
    assert first == second
    assert first.summary


def test_time_is_an_input() -> None:
    """A failure-timeout rule decides differently for different snapshot times."""
    cib = load_cib(CORPUS / "failure-timeout-4.xml") if (
        CORPUS / "failure-timeout-4.xml").exists() else load_cib(CORPUS / "date-1.xml")
    early = schedule(cib, 0)
    late = schedule(cib, 4_000_000_000)
    assert early != late


def test_actions_respect_their_prerequisites() -> None:
    """Every action comes after the actions it requires (a runnable order)."""
    transition = schedule(load_cib(CORPUS / "group1.xml"), 1_700_000_000)
    seen: set[int] = set()
    for action in transition.actions:
        assert set(action.requires) <= seen
        seen.add(action.id)


def test_fencing_precedes_recovery() -> None:
    transition = schedule(load_cib(CORPUS / "rec-node-4.xml"), 1_700_000_000)
    position = {(a.task, a.resource, a.node): i for i, a in enumerate(transition.actions)}
    fence = position[("stonith", None, "node1")]
    start = position[("start", "rsc1", "node2")]
    assert fence < start

"""The scheduler against Pacemaker 2.1.5's own regression corpus (tests/data/pacemaker-cts).

tests/data/scheduler-ratchet.txt lists the cases whose Transition Summary already equals
Pacemaker's; a listed case that fails is a regression. `make conformance` prints the rate.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buttress.conformance.corpus import EXCLUDED, load_manifest, summary_block
from buttress.conformance.run import run_case

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = DATA / "pacemaker-cts"
RATCHET = [line.strip() for line in (DATA / "scheduler-ratchet.txt").read_text().splitlines()
           if line.strip()]
CASES = {case.name: case for case in load_manifest(CORPUS)}


@pytest.mark.parametrize("name", RATCHET)
def test_ratchet_case_matches_pacemaker(name: str) -> None:
    case = CASES[name]
    want = summary_block(case.summary.read_text())
    assert want is not None
    assert run_case(case) == want


def test_ratchet_names_real_cases() -> None:
    assert RATCHET, "the ratchet lists no case"
    assert set(RATCHET) <= set(CASES), "ratchet names a case the corpus lacks"
    assert not set(RATCHET) & EXCLUDED


def test_corpus_is_complete() -> None:
    assert len(CASES) == 799
    for case in CASES.values():
        assert case.xml.exists() and case.summary.exists()

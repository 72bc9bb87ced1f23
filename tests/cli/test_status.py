"""``status``: the crm_mon "Current cluster status" block, from the status renderer."""

from __future__ import annotations

from pathlib import Path

import pytest

CTS = Path(__file__).resolve().parents[3] / "shared" / "pacemaker-cts"

pytest.importorskip("buttress.transition.status_text")


def test_status_of_a_new_cib(ok) -> None:
    ok("resource create v VIP ip=1")
    out = ok("status").out
    assert "* Node List:" in out and "* Full List of Resources:" in out
    assert "* v\t(ocf:heartbeat:VIP):" in out


@pytest.mark.parametrize("name", ["1-a-then-bm-move-b"])
def test_status_matches_crm_simulate_block(run, name: str) -> None:
    xml, summary = CTS / "xml" / f"{name}.xml", CTS / "summary" / f"{name}.summary"
    if not (xml.exists() and summary.exists()):
        pytest.skip("../shared/pacemaker-cts is not beside the repo")
    lines = summary.read_text().splitlines()
    start = lines.index("Current cluster status:") + 1
    end = lines.index("Transition Summary:", start)
    while end > start and lines[end - 1] == "":
        end -= 1
    result = run("status", file=xml)
    assert result.rc == 0, result.err
    assert result.out.rstrip("\n").splitlines() == lines[start:end]

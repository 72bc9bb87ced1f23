"""`buttress simulate`: crm_simulate's options on real corpus inputs, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buttress.cib import load_cib
from buttress.cli.main import main
from buttress.scheduler import schedule

CORPUS = Path(__file__).resolve().parent.parent / "data" / "pacemaker-cts" / "xml"
EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "openstack-controllers.xml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["simulate", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_full_output_sections(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-x", str(CORPUS / "rec-node-4.xml"), "-S")
    assert code == 0
    for header in ("Current cluster status:", "Transition Summary:",
                   "Executing Cluster Transition:", "Revised Cluster Status:"):
        assert header in out
    assert "Fence (reboot) node1 'peer is no longer part of the cluster'" in out
    assert "* Fencing node1 (reboot)" in out


@pytest.mark.parametrize("case", ["group1", "inc0", "simple2", "rec-node-4"])
def test_settled_output_needs_nothing_more(case: str, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    """Running a transition and scheduling again yields an empty transition (the recorded
    results, digests included, are what the scheduler expects)."""
    out_cib = tmp_path / "after.xml"
    code, out, _ = run(capsys, "-x", str(CORPUS / f"{case}.xml"), "-S", "-Q",
                       "-O", str(out_cib))
    assert code == 0 and "* " in out
    settled = load_cib(out_cib)
    assert schedule(settled, 1_700_000_000).summary == ()


def test_node_fail_injection_fences_and_moves(tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    running = tmp_path / "running.xml"
    run(capsys, "-x", str(EXAMPLE), "-S", "-Q", "-O", str(running))
    code, out, _ = run(capsys, "-x", str(running), "--node-fail", "controller-1", "-Q")
    assert code == 0
    assert "Fence (reboot) controller-1 'peer is no longer part of the cluster'" in out
    assert "controller-1 ->" in out


def test_json_output(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-x", str(CORPUS / "simple4.xml"), "--output", "json")
    assert code == 0
    data = json.loads(out)
    assert data["summary"] == ["Stop       rsc1 ( node1 )  due to node availability"]
    assert any(a["task"] == "stop" and a["node"] == "node1" for a in data["actions"])


def test_scores(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "-x", str(CORPUS / "group1.xml"), "-s", "-Q")
    assert code == 0
    assert "pcmk__group_assign: rsc1 allocation score on node1: 0" in out


def test_op_fail_during_execution(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out_cib = tmp_path / "after.xml"
    code, _, _ = run(capsys, "-x", str(CORPUS / "simple2.xml"), "-S", "-Q",
                     "--op-fail", "rsc1_start_0@node1=1", "-O", str(out_cib))
    assert code == 0
    transition = schedule(load_cib(out_cib), 1_700_000_000)
    assert [line.verb for line in transition.summary] == ["Recover"]


@pytest.mark.parametrize("argv, message", [
    (["-x", "/nonexistent.xml"], "cannot read"),
    (["-x", str(CORPUS / "simple1.xml"), "--op-inject", "garbage"], "invalid operation spec"),
    (["-x", str(CORPUS / "simple1.xml"), "--node-fail", "nosuchnode"], "unknown node"),
    (["-x", str(CORPUS / "simple1.xml"), "-t", "yesterday"], "invalid date"),
    (["--bogus"], "simulate:"),
])
def test_bad_input_is_one_line(argv: list[str], message: str,
                               capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, *argv)
    assert code == 2
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_malformed_cib(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.xml"
    bad.write_text("<cib><configuration>")
    code, _, err = run(capsys, "-x", str(bad))
    assert code == 2 and "malformed XML" in err and "line" in err


def test_output_file_is_untouched_when_input_is_bad(tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out_cib = tmp_path / "out.xml"
    out_cib.write_text("previous")
    run(capsys, "-x", str(CORPUS / "simple1.xml"), "--node-fail", "nosuchnode",
        "-O", str(out_cib))
    assert out_cib.read_text() == "previous"


CORPUS = Path(__file__).resolve().parents[1] / "data" / "pacemaker-cts" / "xml"
IMPLIED_NODES = sorted(
    p.stem for p in CORPUS.glob("*.xml")
    if any(mark in p.read_text() for mark in ('name="remote-node"', "<bundle", 'type="remote"')))


@pytest.mark.parametrize("case", IMPLIED_NODES)
def test_simulation_runs_through_with_implied_nodes(case: str,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    """Remote, guest and bundle nodes exist only by implication: executing a transition on
    them records results there instead of refusing the node or the resource."""
    assert main(["simulate", "-x", str(CORPUS / f"{case}.xml"), "-S"]) == 0
    out = capsys.readouterr().out
    assert "Revised Cluster Status:" in out

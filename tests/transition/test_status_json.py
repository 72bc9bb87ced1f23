"""`status --output json`: the state a status display shows, for tools."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from buttress.cib import load_cib
from buttress.cli.main import main
from buttress.transition.status_json import status_data

CORPUS = Path(__file__).resolve().parent.parent / "data" / "pacemaker-cts" / "xml"


def test_failed_resource_and_nodes() -> None:
    data = status_data(load_cib(CORPUS / "simple4.xml"), 1_700_000_000)
    assert [n["name"] for n in data["nodes"]] == ["node1"]
    (rsc,) = data["resources"]
    assert (rsc["id"], rsc["nodes"], rsc["failed"]) == ("rsc1", ["node1"], True)


def test_unclean_node_and_group_members() -> None:
    data = status_data(load_cib(CORPUS / "rec-node-4.xml"), 1_700_000_000)
    node1 = next(n for n in data["nodes"] if n["name"] == "node1")
    assert node1["unclean"] and not node1["online"]


def test_cli_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["-f", str(CORPUS / "group1.xml"), "status", "--output", "json"])
    out = capsys.readouterr().out
    assert code == 0
    data = json.loads(out)
    group = next(r for r in data["resources"] if r["id"] == "rsc1")
    assert group["kind"] == "group"
    assert [m["id"] for m in group["members"]] == ["child_rsc1", "child_rsc2", "child_rsc3"]

"""The status renderer against the "Current cluster status" blocks of Pacemaker's corpus.

tests/data/status-ratchet.txt lists the cases whose block ``render_status`` already prints
exactly (rule: buttress.conformance.status); a listed case that fails is a regression.
``scripts/status_conformance.py`` prints the rate and rewrites the ratchet.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from buttress.conformance.corpus import EXCLUDED, load_manifest
from buttress.conformance.status import (
    first_difference,
    normalize_lines,
    render_case_status,
    same_status,
    status_block,
)
from buttress.model.cib import Cib, Configuration
from buttress.model.nodes import Node
from buttress.model.status import NodeState, Status
from buttress.transition.status_out import numeric_strcasecmp
from buttress.transition.status_text import render_status

DATA = Path(__file__).resolve().parent.parent / "data"
CORPUS = DATA / "pacemaker-cts"
RATCHET = [line.strip() for line in (DATA / "status-ratchet.txt").read_text().splitlines()
           if line.strip()]
CASES = {case.name: case for case in load_manifest(CORPUS)}

T = "\t"


def _render(name: str) -> str:
    case = CASES[name]
    date = None
    args = list(case.extra_args)
    if "-t" in args:
        date = args[args.index("-t") + 1]
    return render_case_status(case.xml, date)


@pytest.mark.parametrize("name", RATCHET)
def test_ratchet_case_matches_pacemaker(name: str) -> None:
    want = status_block(CASES[name].summary.read_text())
    assert want is not None
    got = _render(name)
    assert same_status(got, want), first_difference(got, want)


def test_ratchet_names_real_cases() -> None:
    assert len(RATCHET) >= 600, "the ratchet lost cases"
    assert set(RATCHET) <= set(CASES)
    assert not set(RATCHET) & EXCLUDED


# ---- golden cases ------------------------------------------------------------------------


def test_golden_cloned_group_with_failed_member() -> None:
    got = _render("clone-anon-failcount").splitlines()
    assert got[:3] == ["  * Node List:", "    * Online: [ srv01 srv02 srv03 srv04 ]", ""]
    start = got.index("    * Clone Set: clnUMgroup01 [clnUmResource]:")
    assert got[start:start + 6] == [
        "    * Clone Set: clnUMgroup01 [clnUmResource]:",
        "      * Resource Group: clnUmResource:0:",
        f"        * clnUMdummy01{T}(ocf:pacemaker:Dummy):{T} FAILED srv04",
        f"        * clnUMdummy02{T}(ocf:pacemaker:Dummy):{T} Started srv04",
        "      * Started: [ srv01 ]",
        "      * Stopped: [ srv02 srv03 ]",
    ]


def test_golden_failed_probes_in_clones() -> None:
    assert _render("failed-probe-clone") == "\n".join([
        "  * Node List:",
        "    * Online: [ cluster01 cluster02 ]",
        "",
        "  * Full List of Resources:",
        f"    * Fencing{T}(stonith:fence_xvm):{T} Started cluster01",
        "    * Clone Set: ping-1-clone [ping-1]:",
        "      * Stopped (not installed): [ cluster01 cluster02 ]",
        "    * Clone Set: ping-2-clone [ping-2]:",
        "      * Stopped: [ cluster02 ]",
        "      * Stopped (not installed): [ cluster01 ]",
        "    * Clone Set: ping-3-clone [ping-3]:",
        f"      * ping-3{T}(ocf:pacemaker:ping):{T} FAILED cluster01",
        "      * Stopped (not installed): [ cluster02 ]",
    ])


def test_golden_unmanaged_disabled_group() -> None:
    assert _render("rsc-maintenance") == "\n".join([
        "  * Node List:",
        "    * Online: [ node1 node2 ]",
        "",
        "  * Full List of Resources:",
        "    * Resource Group: group1 (unmanaged, disabled):",
        f"      * rsc1{T}(ocf:pacemaker:Dummy):{T} Started node1 (disabled, unmanaged)",
        f"      * rsc2{T}(ocf:pacemaker:Dummy):{T} Started node1 (disabled, unmanaged)",
        "    * Resource Group: group2:",
        f"      * rsc3{T}(ocf:pacemaker:Dummy):{T} Started node2",
        f"      * rsc4{T}(ocf:pacemaker:Dummy):{T} Started node2",
    ])


def test_golden_blocked_member() -> None:
    got = _render("unmanaged-block-restart")
    assert f"      * rsc4{T}(ocf:pacemaker:Dummy):{T} FAILED yingying.site (blocked)" in \
        got.splitlines()


# ---- synthetic clusters ------------------------------------------------------------------


def test_empty_cluster() -> None:
    cib = Cib(header=(), configuration=Configuration(), status=Status())
    assert render_status(cib, 0) == "  * Full List of Resources:\n    * No resources"


def test_nodes_without_resources() -> None:
    nodes = (Node(id="2", uname="node10"), Node(id="1", uname="node9"),
             Node(id="3", uname="Node2"))
    states = tuple(NodeState(id=n.id, uname=n.uname, in_ccm="true", crmd="online",
                             join="member", expected="member") for n in nodes[:2])
    cib = Cib(header=(("have-quorum", "1"),), configuration=Configuration(nodes=nodes),
              status=Status(nodes=states))
    assert render_status(cib, 0).splitlines() == [
        "  * Node List:",
        "    * Node Node2: UNCLEAN (offline)",
        "    * Online: [ node9 node10 ]",
        "",
        "  * Full List of Resources:",
        "    * No resources",
    ]


# ---- the judging rule --------------------------------------------------------------------


def test_status_block_extraction() -> None:
    text = ("Using the original execution date of: 2020-01-01 00:00:00Z\n"
            "Current cluster status:\n  * Node List:\n    * Online: [ a ]\n\n"
            "  * Full List of Resources:\n    * r\t(ocf::x:y):\t Started a  \n\n"
            "Transition Summary:\n")
    block = status_block(text)
    assert block is not None
    assert block.splitlines()[0] == "  * Node List:"
    assert normalize_lines(block)[-1] == "    * r\t(ocf:x:y):\t Started a"
    assert status_block("no header here") is None


def test_numeric_node_order() -> None:
    assert numeric_strcasecmp("node9", "node10") < 0
    assert numeric_strcasecmp("Node2", "node10") < 0
    assert numeric_strcasecmp("node07", "node7") > 0
    assert numeric_strcasecmp("abc", "ABC") == 0

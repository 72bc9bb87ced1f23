"""``constraint ...`` commands: ids and attributes as pcs writes them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

Xml = Callable[[], etree._Element]


@pytest.fixture
def three(ok) -> None:
    for name, ip in (("a", 1), ("b", 2), ("c", 3)):
        ok(f"resource create {name} VIP ip={ip}")
    ok("resource create d DB promotable")


def cons(root: etree._Element) -> list[etree._Element]:
    return list(root.find("configuration/constraints"))


def test_location_prefers_avoids(three, ok, xml: Xml) -> None:
    ok("constraint location a prefers node-1 node-2=50")
    ok("constraint location b avoids node-1=100 node-2")
    got = [(c.get("id"), c.get("rsc"), c.get("node"), c.get("score")) for c in cons(xml())]
    assert got == [
        ("location-a-node-1-INFINITY", "a", "node-1", "INFINITY"),
        ("location-a-node-2-50", "a", "node-2", "50"),
        ("location-b-node-1--100", "b", "node-1", "-100"),
        ("location-b-node-2--INFINITY", "b", "node-2", "-INFINITY")]


def test_location_rule(three, ok, xml: Xml) -> None:
    ok("constraint location d-clone rule resource-discovery=exclusive score=0 role=master "
       "osprole eq controller and #uname ne node-3")
    loc = cons(xml())[0]
    assert loc.get("id") == "location-d-clone"
    assert loc.get("resource-discovery") == "exclusive"
    assert loc.get("role") == "Promoted"
    rule = loc.find("rule")
    assert rule is not None
    assert (rule.get("id"), rule.get("score"), rule.get("boolean-op")) == (
        "location-d-clone-rule", "0", "and")
    exprs = [(e.get("id"), e.get("attribute"), e.get("operation"), e.get("value"))
             for e in rule.findall("expression")]
    assert exprs == [("location-d-clone-rule-expr", "osprole", "eq", "controller"),
                     ("location-d-clone-rule-expr-1", "#uname", "ne", "node-3")]
    ok("constraint location a rule defined pingd")
    second = cons(xml())[1]
    assert second.find("rule").get("score") == "INFINITY"
    assert second.find("rule/expression").get("operation") == "defined"


def test_location_add_and_regexp(three, ok, xml: Xml) -> None:
    ok("constraint location add my-loc a node-1 200 resource-discovery=never")
    ok("constraint location regexp%web-.* prefers node-2")
    first, second = cons(xml())
    assert (first.get("id"), first.get("score"), first.get("resource-discovery")) == (
        "my-loc", "200", "never")
    assert second.get("rsc-pattern") == "web-.*" and second.get("rsc") is None


def test_order_forms(three, ok, xml: Xml) -> None:
    ok("constraint order a then b")
    ok("constraint order promote d-clone then start c kind=Optional")
    ok("constraint order stop b then c require-all=false symmetrical=false id=custom")
    got = [dict(c.attrib) for c in cons(xml())]
    assert got[0] == {"first": "a", "then": "b", "first-action": "start",
                      "then-action": "start", "id": "order-a-b-mandatory"}
    assert got[1] == {"first": "d-clone", "then": "c", "kind": "Optional",
                      "first-action": "promote", "then-action": "start",
                      "id": "order-d-clone-c-Optional"}
    assert got[2]["id"] == "custom" and got[2]["require-all"] == "false"
    assert got[2]["symmetrical"] == "false" and got[2]["first-action"] == "stop"


def test_order_cycle_is_refused(three, run, ok, cib) -> None:
    ok("constraint order a then b")
    ok("constraint order b then c")
    before = cib.read_bytes()
    result = run("constraint order c then a")
    assert result.rc == 1
    assert result.err.strip() == ("buttress: error: order constraint would create a "
                                  "dependency cycle: c -> a -> b -> c")
    assert cib.read_bytes() == before
    ok("constraint order c then a --force")


def test_colocation(three, ok, xml: Xml) -> None:
    ok("constraint colocation add a with b")
    ok("constraint colocation add c with master d-clone -100 id=col")
    ok("constraint colocation add slave d-clone with started a 10")
    got = [dict(c.attrib) for c in cons(xml())]
    assert got[0] == {"rsc": "a", "with-rsc": "b", "score": "INFINITY",
                      "id": "colocation-a-b-INFINITY"}
    assert got[1] == {"rsc": "c", "with-rsc": "d-clone", "score": "-100",
                      "rsc-role": "Started", "with-rsc-role": "Promoted", "id": "col"}
    assert got[2]["rsc-role"] == "Unpromoted" and got[2]["with-rsc-role"] == "Started"


def test_sets(three, ok, xml: Xml) -> None:
    ok("constraint order set a b sequential=false set c action=promote "
       "setoptions kind=Optional id=oset")
    ok("constraint colocation set a b set c setoptions score=100")
    order, coloc = cons(xml())
    assert order.get("id") == "oset" and order.get("kind") == "Optional"
    sets = order.findall("resource_set")
    assert [[r.get("id") for r in s] for s in sets] == [["a", "b"], ["c"]]
    assert sets[0].get("sequential") == "false" and sets[1].get("action") == "promote"
    assert coloc.get("score") == "100" and len(coloc.findall("resource_set")) == 2


def test_remove_ref_and_config(three, run, ok, xml: Xml) -> None:
    ok("constraint order a then b")
    ok("constraint colocation add a with b")
    ok("constraint location a prefers node-1")
    ref = ok("constraint ref a").out.split()
    assert ref == ["Resource:", "a", "order-a-b-mandatory", "colocation-a-b-INFINITY",
                   "location-a-node-1-INFINITY"]
    text = ok("constraint config").out
    assert "resource 'a' prefers node 'node-1' with score INFINITY" in text
    assert "start resource 'a' then start resource 'b'" in text
    ok("constraint remove order-a-b-mandatory")
    ok("constraint colocation remove a b")
    assert [c.tag for c in cons(xml())] == ["rsc_location"]
    assert "does not exist" in run("constraint remove nothing").err


def test_constraint_on_clone_child_needs_force(three, run, ok) -> None:
    result = run("constraint location d prefers node-1")
    assert result.rc == 1 and "constrain 'd-clone' instead" in result.err
    ok("constraint location d prefers node-1 --force")


def test_duplicate_constraint(three, run, ok) -> None:
    ok("constraint colocation add a with b")
    assert "duplicate constraint" in run("constraint colocation add a with b").err
    ok("constraint colocation add a with b --force")


@pytest.mark.parametrize("line, message", [
    ("constraint location a prefers node-1=lots", "invalid score 'lots'"),
    ("constraint colocation add a with b often", "invalid score 'often'"),
    ("constraint location a rule osprole eq", "malformed rule"),
    ("constraint location a rule ( osprole eq x", "malformed rule"),
    ("constraint location a rule date gt yesterday", "not an ISO 8601 date"),
    ("constraint order a then nothere", "resource 'nothere' does not exist"),
    ("constraint order jump a then b", "invalid action 'jump'"),
    ("constraint order a then b kind=Sometimes", "invalid kind 'Sometimes'"),
    ("constraint colocation add a with a", "with itself"),
])
def test_constraint_errors(three, run, cib, line: str, message: str) -> None:
    before = cib.read_bytes()
    result = run(line)
    assert result.rc != 0
    assert message in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert cib.read_bytes() == before

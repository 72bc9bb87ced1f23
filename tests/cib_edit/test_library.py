"""The editing library used directly (no command line): ids, sets, resources, constraints."""

from __future__ import annotations

import pytest
from lxml import etree

from buttress.agents.metadata import ActionInfo, AgentMetadata, AgentName, ParameterInfo
from buttress.cib.edit import constraints, lifecycle, resources, stonith, wrappers
from buttress.cib.edit.document import CibDocument, sanitize_id
from buttress.cib.edit.errors import (
    CycleError,
    DuplicateIdError,
    ForceRequiredError,
    InvalidValueError,
    NotFoundError,
)
from buttress.cib.edit.nvsets import update_set
from buttress.cib.edit.operations import OpSpec
from buttress.cib.edit.values import normalize_role, normalize_score

START = b"""<cib epoch="1"><configuration><crm_config/><nodes>
<node id="1" uname="n1"/></nodes><resources/><constraints/></configuration><status/></cib>"""

META = AgentMetadata(
    agent=AgentName("ocf", "X", "test"),
    parameters=(ParameterInfo("a", required=True), ParameterInfo("b")),
    actions=(ActionInfo("start", timeout="10s"), ActionInfo("monitor", timeout="5s",
                                                              interval="7s"),
             ActionInfo("meta-data"), ActionInfo("promote", timeout="9s"),
             ActionInfo("monitor", role="Slave", interval="8s")))


@pytest.fixture
def doc() -> CibDocument:
    return CibDocument.from_bytes(START)


def spec(rsc: str, **kw: object) -> resources.ResourceSpec:
    base: dict[str, object] = {"rsc_id": rsc, "agent": META.agent, "instance": [("a", "1")]}
    base.update(kw)
    return resources.ResourceSpec(**base)  # type: ignore[arg-type]


def test_unique_ids_and_sanitizing(doc: CibDocument) -> None:
    assert doc.unique_id("n1") == "n1"
    etree.SubElement(doc.resources, "primitive", id="x")
    assert doc.unique_id("x") == "x-1"
    assert sanitize_id("location-a b-c:d") == "location-a_b-c_d"
    assert sanitize_id("1abc") == "_1abc"


def test_update_set_creates_and_removes(doc: CibDocument) -> None:
    prim = etree.SubElement(doc.resources, "primitive", id="p")
    etree.SubElement(prim, "operations")
    assert update_set(doc, prim, "meta_attributes", [("x", "")]) is None
    nvset = update_set(doc, prim, "meta_attributes", [("b", "2"), ("a", "1")], sort_new=True)
    assert nvset is not None and prim.index(nvset) == 0
    assert [n.get("id") for n in nvset] == ["p-meta_attributes-a", "p-meta_attributes-b"]
    update_set(doc, prim, "meta_attributes", [("a", ""), ("b", "3")])
    assert [(n.get("name"), n.get("value")) for n in nvset] == [("b", "3")]


def test_create_default_ops_from_metadata(doc: CibDocument) -> None:
    prim = resources.create_resource(doc, spec("r", ops=[OpSpec("start", [("timeout", "20")])]),
                                     META)
    got = [(o.get("name"), o.get("interval"), o.get("timeout"), o.get("role"))
           for o in prim.iter("op")]
    assert got == [("monitor", "7s", "5s", None), ("monitor", "8s", None, "Unpromoted"),
                   ("promote", "0s", "9s", None), ("start", "0s", "20", None)]


def test_create_checks(doc: CibDocument) -> None:
    resources.create_resource(doc, spec("r"), META)
    with pytest.raises(DuplicateIdError):
        resources.create_resource(doc, spec("r"), META)
    with pytest.raises(ForceRequiredError, match="required option"):
        resources.create_resource(doc, spec("s", instance=[]), META)
    with pytest.raises(ForceRequiredError, match="not installed"):
        resources.create_resource(doc, spec("s"), None)
    with pytest.raises(DuplicateIdError):
        resources.create_resource(doc, spec("s", ops=[OpSpec("monitor", [("interval", "7")]),
                                                      OpSpec("monitor", [("interval", "7s")])]),
                                  META)
    with pytest.raises(InvalidValueError, match="invalid resource id"):
        resources.create_resource(doc, spec("has space"), META)
    assert [p.get("id") for p in doc.primitives()] == ["r"]


def test_group_delete_last_member_removes_group(doc: CibDocument) -> None:
    resources.create_resource(doc, spec("a", wrapper="group", wrapper_id="g"), META)
    resources.create_resource(doc, spec("b", wrapper="group", wrapper_id="g"), META)
    constraints.add_location_node(doc, "g", "n1", "10")
    assert resources.delete_resource(doc, "a") == ["a"]
    assert doc.find_resource("g") is not None
    assert resources.delete_resource(doc, "b") == ["g", "b"]
    assert len(doc.constraints) == 0


def test_set_constraint_refs_removed_with_resource(doc: CibDocument) -> None:
    for name in "abc":
        resources.create_resource(doc, spec(name), META)
    constraints.add_set_constraint(doc, "rsc_order", [constraints.SetSpec(["a", "b"]),
                                                      constraints.SetSpec(["c"])], [])
    with pytest.raises(CycleError):
        constraints.add_order(doc, "start", "c", "start", "a", [])
    resources.delete_resource(doc, "c")
    sets = doc.constraints.findall("rsc_order/resource_set")
    assert [[r.get("id") for r in s] for s in sets] == [["a", "b"]]
    resources.delete_resource(doc, "a")
    resources.delete_resource(doc, "b")
    assert len(doc.constraints) == 0


def test_group_cannot_hold_clone_children(doc: CibDocument) -> None:
    resources.create_resource(doc, spec("a", wrapper="clone"), META)
    with pytest.raises(InvalidValueError, match="cannot be grouped"):
        wrappers.group_add(doc, "g", ["a"])


def test_stonith_level_validation(doc: CibDocument) -> None:
    with pytest.raises(ForceRequiredError):
        stonith.add_level(doc, "1", "n1", ["f1"])
    level = stonith.add_level(doc, "1", "regexp%n.*", ["f1,f2"], force=True)
    assert level.get("target-pattern") == "n.*" and level.get("devices") == "f1,f2"
    attr = stonith.add_level(doc, "2", "attrib%rack=1", ["f1"], force=True)
    assert (attr.get("target-attribute"), attr.get("target-value")) == ("rack", "1")
    with pytest.raises(InvalidValueError):
        stonith.add_level(doc, "0", "n1", ["f1"], force=True)


def test_lifecycle_errors(doc: CibDocument) -> None:
    with pytest.raises(NotFoundError):
        lifecycle.set_target_role(doc, ["nope"], enabled=False)
    resources.create_resource(doc, spec("r"), META)
    lifecycle.move(doc, "r", "n1", role="master", lifetime="2030-01-01")
    loc = doc.constraints.find("rsc_location")
    assert loc is not None and loc.get("role") == "Promoted"
    assert loc.find("rule/date_expression").get("end") == "2030-01-01"  # type: ignore[union-attr]


@pytest.mark.parametrize("text, want", [("inf", None), ("+INFINITY", "INFINITY"),
                                        ("-infinity", "-INFINITY"), ("007", "7"),
                                        ("-5", "-5"), ("1.5", None)])
def test_scores(text: str, want: str | None) -> None:
    if want is None:
        with pytest.raises(InvalidValueError):
            normalize_score(text)
    else:
        assert normalize_score(text) == want


def test_roles() -> None:
    assert normalize_role("master") == "Promoted"
    assert normalize_role("Slave") == "Unpromoted"
    with pytest.raises(InvalidValueError):
        normalize_role("boss")

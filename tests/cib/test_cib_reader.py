"""CIB XML -> model: what is read, and how bad input is reported."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from buttress.cib import load_cib, parse_cib
from buttress.errors import CibError
from buttress.model import Clone, Group, Primitive

CORPUS = Path(__file__).resolve().parent.parent / "data" / "pacemaker-cts" / "xml"

MINIMAL = """<cib have-quorum="1" execution-date="1000">
  <configuration>
    <crm_config><cluster_property_set id="p"><nvpair id="p1" name="stonith-enabled"
      value="false"/></cluster_property_set></crm_config>
    <nodes><node id="1" uname="node1"><instance_attributes id="n1">
      <nvpair id="n1a" name="osprole" value="compute"/></instance_attributes></node></nodes>
    <resources>
      <primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2">
        <instance_attributes id="ip-ia"><nvpair id="ip-ia-1" name="ip" value="10.0.0.1"/>
        </instance_attributes>
        <operations><op id="ip-mon" name="monitor" interval="10s"/></operations>
      </primitive>
      <group id="g"><primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/></group>
      <clone id="c"><primitive id="d" class="ocf" provider="pacemaker" type="Dummy"/></clone>
    </resources>
    <constraints>
      <rsc_location id="l1" rsc="ip" node="node1" score="INFINITY"/>
      <rsc_colocation id="c1" rsc="g" with-rsc="ip" score="INFINITY"/>
      <rsc_order id="o1" first="ip" then="g" kind="Mandatory"/>
    </constraints>
  </configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member"
                expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="ip" class="ocf" provider="heartbeat"
        type="IPaddr2"><lrm_rsc_op id="ip_start_0" operation="start" interval="0"
        call-id="3" rc-code="0" op-status="0" transition-key="1:2:0:abc"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
  </status>
</cib>"""


def test_reads_configuration_and_status() -> None:
    cib = parse_cib(MINIMAL)
    config = cib.configuration
    assert cib.header_value("execution-date") == "1000"
    ip, group, clone = config.resources
    assert isinstance(ip, Primitive) and ip.agent == "ocf:heartbeat:IPaddr2"
    assert ip.operations[0].interval_ms == 10_000
    assert isinstance(group, Group) and group.children[0].id == "a"
    assert isinstance(clone, Clone) and isinstance(clone.child, Primitive)
    assert config.locations[0].score == "INFINITY"
    assert config.colocations[0].with_rsc == "ip"
    assert config.orders[0].kind == "Mandatory"
    assert config.nodes[0].attributes[0].get("osprole") == "compute"
    op = cib.status.nodes[0].history[0].ops[0]
    assert (op.operation, op.call_id, op.rc_code) == ("start", 3, 0)


def test_malformed_xml_names_line() -> None:
    with pytest.raises(CibError) as err:
        parse_cib("<cib>\n<configuration>\n</cib>")
    assert "line" in str(err.value)
    assert err.value.exit_code == 2


def test_missing_attribute_names_element_and_line() -> None:
    text = MINIMAL.replace('<primitive id="a" class="ocf"', '<primitive class="ocf"')
    with pytest.raises(CibError) as err:
        parse_cib(text)
    assert "<primitive>" in str(err.value) and "'id'" in str(err.value)
    assert err.value.line is not None


def test_unreadable_file(tmp_path: Path) -> None:
    with pytest.raises(CibError, match="cannot read"):
        load_cib(tmp_path / "missing.xml")


def test_every_corpus_input_parses() -> None:
    for path in sorted(CORPUS.glob("*.xml")):
        load_cib(path)


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=0, max_value=len(MINIMAL) - 1), st.text(max_size=5))
def test_mangled_input_is_cib_error_or_cib(position: int, junk: str) -> None:
    """Whatever the damage, the reader answers with a Cib or a CibError, nothing else."""
    text = MINIMAL[:position] + junk + MINIMAL[position + 1:]
    with contextlib.suppress(CibError):
        parse_cib(text)

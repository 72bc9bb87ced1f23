"""Recovery rules: multiple-active policies, restart-type, whose reasons a summary shows."""

from __future__ import annotations

from buttress.cib import parse_cib
from buttress.scheduler import schedule
from buttress.transition.graph import Transition

NOW = 1_700_000_000


def _op(rsc: str, task: str, call: int, rc: int = 0, interval: int = 0) -> str:
    expected = 7 if task == "monitor" and interval == 0 else 0
    return (f'<lrm_rsc_op id="{rsc}_{task}_{interval}" operation="{task}" call-id="{call}" '
            f'rc-code="{rc}" op-status="0" interval="{interval}" '
            f'transition-key="1:1:{expected}:x"/>')


def cib(resources: str, status: dict[str, str], constraints: str = "",
        nodes: tuple[str, ...] = ("node1", "node2")) -> str:
    node_xml = "".join(f'<node id="{n}" uname="{n}"/>' for n in nodes)
    states = "".join(
        f'<node_state id="{n}" uname="{n}" in_ccm="true" crmd="online" join="member" '
        f'expected="member"><lrm id="{n}"><lrm_resources>{status.get(n, "")}'
        f'</lrm_resources></lrm></node_state>' for n in nodes)
    return (f'<cib have-quorum="1"><configuration><crm_config><cluster_property_set id="o">'
            f'<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set>'
            f'</crm_config><nodes>{node_xml}</nodes><resources>{resources}</resources>'
            f'<constraints>{constraints}</constraints></configuration>'
            f'<status>{states}</status></cib>')


def lrm(rsc: str, *ops: str) -> str:
    return f'<lrm_resource id="{rsc}" class="ocf" provider="pacemaker" type="Dummy">' \
        f'{"".join(ops)}</lrm_resource>'


def summary(transition: Transition) -> list[str]:
    return [" ".join(line.render().split()).removeprefix("* ") for line in transition.summary]


def primitive(rsc: str, meta: str = "") -> str:
    block = f'<meta_attributes id="{rsc}-m">{meta}</meta_attributes>' if meta else ""
    return f'<primitive id="{rsc}" class="ocf" provider="pacemaker" type="Dummy">{block}' \
        f'</primitive>'


def _both_active(policy: str) -> list[str]:
    meta = f'<nvpair id="ma" name="multiple-active" value="{policy}"/>'
    status = {"node1": lrm("rsc1", _op("rsc1", "start", 2)),
              "node2": lrm("rsc1", _op("rsc1", "start", 2))}
    return summary(schedule(parse_cib(cib(primitive("rsc1", meta), status)), NOW))


def test_multiple_active_stop_only_stops_everywhere() -> None:
    assert _both_active("stop_only") == [
        "Stop rsc1 ( node1 ) due to node availability",
        "Stop rsc1 ( node2 ) due to node availability"]


def test_multiple_active_block_leaves_it_alone() -> None:
    assert _both_active("block") == []


def test_multiple_active_stop_unexpected_restarts_in_place() -> None:
    assert _both_active("stop_unexpected") == ["Restart rsc1 ( node1 )"]


def test_restart_type_restart_follows_an_optional_order() -> None:
    """restart-type=restart: a restart of what a resource is ordered after restarts it,
    and the restart's reason names that cause, not the resource's own stop."""
    resources = primitive("rsc1", '<nvpair id="rt" name="restart-type" value="restart"/>') \
        + primitive("rsc2")
    status = {"node1": lrm("rsc1", _op("rsc1", "start", 2))
              + lrm("rsc2", _op("rsc2", "start", 2), _op("rsc2", "monitor", 3, rc=1,
                                                          interval=10000))}
    order = '<rsc_order id="o1" first="rsc2" then="rsc1" kind="Optional"/>'
    lines = summary(schedule(parse_cib(cib(resources, status, order,
                                           nodes=("node1",))), NOW))
    assert lines == ["Restart rsc1 ( node1 ) due to required rsc2 start",
                     "Recover rsc2 ( node1 )"]

"""Small CIBs for scheduler rule tests: Dummy primitives and their operation history."""

from __future__ import annotations

from buttress.cib import parse_cib
from buttress.scheduler import schedule

NOW = 1_700_000_000


def op(rsc: str, task: str, call: int, rc: int = 0, interval: int = 0,
       extra: str = "") -> str:
    """One recorded result; ``extra`` adds raw attributes (migrate_source=...)."""
    expected = 7 if task == "monitor" and interval == 0 else 0
    # the digest of a Dummy without parameters: the definition did not change since
    digest = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8" ' if interval == 0 else ""
    return (f'<lrm_rsc_op id="{rsc}_{task}_{interval}" operation="{task}" call-id="{call}" '
            f'rc-code="{rc}" op-status="0" interval="{interval}" '
            f'transition-key="1:1:{expected}:x" {digest}{extra}/>')


def migrate(rsc: str, task: str, call: int, source: str, target: str, rc: int = 0,
            when: int = 0) -> str:
    changed = f' last-rc-change="{when}"' if when else ""
    return op(rsc, task, call, rc, extra=f'migrate_source="{source}" '
              f'migrate_target="{target}"{changed}')


def lrm(rsc: str, *ops: str) -> str:
    return f'<lrm_resource id="{rsc}" class="ocf" provider="pacemaker" type="Dummy">' \
        f'{"".join(ops)}</lrm_resource>'


def primitive(rsc: str, meta: str = "") -> str:
    block = f'<meta_attributes id="{rsc}-m">{meta}</meta_attributes>' if meta else ""
    return f'<primitive id="{rsc}" class="ocf" provider="pacemaker" type="Dummy">{block}' \
        f'</primitive>'


def nvpair(name: str, value: str) -> str:
    return f'<nvpair id="nv-{name}" name="{name}" value="{value}"/>'


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


def summary_of(text: str) -> list[str]:
    """The Transition Summary lines, whitespace squeezed, without the bullet."""
    transition = schedule(parse_cib(text), NOW)
    return [" ".join(line.render().split()).removeprefix("* ")
            for line in transition.summary]


def ban(rsc: str, node: str) -> str:
    return f'<rsc_location id="ban-{rsc}-{node}" rsc="{rsc}" node="{node}" score="-INFINITY"/>'

"""Small CIBs for scheduler rule tests: Dummy primitives and their operation history."""

from __future__ import annotations

import itertools

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


#: the op-digest of a Dummy without parameters (the definition did not change since)
DUMMY_DIGEST = "f2317cad3d54cec5d7d7aa7d0bf35cf8"
_calls = itertools.count(1)


def started_op(lrm_id: str, op_digest: str = DUMMY_DIGEST) -> str:
    """A successful start of ``lrm_id``, recorded the way a real node records it."""
    k = next(_calls)
    key = f"{k}:0:0:63e36ef0-cc16-4f1c-a058-c1d85188901a"
    return (f'<lrm_rsc_op id="{lrm_id}_op{k}" operation_key="{lrm_id}_start_0" '
            f'operation="start" transition-key="{key}" transition-magic="0:0;{key}" '
            f'call-id="{k}" rc-code="0" op-status="0" interval="0" op-digest="{op_digest}"/>')


def running_cib(resources: str, running: dict[str, list[str]], constraints: str = "",
                op_digest: str = DUMMY_DIGEST) -> str:
    """Online nodes (the keys of ``running``), each with the given history ids started."""
    nodes = "".join(f'<node id="{n}" uname="{n}"/>' for n in running)
    status = ""
    for node, lrm_ids in running.items():
        history = "".join(f'<lrm_resource id="{r}" type="Dummy" class="ocf" '
                          f'provider="pacemaker">{started_op(r, op_digest)}</lrm_resource>'
                          for r in lrm_ids)
        status += (f'<node_state id="{node}" uname="{node}" in_ccm="true" crmd="online" '
                   f'join="member" expected="member"><lrm id="{node}"><lrm_resources>'
                   f'{history}</lrm_resources></lrm></node_state>')
    return ('<cib epoch="1" num_updates="1" admin_epoch="0" have-quorum="1"><configuration>'
            '<crm_config><cluster_property_set id="opts"><nvpair id="se" '
            'name="stonith-enabled" value="false"/></cluster_property_set></crm_config>'
            f'<nodes>{nodes}</nodes><resources>{resources}</resources>'
            f'<constraints>{constraints}</constraints></configuration>'
            f'<status>{status}</status></cib>')


def last_op(rsc: str, task: str, call: int, rc: int = 0) -> str:
    """The ``<rsc>_last_0`` entry Pacemaker keeps for a resource's last non-recurring
    operation (with its operation_key), dated 20 s before NOW."""
    expected = 7 if task == "monitor" else 0
    key = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
    return (f'<lrm_rsc_op id="{rsc}_last_0" operation_key="{rsc}_{task}_0" '
            f'operation="{task}" call-id="{call}" rc-code="{rc}" op-status="0" '
            f'interval="0" transition-key="{call}:-1:{expected}:{key}" '
            f'last-rc-change="1699999880" op-digest="{DUMMY_DIGEST}"/>')


def with_transient(text: str, name: str, values: dict[str, int]) -> str:
    """``text`` with a transient node attribute (e.g. a promotion score ``master-p``, as a
    promotable agent records it) on each node of ``values``."""
    for node, value in values.items():
        attrs = (f'<transient_attributes id="{node}-t"><instance_attributes id="{node}-ta">'
                 f'<nvpair id="{node}-mp" name="{name}" value="{value}"/>'
                 f'</instance_attributes></transient_attributes>')
        text = text.replace(f'<lrm id="{node}">', f'{attrs}<lrm id="{node}">')
    return text

"""Synthetic CIBs for the benchmarks: deterministic, shaped like OpenStack control planes."""

from __future__ import annotations

import itertools
from xml.sax.saxutils import quoteattr

HEADER = ('<cib admin_epoch="0" epoch="1" num_updates="0" have-quorum="1" dc-uuid="1" '
          'validate-with="pacemaker-3.0" crm_feature_set="3.16.1" '
          'execution-date="1700000000">\n<configuration>\n<crm_config>'
          '<cluster_property_set id="cib-bootstrap-options">'
          '<nvpair id="o-stonith" name="stonith-enabled" value="true"/>'
          '</cluster_property_set></crm_config>\n')


def _node_state(node_id: str, uname: str, up: bool, lrm: str = "") -> str:
    flags = ('in_ccm="true" crmd="online" join="member" expected="member"' if up else
             'in_ccm="false" crmd="offline" join="down" expected="member"')
    return (f'<node_state id="{node_id}" uname="{uname}" {flags}>'
            f'<lrm id="{node_id}"><lrm_resources>{lrm}</lrm_resources></lrm></node_state>\n')


def _primitive(rsc: str) -> str:
    return (f'<primitive id={quoteattr(rsc)} class="ocf" provider="heartbeat" type="Dummy">'
            f'<operations><op id="{rsc}-mon" name="monitor" interval="10s"/></operations>'
            f'</primitive>\n')


def _fencing(nodes: list[str]) -> str:
    return "".join(
        f'<primitive id="fence-{n}" class="stonith" type="fence_ipmilan">'
        f'<instance_attributes id="fence-{n}-ia"><nvpair id="fence-{n}-ia-h" '
        f'name="pcmk_host_list" value="{n}"/></instance_attributes></primitive>\n'
        for n in nodes)


def spread(nodes: int, resources: int) -> str:
    """A new cluster of ``nodes`` with ``resources`` independent sticky primitives."""
    names = [f"node{i + 1}" for i in range(nodes)]
    parts = [HEADER, "<nodes>"]
    parts += [f'<node id="{i + 1}" uname="{n}"/>' for i, n in enumerate(names)]
    parts += ["</nodes>\n<resources>\n", _fencing(names)]
    parts += [_primitive(f"rsc{i + 1}") for i in range(resources)]
    parts += ['</resources>\n<constraints/>\n<rsc_defaults><meta_attributes id="d">'
              '<nvpair id="d-s" name="resource-stickiness" value="100"/>'
              '</meta_attributes></rsc_defaults>\n</configuration>\n<status>\n']
    parts += [_node_state(str(i + 1), n, True) for i, n in enumerate(names)]
    parts.append("</status>\n</cib>\n")
    return "".join(parts)


def fresh_start(nodes: int, resources: int) -> str:
    """A new cluster: every node up, nothing probed yet, groups and orders among resources."""
    names = [f"node{i + 1}" for i in range(nodes)]
    parts = [HEADER, "<nodes>"]
    parts += [f'<node id="{i + 1}" uname="{n}"/>' for i, n in enumerate(names)]
    parts += ["</nodes>\n<resources>\n", _fencing(names)]
    parts += [_primitive(f"rsc{i + 1}") for i in range(resources)]
    parts.append("</resources>\n<constraints>\n")
    for i in range(0, resources - 1, 5):
        parts.append(f'<rsc_order id="o{i}" first="rsc{i + 1}" then="rsc{i + 2}"/>')
        parts.append(f'<rsc_colocation id="c{i}" rsc="rsc{i + 2}" with-rsc="rsc{i + 1}" '
                     f'score="INFINITY"/>\n')
    parts.append("</constraints>\n</configuration>\n<status>\n")
    parts += [_node_state(str(i + 1), n, True) for i, n in enumerate(names)]
    parts.append("</status>\n</cib>\n")
    return "".join(parts)


def remote_clones(controllers: int, remotes: int) -> str:
    """Controllers run cloned control-plane services; compute nodes are remote nodes that run
    cloned compute services, placed by osprole rules with resource-discovery=exclusive."""
    ctl = [f"controller-{i + 1}" for i in range(controllers)]
    cmp_ = [f"compute-{i + 1}" for i in range(remotes)]
    parts = [HEADER, "<nodes>"]
    for i, n in enumerate(ctl):
        parts.append(f'<node id="{i + 1}" uname="{n}"><instance_attributes id="{n}-a">'
                     f'<nvpair id="{n}-a-r" name="osprole" value="controller"/>'
                     f'</instance_attributes></node>')
    for n in cmp_:
        parts.append(f'<node id="{n}" uname="{n}" type="remote"><instance_attributes '
                     f'id="{n}-a"><nvpair id="{n}-a-r" name="osprole" value="compute"/>'
                     f'</instance_attributes></node>')
    parts += ["</nodes>\n<resources>\n", _fencing(ctl)]
    for n in cmp_:
        parts.append(f'<primitive id="{n}" class="ocf" provider="pacemaker" type="remote">'
                     f'<operations><op id="{n}-mon" name="monitor" interval="60s"/>'
                     f'</operations></primitive>\n')
    services = {"controller": ["haproxy", "memcached", "keystone", "glance-api", "nova-api",
                               "neutron-server"],
                "compute": ["libvirtd", "nova-compute", "neutron-ovs-agent"]}
    for svcs in services.values():
        for svc in svcs:
            parts.append(f'<clone id="{svc}-clone"><meta_attributes id="{svc}-clone-m">'
                         f'<nvpair id="{svc}-clone-m-i" name="interleave" value="true"/>'
                         f'</meta_attributes>{_primitive(svc)}</clone>\n')
    parts.append("</resources>\n<constraints>\n")
    for role, svcs in services.items():
        for svc in svcs:
            parts.append(f'<rsc_location id="loc-{svc}" rsc="{svc}-clone" '
                         f'resource-discovery="exclusive"><rule id="loc-{svc}-r" '
                         f'score="0"><expression id="loc-{svc}-e" attribute="osprole" '
                         f'operation="eq" value="{role}"/></rule></rsc_location>\n')
        for a, b in itertools.pairwise(svcs):
            parts.append(f'<rsc_order id="o-{a}-{b}" first="{a}-clone" then="{b}-clone"/>\n')
    for n in cmp_:
        parts.append(f'<rsc_location id="loc-{n}" rsc="{n}" node="{ctl[0]}" score="100"/>\n')
    parts.append("</constraints>\n</configuration>\n<status>\n")
    parts += [_node_state(str(i + 1), n, True) for i, n in enumerate(ctl)]
    parts.append("</status>\n</cib>\n")
    return "".join(parts)

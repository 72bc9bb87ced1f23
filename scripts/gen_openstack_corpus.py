#!/usr/bin/env python3
"""Generate OpenStack-style scheduler corpora whose expected outputs come from crm_simulate.

usage: scripts/gen_openstack_corpus.py random [--seed N] [--clusters N] [--out DIR]
       scripts/gen_openstack_corpus.py seed [--out DIR]

`random` builds seeded random OpenStack-like clusters (controllers with osprole, compute
nodes as pacemaker_remote nodes, VIPs, interleaved clones in ordering chains, promotable
galera/redis/rabbitmq, osprole location rules with resource-discovery=exclusive, per-node
fence_ipmilan devices, sometimes fencing levels and stickiness), then a state: fresh start,
part-way through the start, settled, or a settled state with one event applied through
crm_simulate's injection options.  `seed` does the same for the configuration the seed
OpenStack deployment produces (/work/shared/seed-commands/expected-cib*.xml).

Each case is written as `xml/NAME.xml` (the CIB *after* the injections, with a fixed
execution-date), `summary/NAME.summary` (`crm_simulate -x xml/NAME.xml -S`) and, when
small, `scores/NAME.scores` (`crm_simulate -x xml/NAME.xml -s -Q`), plus `manifest.tsv`
in the layout of tests/data/pacemaker-cts.  A case is dropped when crm_simulate crashes,
prints no Transition Summary, or prints a different output on a second run.

crm_simulate (Pacemaker 2.1.5) is the oracle here and only here: the product never runs it.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_DIR = Path("/work/shared/seed-commands")
CRM_SIMULATE = "crm_simulate"
#: every saved CIB says it is this moment; injected history is dated a little earlier
EXECUTION_DATE = 1700000000
HISTORY_DATE = EXECUTION_DATE - 120
SCORES_MAX_BYTES = 40_000
TIMEOUT = 60

GROUPS = {
    1: ("fresh", "fresh start, no history"),
    2: ("partial", "part-way through the start (first transition done, promotion scores set)"),
    3: ("settled", "settled: everything running where Pacemaker put it"),
    4: ("ctrl-fail", "controller failure (--node-fail)"),
    5: ("ctrl-down", "clean controller shutdown (--node-down)"),
    6: ("compute-fail", "compute (remote) node failure"),
    7: ("monitor-fail", "service monitor failure (--op-inject monitor rc 1/7)"),
    8: ("stop-fail", "stop failure (fencing)"),
    9: ("quorum-loss", "quorum loss (have-quorum=0) under a no-quorum-policy"),
    10: ("node-return", "node return (--node-up / compute connection re-enabled)"),
    11: ("promo-change", "promotion-score changes (transient master-* attributes)"),
}


class SimError(Exception):
    """crm_simulate crashed, timed out, or printed no Transition Summary."""


# --------------------------------------------------------------------------- crm_simulate

def simulate(cib: ET.Element, args: list[str], *, save_output: bool = False,
             save_input: bool = False) -> tuple[str, ET.Element | None]:
    """Run crm_simulate on `cib` with `args`; return stdout and the saved CIB, if asked."""
    with tempfile.TemporaryDirectory(prefix="gen-os-") as tmp:
        src = Path(tmp) / "in.xml"
        src.write_text(to_text(cib))
        cmd = [CRM_SIMULATE, "-x", str(src), *args]
        out_path = Path(tmp) / "out.xml"
        if save_output:
            cmd += ["-O", str(out_path)]
        if save_input:
            cmd += ["-I", str(out_path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise SimError("timeout") from exc
        if proc.returncode < 0:
            raise SimError(f"signal {-proc.returncode}")
        if "Transition Summary:" not in proc.stdout and "-s" not in args:
            raise SimError(f"no summary (rc {proc.returncode}): {proc.stderr[:200]}")
        saved = None
        if save_output or save_input:
            if not out_path.exists():
                raise SimError("no output CIB")
            saved = normalize(ET.fromstring(out_path.read_text()))
        return proc.stdout, saved


def summary_lines(stdout: str) -> list[str]:
    start = stdout.find("Transition Summary:")
    end = stdout.find("Executing Cluster Transition:", start)
    block = stdout[start + len("Transition Summary:"): end if end >= 0 else len(stdout)]
    return [line.strip() for line in block.splitlines() if line.strip()]


def to_text(cib: ET.Element) -> str:
    return ET.tostring(cib, encoding="unicode")


DROP_OP_ATTRS = ("crm-debug-origin", "exec-time", "queue-time")
#: dropped to keep the files small, but only when crm_simulate's output stays the same
SLIM_OP_ATTRS = ("transition-magic", "crm_feature_set")


def slim(cib: ET.Element) -> ET.Element:
    cib = copy(cib)
    for op in cib.iter("lrm_rsc_op"):
        for attr in SLIM_OP_ATTRS:
            op.attrib.pop(attr, None)
    return cib


def normalize(cib: ET.Element) -> ET.Element:
    """Fixed dates, no simulator-only noise, no indentation: byte-stable, small files."""
    cib.set("execution-date", str(EXECUTION_DATE))
    for attr in ("cib-last-written", "update-origin", "update-client", "update-user"):
        cib.attrib.pop(attr, None)
    for elem in cib.iter():
        elem.text = None if elem.text is None or not elem.text.strip() else elem.text
        elem.tail = None
        for attr in DROP_OP_ATTRS:
            elem.attrib.pop(attr, None)
        if elem.tag == "lrm_rsc_op":
            for attr in ("last-rc-change", "last-run"):
                if attr in elem.attrib:
                    elem.set(attr, str(HISTORY_DATE))
            if elem.get("exit-reason") == "":
                del elem.attrib["exit-reason"]
    return cib


def copy(cib: ET.Element) -> ET.Element:
    return ET.fromstring(to_text(cib))


# --------------------------------------------------------------------------- XML helpers

def nvset(parent: ET.Element, tag: str, set_id: str, pairs: dict[str, str]) -> ET.Element:
    elem = ET.SubElement(parent, tag, {"id": set_id})
    for name, value in pairs.items():
        ET.SubElement(elem, "nvpair", {"id": f"{set_id}-{name}", "name": name, "value": value})
    return elem


def primitive(parent: ET.Element, rid: str, agent: str, ops: list[tuple[str, str, str]],
              params: dict[str, str] | None = None,
              meta: dict[str, str] | None = None) -> ET.Element:
    """`agent` as class:provider:type or class:type; ops as (name, interval, role)."""
    parts = agent.split(":")
    attrs = {"id": rid, "class": parts[0], "type": parts[-1]}
    if len(parts) == 3:
        attrs["provider"] = parts[1]
    prim = ET.SubElement(parent, "primitive", attrs)
    if params:
        nvset(prim, "instance_attributes", f"{rid}-instance_attributes", params)
    if meta:
        nvset(prim, "meta_attributes", f"{rid}-meta_attributes", meta)
    opset = ET.SubElement(prim, "operations")
    for name, interval, role in ops:
        op = {"id": f"{rid}-{name}-interval-{interval}", "name": name, "interval": interval}
        if role:
            op["role"] = role
            op["id"] += f"-{role.lower()}"
        if name == "monitor":
            op["timeout"] = "30s"
        ET.SubElement(opset, "op", op)
    return prim


def clone(parent: ET.Element, cid: str,
          meta: dict[str, str]) -> tuple[ET.Element, dict[str, str]]:
    elem = ET.SubElement(parent, "clone", {"id": cid})
    return elem, meta


def finish_clone(elem: ET.Element, meta: dict[str, str]) -> None:
    nvset(elem, "meta_attributes", f"{elem.get('id')}-meta_attributes", meta)


def props(cib: ET.Element) -> dict[str, ET.Element]:
    crm = cib.find("configuration/crm_config")
    sets = crm.findall("cluster_property_set")
    if not sets:
        sets = [ET.SubElement(crm, "cluster_property_set", {"id": "cib-bootstrap-options"})]
    return {nv.get("name"): nv for s in sets for nv in s.findall("nvpair")} | {"": sets[0]}


def set_property(cib: ET.Element, name: str, value: str) -> None:
    known = props(cib)
    if name in known:
        known[name].set("value", value)
    else:
        ET.SubElement(known[""], "nvpair", {"id": f"cib-bootstrap-options-{name}",
                                           "name": name, "value": value})


# --------------------------------------------------------------------------- random config

@dataclass
class Cluster:
    cib: ET.Element
    controllers: list[str]
    computes: list[str]
    promotable: dict[str, str] = field(default_factory=dict)  # primitive -> score policy
    notes: list[str] = field(default_factory=list)


SYSTEMD_MON = [("monitor", "60s", ""), ("start", "0s", ""), ("stop", "0s", "")]

CONTROLLER_CHAINS = [
    ["openstack-glance-registry", "openstack-glance-api"],
    ["openstack-cinder-api", "openstack-cinder-scheduler"],
    ["neutron-server", "neutron-ovs-cleanup", "neutron-netns-cleanup",
     "neutron-openvswitch-agent", "neutron-dhcp-agent", "neutron-l3-agent",
     "neutron-metadata-agent"],
    ["openstack-nova-consoleauth", "openstack-nova-novncproxy", "openstack-nova-api",
     "openstack-nova-scheduler", "openstack-nova-conductor"],
    ["openstack-heat-api", "openstack-heat-engine"],
]
OCF_AGENTS = {
    "neutron-ovs-cleanup": "ocf:neutron:OVSCleanup",
    "neutron-netns-cleanup": "ocf:neutron:NetnsCleanup",
}
VIP_NAMES = ["db", "rabbitmq", "keystone", "glance", "cinder", "neutron", "nova", "horizon",
             "heat", "redis"]


class Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.cons: ET.Element | None = None
        self.n = 0

    def cid(self, prefix: str) -> str:
        self.n += 1
        return f"{prefix}-{self.n}"

    def order(self, first: str, then: str, first_action: str = "start",
              then_action: str = "start", **extra: str) -> None:
        attrs = {"id": self.cid(f"order-{first}-{then}"), "first": first, "then": then,
                 "first-action": first_action, "then-action": then_action}
        attrs.update({k.replace("_", "-"): v for k, v in extra.items()})
        ET.SubElement(self.cons, "rsc_order", attrs)

    def colocate(self, rsc: str, with_rsc: str, score: str = "INFINITY", **extra: str) -> None:
        attrs = {"id": self.cid(f"colocation-{rsc}-{with_rsc}"), "rsc": rsc,
                 "with-rsc": with_rsc, "score": score}
        attrs.update({k.replace("_", "-"): v for k, v in extra.items()})
        ET.SubElement(self.cons, "rsc_colocation", attrs)

    def osprole(self, rsc: str, role: str, style: str) -> None:
        lid = f"location-{rsc}"
        if style == "exclusive":
            loc = ET.SubElement(self.cons, "rsc_location",
                                {"id": lid, "rsc": rsc, "resource-discovery": "exclusive"})
            rule = ET.SubElement(loc, "rule", {"id": f"{lid}-rule", "score": "0"})
            ET.SubElement(rule, "expression", {"id": f"{lid}-rule-expr", "attribute": "osprole",
                                               "operation": "eq", "value": role})
        elif style == "ban":
            loc = ET.SubElement(self.cons, "rsc_location", {"id": lid, "rsc": rsc})
            rule = ET.SubElement(loc, "rule", {"id": f"{lid}-rule", "score": "-INFINITY"})
            ET.SubElement(rule, "expression", {"id": f"{lid}-rule-expr", "attribute": "osprole",
                                               "operation": "ne", "value": role})


def build_random_cluster(rng: random.Random) -> Cluster:
    n_ctrl = rng.choices([3, 2, 5], weights=[76, 14, 10])[0]
    n_comp = rng.choices([0, rng.randint(1, 3), rng.randint(4, 8), rng.randint(9, 20)],
                         weights=[20, 55, 20, 5])[0]
    controllers = [f"controller-{i}" for i in range(1, n_ctrl + 1)]
    computes = [f"compute-{i}" for i in range(1, n_comp + 1)]
    loc_style = rng.choices(["exclusive", "ban"], weights=[80, 20])[0] if n_comp <= 3 \
        else "exclusive"

    cib = ET.Element("cib", {"crm_feature_set": "3.16.1", "validate-with": "pacemaker-3.9",
                             "epoch": "100", "num_updates": "0", "admin_epoch": "0",
                             "have-quorum": "1", "dc-uuid": "1"})
    conf = ET.SubElement(cib, "configuration")
    crm = ET.SubElement(conf, "crm_config")
    cps = ET.SubElement(crm, "cluster_property_set", {"id": "cib-bootstrap-options"})
    cprops = {"cluster-infrastructure": "corosync"}
    if rng.random() < 0.1:
        cprops["stonith-enabled"] = "false"
    if rng.random() < 0.25:
        cprops["no-quorum-policy"] = rng.choice(["stop", "freeze", "ignore"])
    for name, value in cprops.items():
        ET.SubElement(cps, "nvpair", {"id": f"cib-bootstrap-options-{name}", "name": name,
                                      "value": value})
    nodes = ET.SubElement(conf, "nodes")
    for i, name in enumerate(controllers, 1):
        node = ET.SubElement(nodes, "node", {"id": str(i), "uname": name})
        nvset(node, "instance_attributes", f"nodes-{i}", {"osprole": "controller"})
    for name in computes:
        node = ET.SubElement(nodes, "node", {"type": "remote", "id": name, "uname": name})
        nvset(node, "instance_attributes", f"nodes-{name}", {"osprole": "compute"})
    res = ET.SubElement(conf, "resources")
    b = Builder(rng)
    b.cons = ET.Element("constraints")
    cluster = Cluster(cib, controllers, computes)
    controller_rscs: list[str] = []

    # fencing: one fence_ipmilan per node
    fence_ids = {}
    for i, name in enumerate(controllers + computes, 1):
        fid = f"fence-{name}"
        fence_ids[name] = fid
        primitive(res, fid, "stonith:fence_ipmilan", [("monitor", "60s", "")],
                  {"ipaddr": f"10.0.1.{i}", "login": "admin", "passwd": "secret",
                   "lanplus": "1", "pcmk_host_list": name})
        if rng.random() < 0.6:
            ET.SubElement(b.cons, "rsc_location", {"id": f"location-{fid}-avoid", "rsc": fid,
                                                   "node": name, "score": "-INFINITY"})

    interleave = {"interleave": "true"}
    # haproxy and VIPs
    el, meta = clone(res, "haproxy-clone", interleave)
    primitive(el, "haproxy", "systemd:haproxy", SYSTEMD_MON)
    finish_clone(el, meta)
    controller_rscs.append("haproxy-clone")
    vips = rng.sample(VIP_NAMES, rng.randint(2, 5 if n_comp < 9 else 3))
    vip_ops = [("monitor", "10s", ""), ("start", "0s", ""), ("stop", "0s", "")]
    if rng.random() < 0.35:
        grp = ET.SubElement(res, "group", {"id": "vips"})
        for k, v in enumerate(vips):
            primitive(grp, f"vip-{v}", "ocf:heartbeat:IPaddr2", vip_ops,
                      {"ip": f"192.168.0.{10 + k}", "cidr_netmask": "24"})
        controller_rscs.append("vips")
        b.order("vips", "haproxy-clone", kind="Optional")
        b.colocate("vips", "haproxy-clone")
        vip_tops = ["vips"]
    else:
        vip_tops = []
        for k, v in enumerate(vips):
            primitive(res, f"vip-{v}", "ocf:heartbeat:IPaddr2", vip_ops,
                      {"ip": f"192.168.0.{10 + k}", "cidr_netmask": "24"})
            controller_rscs.append(f"vip-{v}")
            vip_tops.append(f"vip-{v}")
            b.order(f"vip-{v}", "haproxy-clone", kind="Optional")
            b.colocate(f"vip-{v}", "haproxy-clone")

    # galera: always promotable
    stateful = rng.random() < 0.35
    el, _ = clone(res, "galera-master", {})
    if stateful:
        primitive(el, "galera", "ocf:pacemaker:Stateful",
                  [("monitor", "10s", "Promoted"), ("monitor", "11s", "Unpromoted"),
                   ("start", "0s", ""), ("stop", "0s", ""), ("promote", "0s", ""),
                   ("demote", "0s", "")])
    else:
        primitive(el, "galera", "ocf:heartbeat:galera",
                  [("monitor", "20s", ""), ("monitor", "10s", "Promoted"),
                   ("monitor", "30s", "Unpromoted"), ("start", "0s", ""), ("stop", "0s", ""),
                   ("promote", "0s", ""), ("demote", "0s", "")],
                  {"wsrep_cluster_address": "gcomm://" + ",".join(controllers),
                   "enable_creation": "true"})
    all_promoted = rng.random() < 0.6
    gmeta = {"promotable": "true", "promoted-max": str(n_ctrl if all_promoted else 1)}
    if rng.random() < 0.5:
        gmeta["ordered"] = "true"
    if rng.random() < 0.5:
        gmeta["interleave"] = "true"
    finish_clone(el, gmeta)
    controller_rscs.append("galera-master")
    cluster.promotable["galera"] = "all" if all_promoted else "ranked"
    if "vip-db" in vip_tops and rng.random() < 0.5 and not all_promoted:
        b.colocate("vip-db", "galera-master", with_rsc_role="Promoted")

    # rabbitmq / redis / memcached
    keystone_deps = ["haproxy-clone"]
    if rng.random() < 0.7:
        if rng.random() < 0.3:
            el, _ = clone(res, "rabbitmq-master", {})
            primitive(el, "rabbitmq", "ocf:rabbitmq:rabbitmq-server-ha",
                      [("monitor", "30s", ""), ("monitor", "27s", "Promoted"),
                       ("start", "0s", ""), ("stop", "0s", ""), ("promote", "0s", ""),
                       ("demote", "0s", "")])
            finish_clone(el, {"promotable": "true", "promoted-max": "1", "interleave": "true"})
            cluster.promotable["rabbitmq"] = "ranked"
            rabbit = "rabbitmq-master"
        else:
            el, meta = clone(res, "rabbitmq-clone", {"interleave": "true", "ordered": "true"})
            primitive(el, "rabbitmq", "ocf:heartbeat:rabbitmq-cluster",
                      [("monitor", "10s", ""), ("start", "0s", ""), ("stop", "0s", "")],
                      {"set_policy": "ha-all ^(?!amq\\.).* {\"ha-mode\":\"all\"}"})
            finish_clone(el, meta)
            rabbit = "rabbitmq-clone"
        controller_rscs.append(rabbit)
        keystone_deps.append(rabbit)
    if rng.random() < 0.4:
        el, _ = clone(res, "redis-master", {})
        primitive(el, "redis", "ocf:heartbeat:redis",
                  [("monitor", "45s", ""), ("monitor", "20s", "Promoted"),
                   ("monitor", "60s", "Unpromoted"), ("start", "0s", ""), ("stop", "0s", ""),
                   ("promote", "0s", ""), ("demote", "0s", "")], {"wait_last_known_master": "true"})
        finish_clone(el, {"promotable": "true", "promoted-max": "1", "notify": "true",
                          "ordered": "true", "interleave": "true"})
        controller_rscs.append("redis-master")
        cluster.promotable["redis"] = "ranked"
        if "vip-redis" in vip_tops:
            b.colocate("vip-redis", "redis-master", with_rsc_role="Promoted")
            b.order("redis-master", "vip-redis", first_action="promote", kind="Optional")
    if rng.random() < 0.6:
        el, meta = clone(res, "memcached-clone", interleave)
        primitive(el, "memcached", "systemd:memcached", SYSTEMD_MON)
        finish_clone(el, meta)
        controller_rscs.append("memcached-clone")
        keystone_deps.append("memcached-clone")

    el, meta = clone(res, "openstack-keystone-clone", interleave)
    primitive(el, "openstack-keystone", "systemd:openstack-keystone", SYSTEMD_MON)
    finish_clone(el, meta)
    controller_rscs.append("openstack-keystone-clone")
    for dep in keystone_deps:
        b.order(dep, "openstack-keystone-clone")
    if all_promoted or rng.random() < 0.15:
        b.order("galera-master", "openstack-keystone-clone", first_action="promote")
    else:
        b.order("galera-master", "openstack-keystone-clone")
    if rng.random() < 0.3:
        b.colocate("openstack-keystone-clone", "haproxy-clone")

    services_budget = rng.randint(1, 5) if n_comp < 9 else rng.randint(0, 2)
    for chain in rng.sample(CONTROLLER_CHAINS, rng.randint(1, len(CONTROLLER_CHAINS))):
        if services_budget <= 0:
            break
        length = min(len(chain), max(1, rng.randint(1, len(chain))), services_budget)
        services_budget -= length
        prev = "openstack-keystone-clone"
        coloc = rng.random() < 0.5
        for name in chain[:length]:
            el, meta = clone(res, f"{name}-clone", interleave)
            primitive(el, name, OCF_AGENTS.get(name, f"systemd:{name}"), SYSTEMD_MON)
            finish_clone(el, meta)
            controller_rscs.append(f"{name}-clone")
            b.order(prev, f"{name}-clone")
            if coloc and prev != "openstack-keystone-clone":
                b.colocate(f"{name}-clone", prev)
            prev = f"{name}-clone"
    if rng.random() < 0.3:
        primitive(res, "openstack-cinder-volume", "systemd:openstack-cinder-volume", SYSTEMD_MON)
        controller_rscs.append("openstack-cinder-volume")
        b.order("openstack-keystone-clone", "openstack-cinder-volume")

    # compute nodes: remote connections and compute services
    if computes:
        reconnect = rng.random() < 0.5
        for name in computes:
            params = {"server": f"{name}.example.com"}
            if reconnect:
                params["reconnect_interval"] = "60"
            primitive(res, name, "ocf:pacemaker:remote",
                      [("monitor", "20s", ""), ("start", "0s", ""), ("stop", "0s", "")], params)
            controller_rscs.append(name)
        compute_chain = ["neutron-openvswitch-agent-compute", "libvirtd-compute",
                         "nova-compute"][: rng.randint(1, 3 if n_comp < 9 else 2)]
        prev = None
        for name in compute_chain:
            agent = "ocf:openstack:NovaCompute" if name == "nova-compute" else (
                "systemd:libvirtd" if name == "libvirtd-compute" else
                "systemd:neutron-openvswitch-agent")
            el, meta = clone(res, f"{name}-clone", interleave)
            primitive(el, name, agent, SYSTEMD_MON)
            finish_clone(el, meta)
            b.osprole(f"{name}-clone", "compute", loc_style)
            if prev:
                b.order(prev, f"{name}-clone")
                b.colocate(f"{name}-clone", prev)
            prev = f"{name}-clone"
        upstream = "openstack-keystone-clone"
        if res.find(".//primitive[@id='openstack-nova-conductor']") is not None:
            upstream = "openstack-nova-conductor-clone"
        b.order(upstream, f"{compute_chain[0]}-clone", require_all="false")
        if rng.random() < 0.4:
            levels = ET.Element("fencing-topology")
            for name in controllers + computes:
                ET.SubElement(levels, "fencing-level", {
                    "id": f"fl-{name}-1", "index": "1", "target": name,
                    "devices": fence_ids[name]})
            conf.append(levels)
            cluster.notes.append("fencing-topology")

    for rsc in controller_rscs:
        b.osprole(rsc, "controller", loc_style)
    conf.append(b.cons)
    if rng.random() < 0.5:
        stick = rng.choice(["INFINITY", "100", "1"])
        ET.SubElement(ET.SubElement(conf, "rsc_defaults"), "meta_attributes",
                      {"id": "rsc_defaults-options"}).append(
            ET.Element("nvpair", {"id": "rsc_defaults-options-resource-stickiness",
                                  "name": "resource-stickiness", "value": stick}))
        cluster.notes.append(f"stickiness={stick}")
    # fencing-topology must come after constraints in the schema order
    topo = conf.find("fencing-topology")
    if topo is not None:
        conf.remove(topo)
        conf.insert(list(conf).index(b.cons) + 1, topo)
    ET.SubElement(cib, "status")
    cluster.notes.append(f"{n_ctrl} controllers, {n_comp} computes, locations {loc_style}")
    return cluster


# --------------------------------------------------------------------------- states

def fresh_status(cluster: Cluster) -> ET.Element:
    cib = copy(cluster.cib)
    status = cib.find("status")
    for child in list(status):
        status.remove(child)
    for i, name in enumerate(cluster.controllers, 1):
        ET.SubElement(status, "node_state", {"id": str(i), "uname": name, "in_ccm": "true",
                                             "crmd": "online", "join": "member",
                                             "expected": "member"})
    return normalize(cib)


def running(cib: ET.Element) -> list[tuple[str, str, int, str]]:
    """(lrm resource id, node, monitor interval ms, rc) of active recurring monitors."""
    found = []
    for ns in cib.iterfind("status/node_state"):
        for lrm_rsc in ns.iterfind("lrm/lrm_resources/lrm_resource"):
            ops = lrm_rsc.findall("lrm_rsc_op")
            last = max(ops, key=lambda o: int(o.get("call-id", "0")), default=None)
            if last is None or last.get("operation") == "stop":
                continue
            for op in ops:
                if (op.get("operation") == "monitor" and op.get("interval", "0") != "0"
                        and op.get("rc-code") in ("0", "8")
                        and op.get("id") == op.get("operation_key")):
                    found.append((lrm_rsc.get("id"), ns.get("uname"), int(op.get("interval")),
                                  op.get("rc-code")))
    return found


def set_node_attr(cib: ET.Element, node: str, name: str, value: str | None) -> None:
    for ns in cib.iterfind("status/node_state"):
        if ns.get("uname") != node:
            continue
        ta = ns.find("transient_attributes")
        if ta is None:
            ta = ET.SubElement(ns, "transient_attributes", {"id": ns.get("id")})
        ia = ta.find("instance_attributes")
        if ia is None:
            ia = ET.SubElement(ta, "instance_attributes", {"id": f"status-{ns.get('id')}"})
        for nv in ia.findall("nvpair"):
            if nv.get("name") == name:
                if value is None:
                    ia.remove(nv)
                else:
                    nv.set("value", value)
                return
        if value is not None:
            ET.SubElement(ia, "nvpair", {"id": f"status-{ns.get('id')}-{name}", "name": name,
                                         "value": value})


def node_attr(cib: ET.Element, node: str, name: str) -> str | None:
    for ns in cib.iterfind("status/node_state"):
        if ns.get("uname") == node:
            for nv in ns.iterfind("transient_attributes/instance_attributes/nvpair"):
                if nv.get("name") == name:
                    return nv.get("value")
    return None


def add_promotion_scores(cib: ET.Element, cluster: Cluster) -> None:
    """What the agents do after a start: crm_master on each node where they run."""
    nodes = cluster.controllers + cluster.computes
    for rsc_id, node, _, _ in running(cib):
        base = rsc_id.split(":")[0]
        policy = cluster.promotable.get(base)
        if policy is None or node_attr(cib, node, f"master-{base}") is not None:
            continue
        score = "100" if policy == "all" else str(100 - 10 * nodes.index(node) % 90 + 5)
        set_node_attr(cib, node, f"master-{base}", score)


def status_text(cib: ET.Element) -> str:
    return to_text(cib.find("status"))


def settle(cluster: Cluster, cib: ET.Element, rounds: int = 8) -> tuple[ET.Element, ET.Element]:
    """Run transitions (agents setting promotion scores between them) until nothing is
    left to do; return (the state after the first transition, the settled state)."""
    first = None
    for _ in range(rounds):
        _, out = simulate(cib, ["-S"], save_output=True)
        add_promotion_scores(out, cluster)
        if status_text(out) == status_text(cib):
            break  # nothing could be done: settled (possibly with blocked actions)
        if first is None:
            first = copy(out)
        cib = out
    else:
        raise SimError("does not settle")
    return (first if first is not None else copy(cib)), cib


def inject(cib: ET.Element, args: list[str]) -> ET.Element:
    """The CIB after crm_simulate's injections (nothing executed)."""
    _, out = simulate(cib, ["-R", *args], save_input=True)
    return out


def advance(cib: ET.Element, args: list[str]) -> ET.Element:
    """Inject and execute the resulting transition (the state the cluster reaches)."""
    _, out = simulate(cib, ["-S", *args], save_output=True)
    return out


# --------------------------------------------------------------------------- events

def pick(rng: random.Random, items: list):
    return items[rng.randrange(len(items))] if items else None


def connection_host(cib: ET.Element, compute: str) -> str | None:
    for rsc_id, node, _, _ in running(cib):
        if rsc_id == compute:
            return node
    return None


def event_case(kind: int, cluster: Cluster, settled: ET.Element,
               rng: random.Random) -> tuple[ET.Element, str] | None:
    """Apply one random event of group `kind` to a settled state."""
    ctrls = cluster.controllers
    if kind == 4:
        node = pick(rng, ctrls)
        return inject(settled, ["--node-fail", node]), f"{node} fails"
    if kind == 5:
        node = pick(rng, ctrls)
        return inject(settled, ["--node-down", node]), f"{node} shuts down cleanly"
    if kind == 6:
        up = [c for c in cluster.computes if connection_host(settled, c)]
        node = pick(rng, up)
        if node is None:
            return None
        host = connection_host(settled, node)
        rc = rng.choice([1, 7])
        args = ["--op-inject", f"{node}_monitor_20000@{host}={rc}"]
        text = f"connection of {node} fails on {host} (rc {rc})"
        if rng.random() < 0.4:
            args += ["--node-fail", node]
            text += ", node marked failed"
        return inject(settled, args), text
    if kind == 7:
        cands = [r for r in running(settled) if not r[0].startswith("fence-")]
        rsc, node, interval, rc0 = pick(rng, cands)
        rc = rng.choice([1, 7]) if rc0 == "0" else rng.choice([1, 7, 0])
        return (inject(settled, ["--op-inject", f"{rsc}_monitor_{interval}@{node}={rc}"]),
                f"monitor of {rsc} on {node} returns {rc}")
    if kind == 8:
        cands = [r for r in running(settled) if not r[0].startswith("fence-")]
        rsc, node, interval, _ = pick(rng, cands)
        if rng.random() < 0.5:
            return (inject(settled, ["--op-inject", f"{rsc}_stop_0@{node}=1"]),
                    f"stop of {rsc} on {node} fails")
        after = advance(settled, ["--op-inject", f"{rsc}_monitor_{interval}@{node}=7",
                                  "--op-fail", f"{rsc}_stop_0@{node}=1"])
        return after, f"monitor of {rsc} on {node} fails, then its stop fails"
    if kind == 9:
        cib = copy(settled)
        policy = rng.choice(["stop", "freeze", "ignore", "demote"])
        set_property(cib, "no-quorum-policy", policy)
        args = ["--quorum", "0"]
        text = f"quorum lost, no-quorum-policy={policy}"
        lost = rng.sample(ctrls, rng.randint(0, (len(ctrls) + 1) // 2))
        for node in lost:
            args += ["--node-fail", node]
        if lost:
            text += ", lost " + " ".join(lost)
        return inject(cib, args), text
    if kind == 10:
        if cluster.computes and rng.random() < 0.4:
            node = pick(rng, cluster.computes)
            cib = copy(settled)
            prim = cib.find(f".//primitive[@id='{node}']")
            nvset(prim, "meta_attributes", f"{node}-meta_attributes", {"target-role": "Stopped"})
            _, down = settle(cluster, cib)
            prim = down.find(f".//primitive[@id='{node}']")
            prim.remove(prim.find("meta_attributes"))
            return normalize(down), f"{node} re-enabled after being disabled"
        node = pick(rng, ctrls)
        down = advance(settled, ["--node-fail", node])
        if rng.random() < 0.5:
            _, down = settle(cluster, down)
        return inject(down, ["--node-up", node]), f"{node} returns after failure and fencing"
    if kind == 11:
        cib = copy(settled)
        base = pick(rng, sorted(cluster.promotable))
        holders = [n for n in cluster.controllers + cluster.computes
                   if node_attr(cib, n, f"master-{base}") is not None]
        if not holders:
            return None
        change = rng.choice(["swap", "drop", "zero"])
        node = pick(rng, holders)
        if change == "swap" and len(holders) > 1:
            other = pick(rng, [h for h in holders if h != node])
            set_node_attr(cib, node, f"master-{base}", "1000")
            set_node_attr(cib, other, f"master-{base}", "1")
            text = f"master-{base}: {node} 1000, {other} 1"
        elif change == "drop":
            set_node_attr(cib, node, f"master-{base}", None)
            text = f"master-{base} removed on {node}"
        else:
            set_node_attr(cib, node, f"master-{base}", rng.choice(["0", "-INFINITY"]))
            text = f"master-{base} on {node} set to {node_attr(cib, node, 'master-' + base)}"
        return normalize(cib), text
    raise ValueError(kind)


# --------------------------------------------------------------------------- output

class Corpus:
    def __init__(self, out: Path) -> None:
        self.out = out
        self.rows: list[tuple[str, int, str]] = []
        self.dropped: list[str] = []
        self.kept_full: list[str] = []
        for sub_dir in ("xml", "summary", "scores"):
            (out / sub_dir).mkdir(parents=True, exist_ok=True)
            for old in (out / sub_dir).iterdir():
                old.unlink()

    def add(self, name: str, group: int, description: str, cib: ET.Element) -> bool:
        cib = normalize(copy(cib))
        try:
            full, _ = simulate(cib, ["-S"])
            small = slim(cib)
            first, _ = simulate(small, ["-S"])
            if first == full:
                cib = small
            else:
                first = full
                self.kept_full.append(name)
            second, _ = simulate(cib, ["-S"])
            if first != second:
                raise SimError("not deterministic")
            scores, _ = simulate(cib, ["-s", "-Q"])
        except SimError as exc:
            self.dropped.append(f"{name}: {exc}")
            return False
        text = to_text(cib)
        (self.out / "xml" / f"{name}.xml").write_text(text + "\n")
        (self.out / "summary" / f"{name}.summary").write_text(first)
        if len(scores) <= SCORES_MAX_BYTES:
            (self.out / "scores" / f"{name}.scores").write_text(scores)
        self.rows.append((name, group, description.replace("\t", " ")))
        return True

    def finish(self) -> None:
        lines = ["name\tgroup\tdescription\textra_args"]
        lines += [f"{n}\t{g}\t{d}\t" for n, g, d in self.rows]
        (self.out / "manifest.tsv").write_text("\n".join(lines) + "\n")
        print(f"{self.out}: {len(self.rows)} cases, {len(self.dropped)} dropped, "
              f"{len(self.kept_full)} kept unslimmed: {' '.join(self.kept_full)}")
        for line in self.dropped:
            print("  dropped", line)


def generate_random(out: Path, seed: int, clusters: int, per_cluster: int) -> None:
    corpus = Corpus(out)
    kinds = list(GROUPS)
    slot = 0
    for c in range(clusters):
        rng = random.Random(seed * 100003 + c)
        cluster = build_random_cluster(rng)
        fresh = fresh_status(cluster)
        try:
            partial, settled = settle(cluster, fresh)
        except SimError as exc:
            corpus.dropped.append(f"cluster {c}: {exc}")
            continue
        for _ in range(per_cluster):
            kind = kinds[slot % len(kinds)]
            if kind == 6 and not cluster.computes:
                continue  # this kind needs compute nodes: leave it to the next cluster
            slot += 1
            label, _ = GROUPS[kind]
            name = f"os{c:03d}-{label}"
            desc = f"{GROUPS[kind][1]}; " + "; ".join(cluster.notes)
            try:
                if kind == 1:
                    case = (fresh, "fresh start")
                elif kind == 2:
                    case = (partial, "after the first transition")
                elif kind == 3:
                    case = (settled, "settled")
                else:
                    case = event_case(kind, cluster, settled, rng)
            except SimError as exc:
                corpus.dropped.append(f"{name}: {exc}")
                continue
            if case is None:
                corpus.dropped.append(f"{name}: event not applicable")
                continue
            corpus.add(name, kind, f"{case[1]} ({desc})", case[0])
    corpus.finish()


# --------------------------------------------------------------------------- seed deployment

def seed_cluster(path: Path) -> Cluster:
    cib = ET.fromstring(path.read_text())
    cib.set("have-quorum", "1")
    cib.set("dc-uuid", "1")
    if cib.find("status") is None:
        ET.SubElement(cib, "status")
    ctrls = [n.get("uname") for n in cib.iterfind("configuration/nodes/node")
             if n.get("type") != "remote"]
    comps = [n.get("uname") for n in cib.iterfind("configuration/nodes/node")
             if n.get("type") == "remote"]
    cluster = Cluster(normalize(cib), ctrls, comps)
    for cl in cib.iterfind(".//clone"):
        metas = {nv.get("name"): nv.get("value") for nv in cl.iterfind("meta_attributes/nvpair")}
        if metas.get("promotable") == "true":
            prim = cl.find("primitive")
            maxp = int(metas.get("promoted-max", metas.get("master-max", "1")))
            cluster.promotable[prim.get("id")] = "all" if maxp > 1 else "ranked"
    return cluster


def generate_seed(out: Path) -> None:
    """The named scenarios on the seed deployment (expected-cib.xml, the full set) and on
    its 2015 compute-node variant (expected-cib-2015.xml, a few).  Their CIBs are large
    (about 70 resources), so there is one case per scenario and few variants."""
    corpus = Corpus(out)
    seed_cases(corpus, "seed", SEED_DIR / "expected-cib.xml")
    seed_cases(corpus, "seed2015", SEED_DIR / "expected-cib-2015.xml")
    corpus.finish()


def seed_cases(corpus: Corpus, tag: str, path: Path) -> None:
    cluster = seed_cluster(path)
    full = tag == "seed"
    fresh = fresh_status(cluster)
    partial, settled = settle(cluster, fresh)
    mons = running(settled)
    src = f"from {path.name}"

    def add(name: str, group: int, text: str, make: Callable[[], ET.Element]) -> None:
        try:
            cib = make()
        except SimError as exc:
            corpus.dropped.append(f"{tag}-{name}: {exc}")
            return
        corpus.add(f"{tag}-{name}", group, f"{text} ({src})", cib)

    def monitor_of(rsc: str, last: bool = False) -> tuple[str, str, int, str]:
        hits = [m for m in mons if m[0] == rsc]
        return hits[-1] if last else hits[0]

    comp = cluster.computes[0]
    comp_host = connection_host(settled, comp)

    add("fresh-start", 1, "fresh start", lambda: fresh)
    if full:
        add("first-transition-done", 2, "after the first transition", lambda: partial)
    add("settled", 3, "settled", lambda: settled)
    add("controller-fail", 4, "controller-1 fails",
        lambda: inject(settled, ["--node-fail", "controller-1"]))
    if full:
        add("controller-down", 4, "controller-2 shuts down cleanly",
            lambda: inject(settled, ["--node-down", "controller-2"]))
    add("compute-fail", 5, f"connection of {comp} fails on {comp_host}",
        lambda: inject(settled, ["--op-inject", f"{comp}_monitor_20000@{comp_host}=1"]))
    if full:
        add("compute-fail-node-lost", 5, f"{comp} lost (connection rc 7, node failed)",
            lambda: inject(settled, ["--op-inject", f"{comp}_monitor_20000@{comp_host}=7",
                                     "--node-fail", comp]))
    for rsc, rc in (("galera", 1), ("nova-compute", 7), ("haproxy", 7)):
        if not full and rsc != "nova-compute":
            continue
        r, node, interval, _ = monitor_of(rsc)
        add(f"monitor-fail-{rsc}", 6, f"monitor of {r} on {node} returns {rc}",
            lambda r=r, n=node, i=interval, rc=rc: inject(
                settled, ["--op-inject", f"{r}_monitor_{i}@{n}={rc}"]))
    r, node, _, _ = monitor_of("openstack-keystone", last=True)
    if full:
        add("stop-fail", 7, f"stop of {r} on {node} fails (fencing)",
            lambda: inject(settled, ["--op-inject", f"{r}_stop_0@{node}=1"]))
    if full:
        r2, node2, i2, _ = monitor_of("nova-compute", last=True)
        add("stop-fail-compute", 7, f"monitor of {r2} on {node2} fails, then its stop fails",
            lambda: advance(settled, ["--op-inject", f"{r2}_monitor_{i2}@{node2}=7",
                                      "--op-fail", f"{r2}_stop_0@{node2}=1"]))

    def quorum(policy: str, fail: tuple[str, ...] = ()) -> ET.Element:
        cib = copy(settled)
        if policy != "stop":
            set_property(cib, "no-quorum-policy", policy)
        args = ["--quorum", "0"]
        for n in fail:
            args += ["--node-fail", n]
        return inject(cib, args)

    add("quorum-loss", 8, "controller-2 and controller-3 fail, quorum lost "
        "(no-quorum-policy default: stop)",
        lambda: quorum("stop", ("controller-2", "controller-3")))
    if full:
        add("quorum-loss-freeze", 8, "quorum lost, no-quorum-policy=freeze",
            lambda: quorum("freeze"))
        add("quorum-loss-ignore", 8, "controller-3 fails, quorum lost, no-quorum-policy=ignore",
            lambda: quorum("ignore", ("controller-3",)))

    def compute_back() -> ET.Element:
        cib = copy(settled)
        prim = cib.find(f".//primitive[@id='{comp}']")
        nvset(prim, "meta_attributes", f"{comp}-meta-return", {"target-role": "Stopped"})
        _, down = settle(cluster, cib)
        prim = down.find(f".//primitive[@id='{comp}']")
        prim.remove(prim.find(f"meta_attributes[@id='{comp}-meta-return']"))
        return down

    add("compute-return", 9, f"{comp} connection enabled again after being disabled",
        compute_back)
    if full:
        add("compute-return-after-fencing", 9,
            f"{comp} after its connection failed and it was fenced",
            lambda: advance(settled, ["--op-inject",
                                      f"{comp}_monitor_20000@{comp_host}=1"]))
        add("controller-return", 9, "controller-3 returns after failure and fencing",
            lambda: inject(settle(cluster, advance(settled, ["--node-fail",
                                                             "controller-3"]))[1],
                           ["--node-up", "controller-3"]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("which", choices=["random", "seed"])
    parser.add_argument("--out", type=Path)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--clusters", type=int, default=32)
    parser.add_argument("--per-cluster", type=int, default=4)
    args = parser.parse_args()
    if args.which == "random":
        out = args.out or ROOT / "tests" / "data" / "openstack-random"
        generate_random(out, args.seed, args.clusters, args.per_cluster)
    else:
        generate_seed(args.out or ROOT / "tests" / "data" / "openstack-seed")
    return 0


if __name__ == "__main__":
    sys.exit(main())

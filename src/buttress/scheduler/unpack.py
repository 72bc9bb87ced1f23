"""Stage 1: unpack the CIB into the working set (nodes, resources, their current state)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from buttress.model.cib import Cib, iter_primitives
from buttress.model.nvsets import NvSet
from buttress.model.resources import Clone, Group, Primitive, Resource
from buttress.model.status import NodeState, ResourceHistory
from buttress.scheduler.rules import RuleContext, resolve_nvsets
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, parse_score
from buttress.state.history import (
    ROLE_ORDER,
    STARTED,
    STOPPED,
    UNKNOWN,
    UNPROMOTED,
    replay,
)
from buttress.state.nodes import membership, truthy
from buttress.timeutil import parse_interval_ms

#: meta attributes a clone or group passes down to its children when they do not set them
INHERITED_META = ("target-role", "is-managed", "resource-stickiness", "migration-threshold",
                  "failure-timeout", "priority", "multiple-active", "maintenance",
                  "allow-migrate", "requires", "restart-type", "critical", "container")


@dataclass
class Cluster:
    """Everything the later stages read: settings, nodes, resources, the time."""

    cib: Cib
    now: int
    props: dict[str, str]
    nodes: list[WNode] = field(default_factory=list)
    node_by_name: dict[str, WNode] = field(default_factory=dict)
    resources: list[WRsc] = field(default_factory=list)          # top level, config order
    by_id: dict[str, WRsc] = field(default_factory=dict)         # every resource incl. instances
    rsc_defaults: dict[str, str] = field(default_factory=dict)
    have_quorum: bool = True
    fencing_enabled: bool = True
    #: fencing is enabled but nothing can fence (no device, no watchdog): see fence_gate
    no_fencing_means: bool = False
    symmetric: bool = True
    no_quorum_policy: str = "stop"
    stonith_action: str = "reboot"
    maintenance_mode: bool = False
    fence_nodes: list[tuple[WNode, str]] = field(default_factory=list)
    dc: str | None = None

    def prop(self, name: str, default: str) -> str:
        return self.props.get(name, default)

    def resolve(self, ref: str | None) -> list[WRsc]:
        """The resources a constraint reference names: a resource, a tag or a template."""
        if not ref:
            return []
        rsc = self.by_id.get(ref)
        if rsc is not None and not rsc.is_clone_instance:
            return [rsc]
        for top in self.resources:
            # a constraint on a cloned primitive's own id means the clone
            if top.variant == "clone" and top.children and any(
                    p.extra.get("base_id") == ref for p in top.children[0].primitives()):
                return [top] if top.children[0].variant == "primitive" else []
        for tag in self.cib.configuration.tags:
            if tag.id == ref:
                found: list[WRsc] = []
                for member in tag.refs:
                    found.extend(self.resolve(member))
                return found
        return [r for r in self.by_id.values()
                if r.variant == "primitive" and not r.is_clone_instance
                and r.extra.get("template") == ref]

    def can_fence(self, node: WNode | None = None) -> bool:
        """Whether fencing may happen (of ``node``): with quorum, or where quorum does not
        matter; without it, a node still in the partition's membership may be fenced."""
        if not self.fencing_enabled or self.no_fencing_means:
            return False
        if self.have_quorum or self.no_quorum_policy == "ignore" or self.suicide:
            return True
        return node is not None and node.online and node.kind == "member"

    @property
    def suicide(self) -> bool:
        """The partition lost the quorum it had (the controller's ``no-quorum-panic``) and
        its policy is to fence itself."""
        return (not self.have_quorum and self.no_quorum_policy == "suicide"
                and truthy(self.cib.header_value("no-quorum-panic") or "false"))


def unpack(cib: Cib, now: int) -> Cluster:
    config = cib.configuration
    ctx = RuleContext(now=now)
    props = resolve_nvsets(config.properties, ctx)
    cluster = Cluster(cib=cib, now=now, props=props)
    cluster.fencing_enabled = truthy(props.get("stonith-enabled", "true"))
    cluster.symmetric = truthy(props.get("symmetric-cluster", "true"))
    cluster.no_quorum_policy = props.get("no-quorum-policy", "stop")
    cluster.stonith_action = props.get("stonith-action", "reboot")
    if cluster.stonith_action == "poweroff":
        cluster.stonith_action = "off"
    cluster.maintenance_mode = truthy(props.get("maintenance-mode", "false"))
    cluster.have_quorum = truthy(cib.header_value("have-quorum") or "false")
    cluster.dc = cib.header_value("dc-uuid")
    cluster.rsc_defaults = resolve_nvsets(config.rsc_defaults, ctx)
    from buttress.scheduler.guest import connection_model, guest_definitions, link_containers
    from buttress.scheduler.remote import add_implicit_nodes, settle_remote_nodes

    _unpack_nodes(cluster)
    # remote and guest nodes exist before resources are built: clones count them
    add_implicit_nodes(cluster)
    from buttress.model.resources import Bundle
    from buttress.scheduler.bundle import usable

    for rsc in config.resources:
        if isinstance(rsc, Bundle) and not usable(rsc):
            continue   # (Pacemaker ignores it, as invalid)
        built = _build(cluster, rsc, None)
        cluster.resources.append(built)
        inner = built.extra.get("inner")
        if isinstance(inner, WRsc):
            cluster.resources.append(inner)   # a bundle's inner clone is placed right after it
    for name, container in guest_definitions(config.resources):
        if name not in cluster.by_id:
            cluster.resources.append(_build(cluster, connection_model(name, container), None))
    link_containers(cluster.by_id)
    # a remote node's state follows its connection, a guest's its connection and container:
    # each kind's history is read once the state of the nodes it depends on is known
    members = _unpack_history(cluster, "member")
    _settle_migrations(cluster, members)
    from buttress.scheduler.offline import fence_if_active

    fence_if_active(cluster, members)
    link_containers(cluster.by_id)   # orphans found in the history name their container
    settle_remote_nodes(cluster)
    _settle_migrations(cluster, _unpack_history(cluster, "remote"))
    from buttress.scheduler.guest_state import lost_guest_resources, settle_guest_nodes

    settle_guest_nodes(cluster)
    _settle_migrations(cluster, _unpack_history(cluster, "guest"))
    lost_guest_resources(cluster)
    _settle_roles(cluster)
    return cluster


# ---- nodes ------------------------------------------------------------------------------


def _unpack_nodes(cluster: Cluster) -> None:
    cib = cluster.cib
    states = {s.id: s for s in cib.status.nodes}
    states_by_uname = {s.uname: s for s in cib.status.nodes}
    ctx = RuleContext(now=cluster.now)
    remote_ids = {p.id for p in iter_primitives(cib.configuration.resources)
                  if p.rsc_class == "ocf" and p.provider == "pacemaker" and p.type == "remote"}
    from buttress.scheduler.bundle import bundle_guest_names
    from buttress.scheduler.guest import guest_definitions

    guests = {name for name, _ in guest_definitions(cib.configuration.resources)}
    guests.update(bundle_guest_names(cib.configuration.resources))
    for index, node in enumerate(cib.configuration.nodes):
        if node.kind == "ping":
            continue
        kind = "remote" if node.kind == "remote" or node.id in remote_ids \
            or node.uname in remote_ids else "member"
        if node.uname in guests:
            kind = "guest"
        state = states.get(node.id) or states_by_uname.get(node.uname)
        wnode = WNode(name=node.uname, id=node.id, kind=kind, index=index)
        attrs = resolve_nvsets(node.attributes, ctx)
        if state is not None:
            attrs.update(state.attributes)
        wnode.attrs = attrs
        wnode.attrs.update({"#uname": node.uname, "#id": node.id,
                            "#kind": {"remote": "remote", "guest": "container"}.get(
                                kind, "cluster"),
                            "#is_dc": "true" if cluster.dc in (node.id, node.uname) else "false"})
        for key, value in resolve_nvsets(node.utilization, ctx).items():
            wnode.utilization[key] = parse_score(value)
        _node_status(cluster, wnode, state)
        cluster.nodes.append(wnode)
        cluster.node_by_name[wnode.name] = wnode


def _node_status(cluster: Cluster, node: WNode, state: NodeState | None) -> None:
    attrs = node.attrs
    node.standby = truthy(attrs.get("standby"))
    node.maintenance = truthy(attrs.get("maintenance")) or cluster.maintenance_mode
    shutdown = attrs.get("shutdown", "0")
    node.shutdown = shutdown not in ("", "0")
    node.seen = state is not None
    if node.kind == "guest":
        return  # decided from its connection and container once their history is read
    if node.is_remote:
        # up when it has a status entry; a node with a connection resource is decided from
        # that connection once the history is read (remote.py)
        node.online = state is not None
        return
    startup_fencing = truthy(cluster.prop("startup-fencing", "true"))
    member = membership(state, cluster.fencing_enabled and (state is not None or startup_fencing),
                        node.shutdown, truthy(attrs.get("terminate")))
    node.online = member.online
    node.pending = member.pending
    if member.unclean:
        node.unclean = True
        node.fence_reason = member.fence_reason
    elif node.online and cluster.suicide and cluster.fencing_enabled:
        # a partition without quorum fences itself, every member of it
        node.unclean = True
        node.fence_reason = "cluster does not have quorum"


# ---- resources --------------------------------------------------------------------------


def _meta(cluster: Cluster, sets: tuple[NvSet, ...], parent: WRsc | None,
          prim: Primitive | None = None) -> dict[str, str]:
    ctx = RuleContext(now=cluster.now, rsc_class=prim.rsc_class if prim else None,
                      rsc_provider=prim.provider if prim else None,
                      rsc_type=prim.type if prim else None)
    meta = resolve_nvsets(sets, ctx)
    if parent is not None:
        for key in INHERITED_META:
            if key not in meta and key in parent.meta:
                meta[key] = parent.meta[key]
    defaults = resolve_nvsets(cluster.cib.configuration.rsc_defaults, ctx)
    for key, value in defaults.items():
        meta.setdefault(key, value)
    return meta


def _params(cluster: Cluster, sets: tuple[NvSet, ...], parent: WRsc | None) -> dict[str, str]:
    """Own parameters over those of the enclosing group or clone, which members inherit
    (they are part of what the executor is given, and of the recorded digest)."""
    params = resolve_nvsets(sets, RuleContext(now=cluster.now))
    if parent is not None:
        for key, value in parent.params.items():
            params.setdefault(key, value)
    return params


def _build(cluster: Cluster, rsc: Resource, parent: WRsc | None, suffix: str = "") -> WRsc:
    if isinstance(rsc, Primitive):
        w = WRsc(id=rsc.id + suffix, variant="primitive", parent=parent,
                 meta=_meta(cluster, rsc.meta, parent, rsc), rsc_class=rsc.rsc_class,
                 provider=rsc.provider, type=rsc.type, operations=rsc.operations)
        w.params = _params(cluster, rsc.instance, parent)
        w.extra["base_id"] = rsc.id
        if rsc.template:
            w.extra["template"] = rsc.template
    elif isinstance(rsc, Group):
        w = WRsc(id=rsc.id + suffix, variant="group", parent=parent,
                 meta=_meta(cluster, rsc.meta, parent))
        w.params = _params(cluster, rsc.instance, parent)
        for child in rsc.children:
            w.children.append(_build(cluster, child, w, suffix))
    elif isinstance(rsc, Clone):
        w = WRsc(id=rsc.id, variant="clone", parent=parent, meta=_meta(cluster, rsc.meta, parent))
        w.params = _params(cluster, rsc.instance, parent)
        if rsc.legacy_master:
            w.meta.setdefault("promotable", "true")
        w.extra["unique"] = truthy(w.meta.get("globally-unique", "false"))
        w.extra["promotable"] = truthy(w.meta.get("promotable", "false"))
        # (bundle replicas' guest nodes are not counted: nothing else runs there)
        node_count = len([n for n in cluster.nodes if not n.hidden_guest])
        clone_max = parse_score(w.meta.get("clone-max"), node_count)
        w.extra["clone_max"] = max(clone_max, 0)
        w.extra["clone_node_max"] = max(parse_score(w.meta.get("clone-node-max"), 1), 0)
        w.extra["promoted_max"] = parse_score(
            w.meta.get("promoted-max", w.meta.get("master-max")), 1)
        w.extra["promoted_node_max"] = parse_score(
            w.meta.get("promoted-node-max", w.meta.get("master-node-max")), 1)
        w.extra["interleave"] = truthy(w.meta.get("interleave", "false"))
        w.extra["template"] = rsc.child
        if "resource-stickiness" not in w.meta:
            w.meta["resource-stickiness"] = "1"
        for i in range(w.extra["clone_max"]):
            w.children.append(_build(cluster, rsc.child, w, f":{i}"))
    else:
        from buttress.scheduler.bundle import expand_bundle

        w = WRsc(id=rsc.id, variant="clone", parent=parent, meta=_meta(cluster, rsc.meta, parent))
        expand_bundle(rsc, w, lambda model, outer: _build(cluster, model, outer))
        for replica in w.children:
            _settle_meta(cluster, replica)
            cluster.by_id[replica.id] = replica
    for i, member in enumerate(w.children):
        member.index = i
    _settle_meta(cluster, w)
    cluster.by_id[w.id] = w
    return w


def _settle_meta(cluster: Cluster, w: WRsc) -> None:
    meta = w.meta
    w.priority = parse_score(meta.get("priority"), 0)
    managed = truthy(meta.get("is-managed", "true"))
    if truthy(meta.get("maintenance", "false")) or cluster.maintenance_mode:
        managed = False
    w.managed = managed


# ---- history ----------------------------------------------------------------------------


def _settle_migrations(cluster: Cluster, read: dict[int, tuple[WRsc, set[str]]]) -> None:
    from buttress.scheduler.migration import settle_migrations

    for rsc, names in read.values():
        settle_migrations(rsc, cluster.node_by_name, names)


def _unpack_history(cluster: Cluster, kind: str) -> dict[int, tuple[WRsc, set[str]]]:
    """Replay the histories of the nodes of one kind; returns which resources' histories
    were read on which nodes."""
    read: dict[int, tuple[WRsc, set[str]]] = {}
    from buttress.scheduler.history_passes import history_nodes

    for node, state in history_nodes(cluster, kind):
        for lrm in state.history:
            rsc = _find_for_history(cluster, lrm.id, node)
            if rsc is None:
                rsc = _orphan(cluster, lrm)
            nh = replay(lrm.ops)
            previous = rsc.history.get(node.name)
            if previous is not None and previous.active and not nh.active:
                continue
            rsc.history[node.name] = nh
            rsc.history_ids[node.name] = lrm.id
            read.setdefault(id(rsc), (rsc, set()))[1].add(node.name)
            if nh.active and node not in rsc.running_on:
                rsc.running_on.append(node)
                if ROLE_ORDER[nh.role] > ROLE_ORDER.get(rsc.role, 0) or rsc.role == STOPPED:
                    rsc.role = nh.role
    return read


def _settle_roles(cluster: Cluster) -> None:
    for rsc in cluster.by_id.values():
        if rsc.variant == "primitive" and any(n.maintenance for n in rsc.running_on):
            # what runs on a node in maintenance is left alone there
            rsc.managed = False
        if rsc.variant != "primitive":
            continue
        if rsc.role == UNKNOWN:
            rsc.role = STOPPED
        if rsc.role == STARTED and _in_promotable(rsc):
            rsc.role = UNPROMOTED


def _in_promotable(rsc: WRsc) -> bool:
    clone = rsc.clone_parent()
    return clone is not None and bool(clone.extra.get("promotable"))


_INSTANCE = re.compile(r"^(.*):(\d+)$")


def _find_for_history(cluster: Cluster, lrm_id: str, node: WNode) -> WRsc | None:
    rsc = cluster.by_id.get(lrm_id)
    if rsc is not None and rsc.variant == "primitive" and (
            rsc.extra.get("bundled") or (not rsc.is_clone_instance
                                         and rsc.clone_parent() is None)):
        return rsc
    match = _INSTANCE.match(lrm_id)
    base = match.group(1) if match else lrm_id
    clone = _clone_holding(cluster, base)
    if clone is None:
        return None
    if clone.extra["unique"]:
        found = cluster.by_id.get(lrm_id)
        return found if found is not None and found.variant == "primitive" else None
    if clone.extra.get("bundle_inner") is not None:
        from buttress.scheduler.bundle import instance_on_guest

        if instance_on_guest(clone, node) is None:
            return None   # on the guest of a replica the bundle no longer has: an orphan
    return _anonymous_instance(cluster, clone, base, node)


def _clone_holding(cluster: Cluster, base: str) -> WRsc | None:
    for top in cluster.resources:
        if top.variant != "clone":
            continue
        for prim in top.children[0].primitives() if top.children else []:
            if prim.extra.get("base_id") == base:
                return top
        template = top.extra.get("template")
        if template is not None and _template_has(template, base):
            return top
    return None


def _template_has(template: Primitive | Group, base: str) -> bool:
    if isinstance(template, Primitive):
        return template.id == base
    return any(child.id == base for child in template.children)


def _member(instance: WRsc, base: str) -> WRsc | None:
    for prim in instance.primitives():
        if prim.extra.get("base_id") == base:
            return prim
    return None


def _anonymous_instance(cluster: Cluster, clone: WRsc, base: str, node: WNode) -> WRsc:
    if clone.extra.get("bundle_inner") is not None:
        from buttress.scheduler.bundle import instance_on_guest

        # a bundle's instance is the one of the replica whose guest node this is
        owned = instance_on_guest(clone, node)
        if owned is not None and not owned.running_on:
            return owned
    # an instance already active on this node (e.g. another member of a cloned group)
    for instance in clone.children:
        member = _member(instance, base)
        if member is None or node in member.running_on:
            continue
        if any(node in p.running_on for p in instance.primitives()):
            return member
    # a second copy of this member on a node that holds one already (one instance per
    # node) is a duplicate: it becomes an orphan instance rather than a free one
    duplicate = clone.extra["clone_node_max"] <= 1 and any(
        member is not None and node in member.running_on
        for member in (_member(instance, base) for instance in clone.children))
    # otherwise the first instance that is active nowhere
    for instance in clone.children if not duplicate else ():
        member = _member(instance, base)
        if member is None:
            continue
        if not any(p.running_on for p in instance.primitives()):
            return member
    # every instance is taken: an orphan instance
    index = len(clone.children)
    template = clone.extra["template"]
    orphan = _build(cluster, template, clone, f":{index}")
    orphan.index = index
    for prim in orphan.primitives():
        prim.orphan = True
    clone.children.append(orphan)
    member = _member(orphan, base)
    assert member is not None
    return member


def _orphan(cluster: Cluster, lrm: ResourceHistory) -> WRsc:
    w = WRsc(id=lrm.id, variant="primitive", rsc_class=lrm.rsc_class or "ocf",
             provider=lrm.provider, type=lrm.type or "unknown", orphan=True,
             meta=dict(cluster.rsc_defaults))
    w.extra["base_id"] = lrm.id
    if lrm.container:
        w.meta["container"] = lrm.container   # tied to its container once that is known
    _settle_meta(cluster, w)
    if not truthy(cluster.prop("stop-orphan-resources", "true")):
        w.managed = False
    # (history left by a primitive whose id a configured group or clone now has: listed
    # apart, so that it does not hide the configured resource)
    taken = w.id in cluster.by_id
    cluster.by_id[f"{w.id} (orphan)" if taken else w.id] = w
    cluster.resources.append(w)
    from buttress.scheduler.remote import add_orphan_remote_node, is_connection

    if is_connection(w):
        add_orphan_remote_node(cluster, w)
    return w


def threshold(rsc: WRsc) -> int:
    """migration-threshold: failures on a node after which the resource leaves it."""
    return parse_score(rsc.meta.get("migration-threshold"), INFINITY)


def interval_of(text: str | None) -> int:
    """A duration in milliseconds; 0 for nothing or something unreadable."""
    try:
        return parse_interval_ms(text or "0")
    except ValueError:
        return 0

"""What the status display needs beyond the scheduler's unpack stage.

``derive_status(cib, now)`` runs the scheduler's ``unpack()`` and adds, without touching the
scheduler, the facts crm_mon prints but unpack does not keep (computed here from the model):

- remote nodes of ``ocf:pacemaker:remote`` primitives that ``<nodes>`` does not list and guest
  nodes of primitives with a ``remote-node`` meta attribute (they are added to a copy of the
  configuration before unpacking, so their resource history is unpacked too);
- the online state of remote and guest nodes, decided from their connection resource (and
  container) as Pacemaker does once the history is known;
- per primitive: failed (active somewhere with a failure whose on-fail is not ``ignore``),
  blocked, failure ignored, the pending task, a masked failed probe; per node: unclean from
  resources active on a lost node or failures with on-fail ``fence``, standby from on-fail
  ``standby``, whether it runs any resource.

The unpack result is used read-only except for ``managed`` flags of primitives that are
blocked or active on a node in maintenance (the working set is private to this call).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from buttress.model.cib import Cib, iter_primitives
from buttress.model.nodes import Node
from buttress.model.resources import Bundle, Primitive
from buttress.model.status import HistoryOp
from buttress.scheduler.bundle import container_id, usable
from buttress.scheduler.failures import on_fail
from buttress.scheduler.guest import guest_definitions
from buttress.scheduler.unpack import Cluster, interval_of, unpack
from buttress.scheduler.working import WNode, WRsc
from buttress.state.history import (
    PROMOTED,
    ROLE_ORDER,
    STARTED,
    STOPPED,
    UNKNOWN,
    UNPROMOTED,
    NodeHistory,
    is_probe,
)
from buttress.state.nodes import truthy

#: rc codes of a probe that Pacemaker reports as "Stopped (<reason>)" instead of a failure
MASKED_PROBE_RC = {5: "not installed"}
EXEC_NOT_INSTALLED = 7
EXEC_ERROR = 4
#: OCF "degraded" results count as the healthy result they degrade
DEGRADED_RC = {190: 0, 191: 8}


@dataclass
class NodeView:
    """One node as crm_mon classifies it."""

    node: WNode
    kind: str                      # member, remote, guest
    online: bool
    unclean: bool
    pending: bool
    standby: bool
    standby_onfail: bool
    maintenance: bool
    health: int = 1                # 1 green, 0 yellow, -1 red
    running: bool = False

    @property
    def name(self) -> str:
        return self.node.name


@dataclass
class RscView:
    """Display facts of one primitive (instances included)."""

    failed: bool = False
    blocked: bool = False
    failure_ignored: bool = False
    pending_task: str | None = None
    running_on: list[str] = field(default_factory=list)


@dataclass
class StatusState:
    """The unpacked cluster plus the display facts above."""

    cluster: Cluster
    nodes: list[NodeView]
    node_by_name: dict[str, NodeView]
    rsc: dict[int, RscView]
    hidden: set[str]               # ids of implicit resources (guest connections)
    failed_probes: dict[tuple[str, str], int] = field(default_factory=dict)  # (node, id) -> rc
    containers: dict[str, str] = field(default_factory=dict)   # guest node -> container id

    def view(self, rsc: WRsc) -> RscView:
        found = self.rsc.get(id(rsc))
        if found is None:
            found = RscView()
            self.rsc[id(rsc)] = found
        return found


def _guest_hosts(cib: Cib) -> dict[str, str]:
    """guest node name -> id of the primitive (container) that carries ``remote-node``."""
    found: dict[str, str] = {}
    for name, prim in guest_definitions(cib.configuration.resources):
        found.setdefault(name, prim.id)
    for rsc in cib.configuration.resources:
        if isinstance(rsc, Bundle) and rsc.child is not None and usable(rsc):
            # each replica's guest node lives in the replica's container
            for index in range(rsc.replica_count):
                found.setdefault(f"{rsc.id}-{index}", container_id(rsc, index))
    return found


def _remote_ids(cib: Cib) -> list[str]:
    return [r.id for r in cib.configuration.resources
            if isinstance(r, Primitive) and r.rsc_class == "ocf" and r.provider == "pacemaker"
            and r.type == "remote"]


def _remap_error_status(cib: Cib) -> Cib:
    """Pacemaker re-derives the result of an op recorded with op-status "error" (4) from its
    rc and the expected rc, exactly as for op-status "done"; the history replay treats any
    status but done as a failure, so recorded errors are presented to it as done. Degraded
    OCF results (190, 191) are presented as the healthy result they degrade."""
    if not any(op.op_status == EXEC_ERROR or op.rc_code in DEGRADED_RC
               for ns in cib.status.nodes for lrm in ns.history for op in lrm.ops):
        return cib
    nodes = []
    for ns in cib.status.nodes:
        history = tuple(dataclasses.replace(lrm, ops=tuple(
            _remapped(op) for op in lrm.ops)) for lrm in ns.history)
        nodes.append(dataclasses.replace(ns, history=history))
    return dataclasses.replace(cib, status=dataclasses.replace(cib.status, nodes=tuple(nodes)))


def _remapped(op: HistoryOp) -> HistoryOp:
    if op.op_status == EXEC_ERROR:
        op = dataclasses.replace(op, op_status=0)
    if op.rc_code in DEGRADED_RC:
        op = dataclasses.replace(op, rc_code=DEGRADED_RC[op.rc_code])
    return op


def _with_implicit_nodes(cib: Cib, guests: dict[str, str]) -> Cib:
    known = {n.uname for n in cib.configuration.nodes} | {n.id for n in cib.configuration.nodes}
    extra: list[Node] = []
    for name in [*_remote_ids(cib), *guests]:
        if name not in known:
            known.add(name)
            extra.append(Node(id=name, uname=name, kind="remote"))
    if not extra:
        return cib
    config = dataclasses.replace(cib.configuration,
                                 nodes=cib.configuration.nodes + tuple(extra))
    return dataclasses.replace(cib, configuration=config)


def derive_status(cib: Cib, now: int) -> StatusState:
    """Unpack ``cib`` at time ``now`` and derive everything the status display prints."""
    guests = _guest_hosts(cib)
    cluster = unpack(_with_implicit_nodes(_remap_error_status(cib), guests), now)
    listed = {n.uname for n in cib.configuration.nodes} | {n.id for n in cib.configuration.nodes}
    for node in cluster.nodes:
        node.configured = node.name in listed
    _priority_order(cluster)
    remote_ids = set(_remote_ids(cib))
    views: list[NodeView] = []
    for node in cluster.nodes:
        kind = "guest" if node.name in guests else node.kind
        views.append(NodeView(node=node, kind=kind, online=node.online, unclean=node.unclean,
                              pending=node.pending, standby=node.standby and node.seen,
                              standby_onfail=False,
                              maintenance=node.seen and truthy(node.attrs.get("maintenance")),
                              health=_health(cluster, node)))
    state = StatusState(cluster=cluster, nodes=views,
                        node_by_name={v.name: v for v in views}, rsc={},
                        hidden={g for g in guests if g not in remote_ids})
    state.containers = {g: c for g, c in guests.items()}
    # cluster nodes first: a guest's state depends on its host's
    order = _history_order(state)
    for node_name, rsc in order:
        if state.node_by_name[node_name].kind == "member":
            _history_facts(state, rsc, node_name)
    for view in views:
        if view.kind in ("remote", "guest"):
            _remote_online(state, view, guests.get(view.name))
            conn = cluster.by_id.get(view.name)
            if conn is not None and not conn.managed and view.online:
                view.maintenance = True   # a node up over a connection left unmanaged
    _drop_unreachable_history(state)
    for node_name, rsc in order:
        if state.node_by_name[node_name].kind != "member" and node_name in rsc.history:
            _history_facts(state, rsc, node_name)
    _failed_probes(state)
    for rsc in cluster.by_id.values():
        if rsc.variant == "primitive":
            _failed_demote_role(state, rsc)
            _multiple_active_block(state, rsc)
    for rsc in cluster.by_id.values():
        if rsc.variant == "primitive":
            rview = state.view(rsc)
            rview.running_on = [n.name for n in rsc.running_on]
            for name in rview.running_on:
                state.node_by_name[name].running = True
    return state


def _priority_order(cluster: Cluster) -> None:
    """Configured resources by descending priority (stable), orphans after them in the order
    their history was found, as Pacemaker lists them."""
    configured = [r for r in cluster.resources if not r.orphan]
    orphans = [r for r in cluster.resources if r.orphan]
    configured.sort(key=lambda r: -r.priority)
    cluster.resources[:] = configured + orphans


def _health(cluster: Cluster, node: WNode) -> int:
    strategy = cluster.prop("node-health-strategy", "none")
    if strategy in ("", "none"):
        return 1
    result = 1
    for key, value in node.attrs.items():
        if not key.startswith("#health"):
            continue
        text = value.strip().lower()
        if text == "red":
            return -1
        if text == "yellow":
            result = 0
    return result


def _remote_online(state: StatusState, view: NodeView, container_id: str | None) -> None:
    """Pacemaker's determine_remote_online_status, plus startup fencing of a remote node
    whose connection exists but which has no status entry yet."""
    cluster = state.cluster
    conn = cluster.by_id.get(view.name)
    container = cluster.by_id.get(container_id) if container_id else None
    view.online = False
    view.pending = False
    if conn is None:
        return
    if (view.kind == "remote" and not view.node.seen and cluster.fencing_enabled
            and truthy(cluster.prop("startup-fencing", "true"))):
        view.unclean = True
    conn_failed = state.view(conn).failed
    container_failed = container is not None and state.view(container).failed
    stopped = conn.role == STOPPED or (container is not None and container.role == STOPPED)
    host_lost = False
    if container is not None and len(container.running_on) == 1:
        host = state.node_by_name[container.running_on[0].name]
        host_lost = not host.online and host.unclean
    view.online = conn.role == STARTED and not (
        container_failed or conn_failed or stopped or host_lost)


def _drop_unreachable_history(state: StatusState) -> None:
    """Forget history on remote/guest nodes Pacemaker would not unpack (connection down and
    no fencing), so resources there are not reported active."""
    cluster = state.cluster
    for view in state.nodes:
        if view.kind == "member" or view.online or cluster.fencing_enabled:
            continue
        for rsc in cluster.by_id.values():
            if view.name in rsc.history:
                del rsc.history[view.name]
                rsc.running_on = [n for n in rsc.running_on if n.name != view.name]


def _history_order(state: StatusState) -> list[tuple[str, WRsc]]:
    """(node, primitive) pairs in the order the status section lists node histories."""
    by_entry: dict[tuple[str, str], WRsc] = {}
    for rsc in state.cluster.by_id.values():
        if rsc.variant == "primitive":
            for node_name, lrm_id in rsc.history_ids.items():
                by_entry[(node_name, lrm_id)] = rsc
    order: list[tuple[str, WRsc]] = []
    seen: set[tuple[str, int]] = set()
    for node_state in state.cluster.cib.status.nodes:
        for lrm in node_state.history:
            found = by_entry.get((node_state.uname, lrm.id))
            if found is None or (node_state.uname, id(found)) in seen:
                continue
            if node_state.uname in found.history:
                seen.add((node_state.uname, id(found)))
                order.append((node_state.uname, found))
    return order


def _history_facts(state: StatusState, rsc: WRsc, node_name: str) -> None:
    cluster = state.cluster
    view = state.view(rsc)
    node = state.node_by_name.get(node_name)
    history = rsc.history.get(node_name)
    if node is None or history is None:
        return
    _pending(view, history)
    if history.active:
        _active_on(state, rsc, view, node)
    if history.failure is None or _expired(cluster, rsc, history):
        return
    policy = on_fail(cluster, rsc, history.failure)
    if policy == "ignore":
        view.failure_ignored = True
        return
    if node.unclean or not history.active:
        return
    if policy == "block":
        view.blocked = True
        rsc.managed = False
    elif policy == "fence":
        _fence(state, node)
    elif policy == "standby":
        node.standby = True
        node.standby_onfail = True
    view.failed = True


def _fence(state: StatusState, node: NodeView) -> None:
    """Pacemaker's pe_fence_node: a guest node is "fenced" by failing its container."""
    if node.kind == "guest":
        container = state.cluster.by_id.get(state.containers.get(node.name, ""))
        if container is not None and container.managed:
            state.view(container).failed = True
        return
    node.unclean = True


def _active_on(state: StatusState, rsc: WRsc, view: RscView, node: NodeView) -> None:
    if node.maintenance:
        rsc.managed = False
    if node.online or node.maintenance or not rsc.managed:
        return
    if node.kind == "guest":
        view.failed = True
        _fence(state, node)
    elif state.cluster.fencing_enabled:
        _fence(state, node)


def _failed_demote_role(state: StatusState, rsc: WRsc) -> None:
    """A failed demote leaves the resource unpromoted (stopped when it reported "not
    running"), unless on-fail is block; the history replay keeps it promoted."""
    roles: list[str] = []
    changed = False
    for history in rsc.history.values():
        role = history.role
        failure = history.failure
        if (failure is not None and failure.op.operation == "demote" and role == PROMOTED
                and on_fail(state.cluster, rsc, failure) != "block"):
            role = STOPPED if failure.op.rc_code == 7 else UNPROMOTED
            changed = True
        if role not in (STOPPED, UNKNOWN):
            roles.append(role)
    if changed:
        rsc.role = max(roles, key=lambda r: ROLE_ORDER[r]) if roles else STOPPED


def _multiple_active_block(state: StatusState, rsc: WRsc) -> None:
    """multiple-active=block on a primitive active on several nodes blocks it (and its
    whole group when the group says so too)."""
    if len(rsc.running_on) < 2 or rsc.meta.get("multiple-active") != "block":
        return
    targets = [rsc]
    parent = rsc.parent
    if parent is not None and parent.variant == "group" and \
            parent.meta.get("multiple-active") == "block":
        targets = list(parent.children)
    for target in targets:
        state.view(target).blocked = True
        target.managed = False


def _pending(view: RscView, history: NodeHistory) -> None:
    op = history.pending
    if op is None:
        return
    view.pending_task = "probe" if is_probe(op) else op.operation


def _failed_probes(state: StatusState) -> None:
    """Masked failed probes (not installed) recorded on online nodes, by node and the
    resource id of the history entry (expired ones left out)."""
    owners = {(node, lrm_id): rsc for rsc in state.cluster.by_id.values()
              for node, lrm_id in rsc.history_ids.items()}
    for node_state in state.cluster.cib.status.nodes:
        view = state.node_by_name.get(node_state.uname)
        if view is None or not view.online:
            continue
        for lrm in node_state.history:
            for op in lrm.ops:
                if not is_probe(op) or op.on_node is None:
                    continue
                if op.rc_code not in MASKED_PROBE_RC and op.op_status != EXEC_NOT_INSTALLED:
                    continue
                rsc = owners.get((view.name, lrm.id))
                if rsc is not None and _op_expired(state.cluster, rsc, op.last_rc_change):
                    continue
                state.failed_probes.setdefault((view.name, lrm.id), op.rc_code)


def _expired(cluster: Cluster, rsc: WRsc, history: NodeHistory) -> bool:
    failure = history.failure
    if failure is None:
        return False
    return _op_expired(cluster, rsc, failure.op.last_rc_change)


def _op_expired(cluster: Cluster, rsc: WRsc, changed: int) -> bool:
    """A failure older than failure-timeout no longer counts, unless some operation of the
    resource is configured with on-fail=block (Pacemaker then ignores the timeout)."""
    timeout_ms = interval_of(rsc.meta.get("failure-timeout"))
    if timeout_ms <= 0 or any((op.on_fail or "").lower() == "block" for op in rsc.operations):
        return False
    return changed > 0 and cluster.now >= changed + timeout_ms // 1000


__all__ = ["NodeView", "RscView", "StatusState", "derive_status", "iter_primitives"]

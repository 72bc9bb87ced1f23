"""Stage 4: the actions each resource and node needs (start, stop, promote, probe, fence)."""

from __future__ import annotations

from buttress.scheduler.failures import DEMOTE_ON
from buttress.scheduler.migration import DANGLING, NO_MIGRATE, aborted, partial_source
from buttress.scheduler.multiactive import multiply_active
from buttress.scheduler.quorum import (
    effective_requires,
    quorum_blocks_start,
    stop_for_blocked_start,
    stop_waits_for_connection,
)
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import Action, WNode, WRsc
from buttress.state.history import PROMOTED, STOPPED, UNPROMOTED


class ActionTable:
    """All actions of one run, findable by (resource, task, node)."""

    def __init__(self) -> None:
        self.actions: list[Action] = []
        self._index: dict[tuple[int, str, str | None, int], Action] = {}
        self._by_task: dict[tuple[int, str], list[Action]] = {}
        self.probed: set[tuple[str, str, str]] = set()
        self.known: dict[tuple[str, str], set[str]] = {}

    def get(self, rsc: WRsc | None, task: str, node: WNode | None,
            interval_ms: int = 0) -> Action | None:
        return self._index.get((id(rsc), task, node.name if node else None, interval_ms))

    def add_notification(self, rsc: WRsc, node: WNode, environment: dict[str, str]
                         ) -> Action:
        """A mandatory ``notify`` of ``rsc`` on ``node`` (many per resource and node: they
        are not indexed)."""
        action = Action(uid=len(self.actions), task="notify", rsc=rsc, node=node,
                        optional=False, meta=dict(environment))
        self.actions.append(action)
        return action

    def find(self, rsc: WRsc, task: str) -> list[Action]:
        return list(self._by_task.get((id(rsc), task), ()))

    def make(self, rsc: WRsc | None, task: str, node: WNode | None, *, optional: bool,
             interval_ms: int = 0, pseudo: bool = False, reason: str | None = None) -> Action:
        key = (id(rsc), task, node.name if node else None, interval_ms)
        existing = self._index.get(key)
        if existing is not None:
            if not optional and existing.optional:
                existing.optional = False
                existing.reason = existing.reason or reason
            return existing
        action = Action(uid=len(self.actions), task=task, rsc=rsc, node=node,
                        interval_ms=interval_ms, optional=optional, pseudo=pseudo,
                        reason=reason)
        if node is None and not pseudo:
            action.runnable = False
        self.actions.append(action)
        self._index[key] = action
        self._by_task.setdefault((id(rsc), task), []).append(action)
        return action


def create_actions(cluster: Cluster, table: ActionTable) -> None:
    _fencing(cluster, table)
    for rsc in cluster.by_id.values():
        if rsc.variant == "primitive":
            _primitive_actions(cluster, table, rsc)
    for rsc in cluster.by_id.values():
        if rsc.variant in ("group", "clone"):
            _collective_actions(table, rsc)


def _fencing(cluster: Cluster, table: ActionTable) -> None:
    # Pacemaker lists (and issues) fencing in reverse node order
    from buttress.transition.status_out import node_name_key

    # (guests' resets come after the other nodes' fencing, by guest name)
    guests = sorted((n for n in cluster.nodes if n.kind == "guest"),
                    key=lambda n: node_name_key(n.name))
    # (remote nodes are found unclean after the members, as their status is read, those
    # whose resources are in an unknown state last)
    status = [s.uname for s in cluster.cib.status.nodes]

    def found(node: WNode) -> tuple[int, int]:
        unknown = "unknown state" in (node.fence_reason or "")
        return (int(unknown), status.index(node.name) if node.name in status else len(status))

    remotes = sorted((n for n in cluster.nodes if n.kind == "remote"), key=found)
    ordered = [n for n in cluster.nodes if n.kind == "member"] + remotes + guests
    for node in reversed(ordered):
        if node.kind == "guest":
            if node.reset and _guest_fenceable(cluster, node):
                # "fencing" a guest is recovering its container: a pseudo action
                action = table.make(None, "stonith", node, optional=False, pseudo=True,
                                    reason="guest is unclean")
                # a guest whose container starts again is rebooted, else powered off
                action.meta["stonith_action"] = "reboot" if _container_restarts(cluster, node) \
                    else "off"
                cluster.fence_nodes.append((node, "guest is unclean"))
            continue
        if not node.unclean:
            continue
        if node.kind == "remote" and not node.fence_reason:
            continue
        reason = node.fence_reason or "node is unclean"
        if cluster.can_fence(node):
            action = table.make(None, "stonith", node, optional=False, reason=reason)
            action.meta["stonith_action"] = cluster.stonith_action
            cluster.fence_nodes.append((node, reason))


def _guest_fenceable(cluster: Cluster, guest: WNode) -> bool:
    """A guest can be reset when something is managed at all and its container's hosts are
    each up or can themselves be fenced."""
    from buttress.scheduler.guest import container_of

    if not any(r.managed for r in cluster.by_id.values() if r.variant == "primitive"):
        return False
    conn = cluster.by_id.get(guest.remote_rsc) if guest.remote_rsc else None
    container = container_of(conn) if conn is not None else None
    if container is None:
        return False
    return all(host.online or (host.unclean and cluster.can_fence(host))
               for host in container.running_on)


def _container_restarts(cluster: Cluster, guest: WNode) -> bool:
    from buttress.scheduler.guest import container_of

    conn = cluster.by_id.get(guest.remote_rsc) if guest.remote_rsc else None
    container = container_of(conn) if conn is not None else None
    return container is not None and container.assigned is not None \
        and container.next_role != STOPPED


def _stop_is_implied(cluster: Cluster, node: WNode) -> bool:
    """Stops on a node being fenced (or a guest being reset) happen by that fencing."""
    return node.unclean or node.reset


def _primitive_actions(cluster: Cluster, table: ActionTable, rsc: WRsc) -> None:
    current = list(rsc.running_on)
    target = rsc.assigned if rsc.next_role != STOPPED else None
    if not rsc.managed or rsc.blocked:
        _frozen_actions(table, rsc, current, target)
        return
    finishing = partial_source(rsc, target)
    multiple = multiply_active(rsc) or aborted(rsc, target)
    changed: dict[str, str] = rsc.extra.get("changed_on", {})
    for node in current:
        change = changed.get(node.name) if node is target else None
        if change == "reload" and not rsc.failed and not multiple:
            table.make(rsc, "reload", node, optional=False)
            change = None
        # (listed as active while its role says stopped: its state there is uncertain)
        need = (target is None or node is not target or rsc.failed or multiple
                or rsc.role == STOPPED
                or change is not None or node.name in rsc.extra.get("restart_on", ()))
        reason = None
        if target is None:
            reason = _stop_reason(cluster, rsc, node)
        elif change == "restart" and effective_requires(cluster, rsc) != "nothing":
            # (observed: a resource that requires nothing restarts without telling why)
            reason = "resource definition change"
        implied = _stop_is_implied(cluster, node)
        stop = table.make(rsc, "stop", node, optional=not need, pseudo=implied, reason=reason)
        if implied:
            fence = table.get(None, "stonith", node)
            if fence is None:
                stop.runnable = False
        failed_promoted = node.name in rsc.extra.get(DEMOTE_ON, ())
        if (rsc.role == PROMOTED and node is not target) or (
                rsc.role == PROMOTED and rsc.next_role != PROMOTED) or failed_promoted:
            demote = table.make(rsc, "demote", node, optional=not need and
                                rsc.next_role == PROMOTED and not failed_promoted,
                                pseudo=implied)
            if implied and table.get(None, "stonith", node) is None:
                demote.runnable = False
    for node in rsc.extra.get(DANGLING, ()):
        # the source of a finished migration still needs its stop (which changes nothing
        # visible: the resource is no longer active there)
        dangling = table.make(rsc, "stop", node, optional=False, reason="dangling migration")
        dangling.meta["dangling"] = "1"
    if target is not None:
        active_here = target in current
        stop_here = table.get(rsc, "stop", target)
        need_start = not active_here or (stop_here is not None and not stop_here.optional)
        start = table.make(rsc, "start", target, optional=not need_start)
        if stop_here is not None and stop_here.reason == "resource definition change":
            start.reason = start.reason or stop_here.reason
        blocked = quorum_blocks_start(cluster, rsc)
        if blocked:
            start.runnable = False
            start.unrunnable_reason = blocked
            if cluster.no_quorum_policy != "freeze":
                for stop in table.find(rsc, "stop"):
                    if not stop.optional or stop.node is None:
                        continue
                    if not stop_waits_for_connection(cluster, stop.node):
                        stop.optional = False
                        stop.reason = blocked
                    elif stop_for_blocked_start(cluster, rsc, stop.node):
                        # (it then tells that it waits for the connection)
                        stop.optional = False
        if rsc.next_role == PROMOTED:
            promote_needed = rsc.role != PROMOTED or not active_here or need_start or \
                target.name in rsc.extra.get(DEMOTE_ON, ())
            table.make(rsc, "promote", target, optional=not promote_needed)
        elif rsc.role == PROMOTED and active_here and rsc.next_role == UNPROMOTED:
            table.make(rsc, "demote", target, optional=False)
        _monitors(table, rsc, target, start)
        source = finishing
        if source is None and len(current) == 1 and current[0] is not target \
                and migratable(rsc, current[0]) and not aborted(rsc, target):
            source = current[0]
        if source is not None and migratable(rsc, source):
            # a live migration: what is ordered around this resource need not restart
            start.meta["migrating"] = "1"
            if finishing is not None:
                # the resource already runs on the target: it only has to leave the source
                start.optional = False
            stop_there = table.get(rsc, "stop", source)
            if stop_there is not None:
                stop_there.meta["migrating"] = "1"
    else:
        # a resource that is not placed still has a start, which can never run: what is
        # ordered after it cannot start either (an interleaved instance unplaced for want
        # of a partner keeps its start where it runs)
        inhibited: WNode | None = rsc.extra.get("inhibited_on")
        start = table.make(rsc, "start", inhibited, optional=True)
        if inhibited is not None:
            start.runnable = False
            for stop in table.find(rsc, "stop"):
                stop.for_blocked_start = True
    _probes(cluster, table, rsc)


def _frozen_actions(table: ActionTable, rsc: WRsc, current: list[WNode],
                    target: WNode | None) -> None:
    """An unmanaged or blocked resource gets actions that can never run, so that whatever
    is ordered after it waits (as Pacemaker blocks dependents of a blocked resource)."""
    for node in current:
        stop = table.make(rsc, "stop", node, optional=not rsc.failed)
        stop.runnable = False
    place = target or (current[0] if current else None)
    start = table.make(rsc, "start", place, optional=not rsc.failed and place in current)
    start.runnable = False


def _stop_reason(cluster: Cluster, rsc: WRsc, node: WNode) -> str:
    """Why a resource that gets no node stops: without quorum (policy stop) a resource has
    nowhere to go because of quorum, except a clone instance on a lost node; an interleaved
    instance without a partner gives no reason ("")."""
    if rsc.extra.get("inhibited_on") is not None:
        return ""
    if not cluster.have_quorum and cluster.no_quorum_policy in ("stop", "demote") and not (
            rsc.clone_parent() is not None and not node.can_run()):
        return "no quorum"
    return "node availability"


def _monitors(table: ActionTable, rsc: WRsc, node: WNode, start: Action) -> None:
    role = rsc.next_role
    for op in rsc.operations:
        if op.name != "monitor" or op.interval_ms <= 0 or not op.enabled:
            continue
        op_role = {"Master": PROMOTED, "Slave": UNPROMOTED}.get(op.role or "", op.role)
        if op_role is not None and op_role not in (role, "Started") and not (
                op_role == UNPROMOTED and role == "Started"):
            continue
        if op_role is None and role == PROMOTED and rsc.clone_parent() is not None:
            continue
        history = rsc.history.get(node.name)
        present = history is not None and any(
            h.interval_ms == op.interval_ms and h.operation == "monitor"
            for h in history.recurring)
        needed = not start.optional or not present
        monitor = table.make(rsc, "monitor", node, optional=not needed,
                             interval_ms=op.interval_ms)
        if op_role == PROMOTED:
            monitor.meta["target_rc"] = "8"  # OCF_RUNNING_MASTER is this monitor's success


def _probes(cluster: Cluster, table: ActionTable, rsc: WRsc) -> None:
    if rsc.orphan:
        return
    if cluster.prop("enable-startup-probes", "true").lower() in ("false", "no", "0"):
        return
    clone = rsc.clone_parent()
    anonymous = clone is not None and not clone.extra.get("unique")
    base = str(rsc.extra.get("base_id", rsc.id))
    for node in cluster.nodes:
        if not node.online or node.unclean or node.pending:
            continue
        if node.name in rsc.history:
            continue
        if _discovery_blocked(rsc, node):
            continue
        if anonymous and clone is not None:
            # one probe per node tells about every instance of an anonymous clone
            key = (clone.id, base, node.name)
            if key in table.probed or node.name in _known_on(table, clone, base):
                continue
            table.probed.add(key)
        probe = table.make(rsc, "monitor", node, optional=False)
        probe.meta["probe"] = "true"


def _known_on(table: ActionTable, clone: WRsc, base: str) -> set[str]:
    """Nodes where some instance of the clone's ``base`` primitive has history."""
    key = (clone.id, base)
    if key not in table.known:
        table.known[key] = {name for inst in clone.children for p in inst.primitives()
                            if p.extra.get("base_id") == base for name in p.history}
    return table.known[key]


def _discovery_blocked(rsc: WRsc, node: WNode) -> bool:
    walker: WRsc | None = rsc
    while walker is not None:
        if walker.discovery.get(node.name) == "never":
            return True
        walker = walker.parent
    return False


def _collective_actions(table: ActionTable, rsc: WRsc) -> None:
    for task in ("start", "running", "stop", "stopped"):
        table.make(rsc, task, None, optional=True, pseudo=True)
    if rsc.variant == "clone" and rsc.extra.get("promotable"):
        # what is ordered after the clone's promotion (demotion) follows these summaries
        for task in ("promoted", "demoted"):
            table.make(rsc, task, None, optional=True, pseudo=True)


def migratable(rsc: WRsc, source: WNode) -> bool:
    """A move that can be a live migration: allow-migrate, a healthy primitive leaving a
    clean, online node."""
    from buttress.scheduler.remote import is_connection

    if rsc.clone_parent() is not None or rsc.failed or rsc.extra.get(NO_MIGRATE) \
            or rsc.extra.get(DANGLING):
        # after a failed migration, or while a finished one still has its source to stop,
        # a move is a plain stop and start
        return False
    container = rsc.extra.get("container")
    if is_connection(rsc) and isinstance(container, WRsc):
        # a guest's connection moves live only along with its container
        return (rsc.meta.get("allow-migrate", "false").lower() in ("true", "yes", "1", "on")
                and container.running_on == [source] and migratable(container, source))
    if is_connection(rsc):
        # a remote connection is simply re-established from the new host
        return rsc.meta.get("allow-migrate", "true").lower() in ("true", "yes", "1", "on")
    if rsc.meta.get("allow-migrate", "false").lower() not in ("true", "yes", "1", "on"):
        return False
    return source.online and not source.unclean

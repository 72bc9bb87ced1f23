"""The Transition Summary: one line per resource whose state changes, Pacemaker's wording."""

from __future__ import annotations

from buttress.scheduler.actions import ActionTable
from buttress.scheduler.migration import aborted, partial_source
from buttress.scheduler.multiactive import STOP_UNEXPECTED, policy
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import Action, WNode, WRsc
from buttress.state.history import PROMOTED, STOPPED, UNPROMOTED
from buttress.transition.graph import SummaryLine

DEFINITION_CHANGE = "resource definition change"


def summarize(cluster: Cluster, table: ActionTable) -> list[SummaryLine]:
    lines: list[SummaryLine] = []
    for node, reason in cluster.fence_nodes:
        action = table.get(None, "stonith", node)
        verb = action.meta.get("stonith_action", "reboot") if action else "reboot"
        what = node.name
        if node.kind == "guest" and node.remote_rsc in cluster.by_id:
            container = cluster.by_id[node.remote_rsc].extra.get("container")
            if isinstance(container, WRsc):
                what = f"{node.name} (resource: {container.id})"
        lines.append(SummaryLine("Fence", f"Fence ({verb}) {what} '{reason}'"))
    for rsc in _in_order(cluster.resources):
        lines.extend(_primitive(cluster, table, rsc))
    return lines


def _in_order(resources: list[WRsc]) -> list[WRsc]:
    from buttress.scheduler.bundle import inner_of

    found: list[WRsc] = []
    for rsc in resources:
        if rsc.variant == "primitive":
            found.append(rsc)
        elif rsc.extra.get("bundle_inner") is not None:
            continue   # listed with its bundle
        elif rsc.extra.get("bundle"):
            # replica by replica: IP, container, connection, then the inner instance
            inner = inner_of(rsc)
            for index, replica in enumerate(rsc.children):
                found.extend(_in_order([replica]))
                conn = replica.extra.get("connection")
                if isinstance(conn, WRsc):
                    found.append(conn)
                if inner is not None and index < len(inner.children):
                    found.extend(_in_order([inner.children[index]]))
            if inner is not None:
                found.extend(_in_order(inner.children[len(rsc.children):]))
        else:
            found.extend(_in_order(rsc.children))
    return found


def _role_prefix(rsc: WRsc, role: str) -> str:
    clone = rsc.clone_parent()
    if clone is None or not clone.extra.get("promotable"):
        # (an orphaned instance of a promotable clone still shows it was promoted)
        return "Promoted " if role == PROMOTED else ""
    if role == PROMOTED:
        return "Promoted "
    if role in (UNPROMOTED, "Started"):
        return "Unpromoted "
    return ""


def _reason(action: Action | None) -> str:
    if action is None:
        return ""
    if not action.runnable and action.unrunnable_reason:
        return action.unrunnable_reason
    return action.reason or ""


def _due(text: str, blocked: bool = False) -> str:
    out = f"due to {text}" if text else ""
    if blocked:
        out = f"{out} (blocked)" if out else "blocked"
    return out


def _primitive(cluster: Cluster, table: ActionTable, rsc: WRsc) -> list[SummaryLine]:
    current = list(rsc.running_on)
    target: WNode | None = rsc.assigned if rsc.next_role != STOPPED else None
    if not rsc.managed or (rsc.blocked and len(rsc.running_on) <= 1):
        return []
    name = rsc.id
    start = table.get(rsc, "start", target) if target else table.get(rsc, "start", None)
    if not current:
        if target is None or start is None or start.optional:
            return []
        promote = table.get(rsc, "promote", target)
        if promote is not None and not promote.optional:
            # (its own start blocking it is no reason worth giving)
            reason = _reason(promote)
            if reason.startswith(f"unrunnable {name} "):
                reason = ""
            return [SummaryLine("Promote", name, f"( Stopped -> Promoted {target.name} )",
                                _due(reason, not promote.runnable))]
        if start.runnable:
            return [SummaryLine("Start", name, f"( {target.name} )")]
        return [SummaryLine("Start", name, f"( {target.name} )",
                            _due(_reason(start), blocked=True))]
    source = partial_source(rsc, target)
    if source is not None and target is not None:
        return [SummaryLine("Migrate", name, f"( {source.name} -> {target.name} )")]
    if aborted(rsc, target):
        # a half-done migration is undone: it moves from where it was found first
        current = current[:1]
    if len(current) > 1:
        if target is None and not rsc.blocked:
            return _stops_everywhere(table, rsc)
        if target is None or start is None or rsc.blocked:
            return []
        if policy(rsc) == STOP_UNEXPECTED and target in current:
            if rsc.failed:
                return [SummaryLine("Recover", name, f"( {target.name} )",
                                    "due to being multiply active")]
            return [SummaryLine("Restart", name, f"( {target.name} )")]
        if rsc.failed:
            # a failure was recorded: recovered as from the first node it was found on
            where = (f"( {target.name} )" if current[0] is target
                     else f"( {current[0].name} -> {target.name} )")
            return [SummaryLine("Recover", name, where)]
        if target in current:
            return [SummaryLine("Restart", name, f"( {target.name} )")]
        return [SummaryLine("Move", name, f"( {current[0].name} -> {target.name} )")]
    node = current[0]
    stop = table.get(rsc, "stop", node)
    stop_needed = stop is not None and not stop.optional
    cur_role = _role_prefix(rsc, rsc.role)
    if target is None:
        if stop_needed and stop is not None:
            reason = stop.unrunnable_reason or (
                "node availability" if stop.reason is None else stop.reason)
            return [SummaryLine("Stop", name, f"( {cur_role}{node.name} )",
                                _due(reason, not stop.runnable))]
        return []
    next_role = _role_prefix(rsc, rsc.next_role)
    promote = table.get(rsc, "promote", target)
    demote = table.get(rsc, "demote", node)
    if node is target:
        if stop_needed and stop is not None and start is not None:
            if not start.runnable:
                # a stop with no reason of its own that cannot run tells what blocks it
                blocker = None if stop.runnable else stop.unrunnable_reason
                # (a restart for a changed definition that cannot start again is a stop
                # for what keeps it from starting)
                own = None if stop.reason == DEFINITION_CHANGE else stop.reason
                return [SummaryLine("Stop", name, f"( {cur_role}{node.name} )",
                                    _due(own or blocker or _reason(start),
                                         not stop.runnable))]
            if rsc.failed:
                if next_role and next_role != cur_role:
                    # recovered into another role (a failed demote recovers promoted)
                    return [SummaryLine("Recover", name, f"( {cur_role.strip()} -> "
                                        f"{next_role}{node.name} )")]
                return [SummaryLine("Recover", name, f"( {cur_role}{node.name} )")]
            if next_role and next_role != cur_role:
                return [SummaryLine("Restart", name, f"( {cur_role.strip()} -> "
                                    f"{next_role}{node.name} )", _due(_reason(start)))]
            return [SummaryLine("Restart", name, f"( {cur_role}{node.name} )",
                                _due(_reason(start)))]
        reload = table.get(rsc, "reload", node)
        if reload is not None and not reload.optional:
            return [SummaryLine("Reload", name, f"( {cur_role}{node.name} )")]
        if promote is not None and not promote.optional:
            if demote is not None and not demote.optional and rsc.role == PROMOTED:
                # demoted (after a failure) and promoted again where it is
                return [SummaryLine("Re-promote", name, f"( Promoted {node.name} )",
                                    _due("", not promote.runnable))]
            verb = "Promote"
            return [SummaryLine(verb, name, f"( {cur_role.strip()} -> Promoted {node.name} )",
                                _due("", not promote.runnable))]
        if demote is not None and not demote.optional:
            return [SummaryLine("Demote", name,
                                f"( Promoted -> {next_role.strip() or 'Unpromoted'} "
                                f"{node.name} )")]
        return []
    if start is None or not start.runnable:
        if stop_needed and stop is not None:
            reason = _reason(start)
            if reason == f"unrunnable {name} stop":
                # the move waits only on its own blocked stop: what holds that up, if
                # anything, is the reason
                reason = (stop.reason or "") if not stop.runnable else ""
            return [SummaryLine("Stop", name, f"( {cur_role}{node.name} )",
                                _due(reason, not stop.runnable))]
        return []
    verb = "Recover" if rsc.failed else "Move"
    if verb == "Move" and _migratable(rsc, node, table):
        verb = "Migrate"
    blocked_migration = rsc.extra.get("migration_blocked_by")
    if verb == "Move" and blocked_migration and not cur_role and not next_role:
        return [SummaryLine(verb, name, f"( {node.name} -> {target.name} )",
                            _due(blocked_migration))]
    if cur_role or next_role:
        return [SummaryLine(verb, name, f"( {cur_role}{node.name} -> {next_role}{target.name} )")]
    return [SummaryLine(verb, name, f"( {node.name} -> {target.name} )")]


def _stops_everywhere(table: ActionTable, rsc: WRsc) -> list[SummaryLine]:
    """A multiply active resource that goes nowhere: one line per node it stops on."""
    lines = []
    for node in rsc.running_on:
        stop = table.get(rsc, "stop", node)
        if stop is None or stop.optional or not stop.runnable:
            continue
        role = _role_prefix(rsc, rsc.role)   # (the resource's one role, on every node)
        lines.append(SummaryLine("Stop", rsc.id, f"( {role}{node.name} )",
                                 _due(stop.reason or "node availability")))
    return lines


def _migratable(rsc: WRsc, source: WNode, table: ActionTable) -> bool:
    stop = table.get(rsc, "stop", source)
    return stop is not None and stop.runnable and not stop.pseudo \
        and stop.meta.get("migrating") == "1"

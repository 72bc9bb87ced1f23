"""Clone sets in the status display (crm_mon layout).

Instances get their own line when the clone is globally unique, when an instance is only
partly active, failed, unmanaged, orphaned, has a pending non-probe action, or is active on
an unclean offline node. Fully active anonymous instances are summarized as
``Promoted: [ nodes ]`` and ``Started: [ nodes ]`` (``Unpromoted:`` for promotable clones);
an anonymous clone with fewer active instances than ``clone-max`` lists the nodes it could
run on but does not as ``Stopped: [ nodes ]`` (``Stopped (disabled)`` when the clone's
target-role is Stopped, ``Stopped (<probe result>)`` after a masked failed probe).
"""

from __future__ import annotations

from buttress.scheduler.working import WNode, WRsc
from buttress.state.history import ROLE_ORDER, STOPPED, UNKNOWN, UNPROMOTED
from buttress.transition.status_out import LazyList, node_name_key
from buttress.transition.status_rsc import OCF_EXIT_TEXT, ResourceWriter, is_disabled, text2role


def clone_title(rsc: WRsc) -> str:
    flags: list[str] = []
    if rsc.extra.get("promotable"):
        flags.append("promotable")
    if rsc.extra.get("unique"):
        flags.append("unique")
    if not rsc.managed:
        flags.append("unmanaged")
    if is_disabled(rsc):
        flags.append("disabled")
    template = rsc.extra.get("template")
    child_id = template.id if template is not None else rsc.id
    title = f"Clone Set: {rsc.id} [{child_id}]"
    if flags:
        title += " (" + ", ".join(flags) + ")"
    return title


def write_clone(writer: ResourceWriter, rsc: WRsc) -> bool:
    """Write one clone set; False when it printed nothing."""
    state = writer.state
    out = writer.out
    header = LazyList(out, clone_title(rsc))
    unique = bool(rsc.extra.get("unique"))
    stopped: dict[str, str] = {}
    promoted: list[WNode] = []
    started: list[WNode] = []
    for child in rsc.children:
        partially = writer.active(child, False)
        full = False
        pending = _pending_task(writer, child)
        if unique:
            full = partially or not rsc.orphan
        elif pending is not None and pending != "probe":
            full = True
        elif not partially:
            if not writer.flag(child, "orphan"):
                stopped[child.id] = "Stopped"
        elif (writer.any_set(child, "orphan") or not writer.all_set(child, "managed")
              or writer.any_set(child, "failed")):
            full = True
        elif writer.active(child, True):
            location = writer.location(child)
            if location is None:
                full = True
            else:
                view = state.node_by_name[location.name]
                role = writer.state_role(child)
                if not view.online and view.unclean:
                    full = True
                elif ROLE_ORDER.get(role, 0) > ROLE_ORDER[UNPROMOTED]:
                    promoted.append(location)
                else:
                    started.append(location)
        else:
            full = True
        if full:
            header.ensure()
            writer.resource(child)
    active_instances = 0
    names = sorted((n.name for n in promoted), key=node_name_key)
    if names:
        header.ensure()
        out.item(f"Promoted: [ {' '.join(names)} ]")
        active_instances += len(names)
    names = sorted((n.name for n in started), key=node_name_key)
    if names:
        header.ensure()
        active_instances += len(names)
        if rsc.extra.get("promotable"):
            if text2role(rsc.meta.get("target-role")) == UNPROMOTED:
                out.item(f"Unpromoted (target-role): [ {' '.join(names)} ]")
            else:
                out.item(f"Unpromoted: [ {' '.join(names)} ]")
        else:
            out.item(f"Started: [ {' '.join(names)} ]")
    if not unique and int(rsc.extra.get("clone_max", 0)) > active_instances:
        stopped = _stopped_nodes(writer, rsc)
    if stopped:
        header.ensure()
        for status in sorted(set(stopped.values())):
            nodes = sorted((n for n, s in stopped.items() if s == status), key=node_name_key)
            out.item(f"{status}: [ {' '.join(nodes)} ]")
    elif active_instances == 0:
        header.ensure()
    header.close()
    return header.opened


def _pending_task(writer: ResourceWriter, child: WRsc) -> str | None:
    if child.variant != "primitive":
        return None
    return writer.state.view(child).pending_task


def _stopped_nodes(writer: ResourceWriter, rsc: WRsc) -> dict[str, str]:
    """node -> "Stopped..." for nodes the clone may run on (all nodes in a symmetric
    cluster, else the nodes where an instance's state is known) but does not."""
    state = writer.state
    cluster = state.cluster
    if cluster.symmetric:
        # (a bundle's guest nodes run nothing but the bundle's own instances)
        candidates = [v.name for v in state.nodes if not v.node.hidden_guest]
    else:
        candidates = []
        for prim in rsc.primitives():
            for name, history in prim.history.items():
                if history.role != UNKNOWN and name not in candidates:
                    candidates.append(name)
    running = {n.name for n in writer.running_nodes(rsc)}
    disabled = text2role(rsc.meta.get("target-role")) == STOPPED
    template = rsc.extra.get("template")
    child_id = template.id if template is not None else rsc.id
    result: dict[str, str] = {}
    for name in candidates:
        if name in running:
            continue
        rc = state.failed_probes.get((name, child_id))
        if rc is None:
            rc = state.failed_probes.get((name, rsc.id))
        if rc is not None:
            result[name] = f"Stopped ({OCF_EXIT_TEXT.get(rc, 'unknown')})"
        else:
            result[name] = "Stopped (disabled)" if disabled else "Stopped"
    return result

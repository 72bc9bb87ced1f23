"""Resource lines of the status display: primitives, groups and clones, crm_mon layout.

A primitive line is ``name\\t(class:provider:type):\\t <state> [node] [(flags)] [[ nodes ]]``
where the state is the displayed role, ``FAILED [role]``, a pending state (``Starting``...)
or ``ORPHANED`` followed by one of those. Groups print ``Resource Group: ID [(flags)]`` and
their members; clones print instances that need their own line and then summary lists
(``Promoted:``, ``Started:``/``Unpromoted:``, ``Stopped:``) with node names in Pacemaker's
numeric, case-insensitive order.
"""

from __future__ import annotations

from buttress.scheduler.working import WNode, WRsc
from buttress.state.history import PROMOTED, ROLE_ORDER, STARTED, STOPPED, UNKNOWN, UNPROMOTED
from buttress.transition.status_out import LazyList, ListOut, node_name_key
from buttress.transition.status_state import StatusState

PENDING_STATE = {"start": "Starting", "stop": "Stopping", "migrate_to": "Migrating",
                 "migrate_from": "Migrating", "promote": "Promoting", "demote": "Demoting"}
OCF_EXIT_TEXT = {0: "ok", 1: "error", 2: "invalid parameter", 3: "unimplemented feature",
                 4: "insufficient privileges", 5: "not installed", 6: "not configured",
                 7: "not running", 8: "promoted", 9: "promoted (failed)"}
ROLE_WORDS = {"stopped": STOPPED, "started": STARTED, "slave": UNPROMOTED,
              "unpromoted": UNPROMOTED, "master": PROMOTED, "promoted": PROMOTED}


def text2role(text: str | None) -> str:
    if text is None:
        return UNKNOWN
    return ROLE_WORDS.get(text.strip().lower(), UNKNOWN)


def uber_parent(rsc: WRsc) -> WRsc:
    return rsc.top


def is_promotable(rsc: WRsc) -> bool:
    return bool(uber_parent(rsc).extra.get("promotable"))


def is_disabled(rsc: WRsc) -> bool:
    """Pacemaker's pe__resource_is_disabled: target-role Stopped, or Unpromoted in a
    promotable clone."""
    role = text2role(rsc.meta.get("target-role"))
    return role == STOPPED or (role == UNPROMOTED and is_promotable(rsc))


def printable_id(rsc: WRsc) -> str:
    """An anonymous clone's instances print their configured id, others their own id."""
    clone = rsc.clone_parent()
    if clone is not None and not clone.extra.get("unique"):
        return str(rsc.extra.get("base_id", rsc.id.split(":")[0]))
    return rsc.id


def displayable_role(rsc: WRsc) -> str:
    role = rsc.role
    if role == STARTED and is_promotable(rsc):
        return UNPROMOTED
    return role


class ResourceWriter:
    """Writes resources of one StatusState into a ListOut."""

    def __init__(self, state: StatusState, out: ListOut) -> None:
        self.state = state
        self.out = out

    # ---- activity ------------------------------------------------------------------------

    def running_nodes(self, rsc: WRsc) -> list[WNode]:
        if rsc.variant == "primitive":
            return list(rsc.running_on)
        found: list[WNode] = []
        for child in rsc.children:
            for node in self.running_nodes(child):
                if node not in found:
                    found.append(node)
        return found

    def active(self, rsc: WRsc, all_: bool) -> bool:
        """Pacemaker's ``fns->active``: any (all_=False) or every member active."""
        if rsc.variant == "primitive":
            for node in rsc.running_on:
                view = self.state.node_by_name[node.name]
                if view.unclean or view.online or not rsc.managed:
                    return True
            return False
        results = [self.active(child, all_) for child in rsc.children]
        if not any(results):
            return False
        return not (all_ and not all(results))

    def location(self, rsc: WRsc) -> WNode | None:
        nodes = self.running_nodes(rsc)
        return nodes[0] if len(nodes) == 1 else None

    def state_role(self, rsc: WRsc) -> str:
        if rsc.variant == "primitive":
            return rsc.role
        roles = [self.state_role(c) for c in rsc.children] or [STOPPED]
        return max(roles, key=lambda r: ROLE_ORDER.get(r, 0))

    def any_set(self, rsc: WRsc, flag: str) -> bool:
        if self.flag(rsc, flag):
            return True
        return any(self.any_set(child, flag) for child in rsc.children)

    def all_set(self, rsc: WRsc, flag: str) -> bool:
        if not self.flag(rsc, flag):
            return False
        return all(self.all_set(child, flag) for child in rsc.children)

    def flag(self, rsc: WRsc, flag: str) -> bool:
        if flag == "orphan":
            return rsc.orphan or (rsc.variant != "primitive" and bool(rsc.primitives())
                                  and all(p.orphan for p in rsc.primitives()))
        if flag == "managed":
            return rsc.managed
        if flag == "failed":
            return rsc.variant == "primitive" and self.state.view(rsc).failed
        raise ValueError(flag)

    # ---- dispatch -------------------------------------------------------------------------

    def resource(self, rsc: WRsc) -> bool:
        """Write one resource; False when it printed nothing."""
        if rsc.variant == "primitive":
            return self.primitive(rsc)
        if rsc.variant == "group":
            return self.group(rsc)
        if rsc.extra.get("bundle"):
            from buttress.transition.status_bundle import write_bundle

            return write_bundle(self, rsc)
        if rsc.extra.get("bundle_inner") is not None:
            return False   # printed with its bundle
        if rsc.variant == "clone":
            from buttress.transition.status_clone import write_clone

            return write_clone(self, rsc)
        return False

    # ---- primitives -----------------------------------------------------------------------

    def primitive(self, rsc: WRsc) -> bool:
        if rsc.extra.get("unsupported"):
            return False
        node = rsc.running_on[0] if rsc.running_on else None
        self.out.item(self.primitive_text(rsc, printable_id(rsc), node))
        return True

    def primitive_text(self, rsc: WRsc, name: str, node: WNode | None,
                       show_nodes: bool = True) -> str:
        view = self.state.view(rsc)
        provider = f":{rsc.provider}" if rsc.provider and rsc.rsc_class == "ocf" else ""
        if rsc.provider and rsc.rsc_class != "ocf":
            provider = ""
        text = f"{name}\t({rsc.rsc_class}{provider}:{rsc.type}):\t"
        if len(rsc.running_on) > 1:
            node = None
        if rsc.orphan:
            text += " ORPHANED"
        role = displayable_role(rsc)
        if view.failed:
            text += " FAILED"
            if ROLE_ORDER.get(role, 0) > ROLE_ORDER[UNPROMOTED]:
                text += f" {role}"
        else:
            text += " " + PENDING_STATE.get(view.pending_task or "", role)
        if node is not None:
            text += f" {node.name}"
        if role == STOPPED:
            rc = self.failed_probe(rsc, node.name if node else None)
            if rc is not None:
                text += f" ({OCF_EXIT_TEXT.get(rc, 'unknown')}) "
        flags: list[str] = []
        if node is not None:
            nview = self.state.node_by_name[node.name]
            if not nview.online and nview.unclean:
                flags.append("UNCLEAN")
        if view.pending_task == "monitor":
            flags.append("Monitoring")
        target = rsc.meta.get("target-role")
        if target is not None:
            role_t = text2role(target)
            if role_t == STOPPED:
                flags.append("disabled")
            elif role_t == UNPROMOTED and is_promotable(rsc):
                flags.append(f"target-role:{target}")
        if view.blocked:
            flags.append("blocked")
        elif not rsc.managed:
            flags.append("unmanaged")
        if view.failure_ignored:
            flags.append("failure ignored")
        if flags:
            text += " (" + ", ".join(flags) + ")"
        if show_nodes and len(rsc.running_on) > 1:
            text += " [ " + " ".join(n.name for n in rsc.running_on) + " ]"
        return text

    def failed_probe(self, rsc: WRsc, node: str | None) -> int | None:
        """A masked failed probe of this resource (or its top parent) on ``node`` (any node
        when None)."""
        ids = (rsc.id, rsc.top.id)
        for (name, rsc_id), rc in self.state.failed_probes.items():
            if rsc_id in ids and (node is None or node == name):
                return rc
        return None

    # ---- groups ---------------------------------------------------------------------------

    def group(self, rsc: WRsc) -> bool:
        flags: list[str] = []
        if not rsc.managed:
            flags.append("unmanaged")
        if is_disabled(rsc):
            flags.append("disabled")
        title = f"Resource Group: {rsc.id}"
        if flags:
            title += " (" + ", ".join(flags) + ")"
        header = LazyList(self.out, title)
        for child in rsc.children:
            header.ensure()
            self.resource(child)
        header.close()
        return header.opened


def sorted_names(nodes: list[WNode]) -> list[str]:
    return sorted((n.name for n in nodes), key=node_name_key)

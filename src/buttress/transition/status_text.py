"""The cluster status as crm_simulate prints it under "Current cluster status:".

``render_status(cib, now)`` returns exactly that block (without the header line and without
a trailing newline): the node list, a blank line, and the full list of resources::

      * Node List:
        * Node node3: UNCLEAN (offline)
        * Online: [ node1 node2 ]

      * Full List of Resources:
        * rsc1	(ocf:heartbeat:apache):	 Started node1
        * Clone Set: c [r]:
          * Started: [ node1 node2 ]

Nodes that need a word of their own (unclean, pending, standby, maintenance, unhealthy)
get a ``Node X: <state>`` line in node-name order; the others are summarized as
``Online``, ``OFFLINE``, ``RemoteOnline``, ``RemoteOFFLINE`` and ``GuestOnline`` lists
(offline guest nodes are not listed). Resources follow the configuration order, then orphans
in the order their history was found; inactive orphans and implicit resources (guest node
connections) are left out. ``now`` only matters for rules with dates.
"""

from __future__ import annotations

from buttress.model.cib import Cib
from buttress.transition.status_out import ListOut, node_name_key
from buttress.transition.status_rsc import ResourceWriter
from buttress.transition.status_state import NodeView, StatusState, derive_status


def render_status(cib: Cib, now: int) -> str:
    """The "Current cluster status" block for ``cib`` at epoch second ``now``."""
    state = derive_status(cib, now)
    out = ListOut()
    printed_nodes = write_nodes(state, out)
    if printed_nodes:
        out.blank()
    write_resources(state, out)
    return "\n".join(out.lines)


def node_status_text(view: NodeView) -> str:
    """The state word(s) of a node printed on its own line."""
    if view.unclean:
        if view.online:
            return "UNCLEAN (online)"
        if view.pending:
            return "UNCLEAN (pending)"
        return "UNCLEAN (offline)"
    if view.pending:
        return "pending"
    if view.standby_onfail and view.online:
        return "standby (on-fail)"
    if view.standby:
        if view.online:
            return "standby (with active resources)" if view.running else "standby"
        return "OFFLINE (standby)"
    if view.maintenance:
        return "maintenance" if view.online else "OFFLINE (maintenance)"
    if view.online:
        return "online"
    return "OFFLINE"


def write_nodes(state: StatusState, out: ListOut) -> bool:
    """The "Node List" section; False when there are no nodes."""
    nodes = sorted(state.nodes, key=lambda v: node_name_key(v.name))
    if not nodes:
        return False
    out.begin("Node List")
    groups: dict[str, list[str]] = {"Online": [], "OFFLINE": [], "RemoteOnline": [],
                                    "RemoteOFFLINE": [], "GuestOnline": []}
    for view in nodes:
        if (view.unclean or view.pending or (view.standby_onfail and view.online)
                or view.standby or view.maintenance or view.health <= 0):
            kind = {"guest": "GuestNode", "remote": "RemoteNode"}.get(view.kind, "Node")
            text = f"{kind} {view.name}: {node_status_text(view)}"
            if view.health < 0:
                text += " (health is RED)"
            elif view.health == 0:
                text += " (health is YELLOW)"
            out.item(text)
        elif view.online:
            key = {"guest": "GuestOnline", "remote": "RemoteOnline"}.get(view.kind, "Online")
            groups[key].append(view.name)
        elif view.kind == "remote":
            groups["RemoteOFFLINE"].append(view.name)
        elif view.kind == "member":
            groups["OFFLINE"].append(view.name)
    for label, names in groups.items():
        if names:
            out.item(f"{label}: [ {' '.join(names)} ]")
    out.end()
    return True


def write_resources(state: StatusState, out: ListOut) -> None:
    """The "Full List of Resources" section."""
    out.begin("Full List of Resources")
    writer = ResourceWriter(state, out)
    printed = False
    for rsc in state.cluster.resources:
        if rsc.id in state.hidden:
            continue
        if rsc.orphan and not writer.active(rsc, True):
            continue
        printed = writer.resource(rsc) or printed
    if not printed:
        out.item("No resources")
    out.end()


def render_status_json(cib: Cib, now: int) -> str:
    """The status as JSON (see :mod:`buttress.transition.status_json`)."""
    from buttress.transition.status_json import render_status_json as render

    return render(cib, now)

"""Clone notifications: ``notify`` actions around what a notifying clone does.

For a clone with ``notify=true``, each of its clone-wide operations that this transition
really performs (``demote``, ``stop``, ``start``, ``promote``, in that order) is wrapped in
notifications, as Pacemaker Explained describes for clone resource agents:

* a *pre* notification to every instance active (on a node that can run actions) just
  before the operation, which completes before any instance performs it;
* a *post* notification to every instance active just after it, which waits for every
  instance's operation.

The notifications of one operation come after the post notifications of the previous one.
Every notification carries the same environment (meta attributes ``notify_*``, which agents
read as ``OCF_RESKEY_CRM_meta_notify_*``): ``type`` (pre/post) and ``operation``, the
instances (``*_resource``) and their nodes (``*_uname``) that start, stop, promote or demote in
this transition, those active, promoted (also as ``master``) and unpromoted (also as
``slave``) before it, the inactive instances, and the nodes the clone may run on
(``available_uname``) and all nodes (``all_uname``). Notifications never change the
Transition Summary.
"""

from __future__ import annotations

from collections.abc import Iterable

from buttress.scheduler.actions import ActionTable
from buttress.scheduler.order_flags import Flag
from buttress.scheduler.ordering import Orderer
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.working import Action, WNode, WRsc
from buttress.state.history import PROMOTED
from buttress.state.nodes import truthy

OPERATIONS = ("demote", "stop", "start", "promote")


def add_notifications(cluster: Cluster, table: ActionTable, orderer: Orderer) -> None:
    """Add the notifications of every notifying clone (module docstring)."""
    for rsc in list(cluster.by_id.values()):
        if rsc.variant == "clone" and truthy(rsc.meta.get("notify", "false")):
            _ClonePlan(cluster, table, orderer, rsc).add()


def _performed(action: Action) -> bool:
    """Really done in this transition (a stop implied by fencing counts: it happens)."""
    return not action.optional and action.runnable and action.node is not None


def _words(items: list[str]) -> str:
    return " ".join(items)


class _ClonePlan:
    def __init__(self, cluster: Cluster, table: ActionTable, orderer: Orderer,
                 clone: WRsc) -> None:
        self.cluster = cluster
        self.table = table
        self.orderer = orderer
        self.clone = clone
        self.members = [p for inst in clone.children for p in inst.primitives()]
        self.active_before = [(p, node) for p in self.members for node in p.running_on]
        self.ops: dict[str, list[Action]] = {
            task: [a for p in self.members for a in table.find(p, task) if _performed(a)]
            for task in OPERATIONS}

    def _environment(self) -> dict[str, str]:
        env: dict[str, str] = {}
        for task, actions in self.ops.items():
            pairs = sorted((a.rsc.id, a.node.name) for a in actions
                           if a.rsc is not None and a.node is not None)
            env[f"notify_{task}_resource"] = _words([r for r, _ in pairs])
            env[f"notify_{task}_uname"] = _words([n for _, n in pairs])
        active = sorted((p.id, n.name) for p, n in self.active_before)
        promoted = sorted((p.id, n.name) for p, n in self.active_before if p.role == PROMOTED)
        unpromoted = sorted(pair for pair in active if pair not in promoted) \
            if self.clone.extra.get("promotable") else []
        for name, pairs in (("active", active), ("promoted", promoted), ("master", promoted),
                            ("unpromoted", unpromoted), ("slave", unpromoted)):
            env[f"notify_{name}_resource"] = _words([r for r, _ in pairs])
            env[f"notify_{name}_uname"] = _words([n for _, n in pairs])
        active_ids = {r for r, _ in active}
        env["notify_inactive_resource"] = _words(
            sorted(p.id for p in self.members if p.id not in active_ids))
        env["notify_available_uname"] = _words(sorted(
            n.name for n in self.cluster.nodes
            if n.can_run() and self.clone.allowed.get(n.name, 0) > -1_000_000))
        env["notify_all_uname"] = _words(sorted(n.name for n in self.cluster.nodes))
        return env

    def add(self) -> None:
        if not any(self.ops.values()):
            return
        env = self._environment()
        # who is active at each point of demote -> stop -> start -> promote
        present = {(p.id, n.name): (p, n) for p, n in self.active_before
                   if n.online and not n.unclean}
        previous: list[Action] = []
        for task in OPERATIONS:
            actions = self.ops[task]
            if not actions:
                continue
            pre = self._notify_all(present.values(), "pre", task, env)
            for note in pre:
                for first in previous:
                    self.orderer.order(first, note, Flag.NONE)
                for action in actions:
                    self.orderer.order(note, action, Flag.NONE)
            for action in actions:
                if action.rsc is None or action.node is None:
                    continue
                key = (action.rsc.id, action.node.name)
                if task == "stop":
                    present.pop(key, None)
                elif task == "start":
                    present[key] = (action.rsc, action.node)
            post = self._notify_all(present.values(), "post", task, env)
            for note in post:
                for action in actions:
                    self.orderer.order(action, note, Flag.NONE)
            previous = post or actions

    def _notify_all(self, recipients: Iterable[tuple[WRsc, WNode]], kind: str, task: str,
                    env: dict[str, str]) -> list[Action]:
        made = []
        for member, node in sorted(recipients, key=lambda pair: (pair[0].id, pair[1].name)):
            note = self.table.add_notification(member, node, {
                **env, "notify_type": kind, "notify_operation": task})
            made.append(note)
        return made

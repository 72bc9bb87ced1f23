"""Stage 3: assign every resource a node (or none), colocation first, as Pacemaker does."""

from __future__ import annotations

import functools
import math

from buttress.scheduler.colocation import (
    Coloc,
    apply_to_weights,
    assigned_nodes,
    merge_scaled,
)
from buttress.scheduler.failed_stop import stop_blocked, stop_failed
from buttress.scheduler.guest import guest_connection_of
from buttress.scheduler.unpack import Cluster
from buttress.scheduler.utilization import (
    consume,
    fits,
    more_free,
    needs,
    strategy,
    unpack_utilization,
)
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, add
from buttress.state.history import PROMOTED, STARTED, STOPPED, UNPROMOTED

_VARIANT_RANK = {"primitive": 0, "group": 1, "clone": 2}


class Assigner:
    """Assigns resources in priority order; a resource's primaries are assigned first."""

    def __init__(self, cluster: Cluster, colocs: list[Coloc]) -> None:
        self.cluster = cluster
        self.nodes = cluster.node_by_name
        self.strategy = strategy(cluster)
        # stop-all-resources: every resource is stopped, as if each had target-role=Stopped
        self.stop_all = cluster.prop("stop-all-resources", "false").lower() in (
            "true", "yes", "on", "1", "y")
        if self.strategy != "default":
            unpack_utilization(cluster)
        self.this_with: dict[int, list[Coloc]] = {}
        self.with_this: dict[int, list[Coloc]] = {}
        for coloc in colocs:
            self.this_with.setdefault(id(coloc.dependent), []).append(coloc)
            self.with_this.setdefault(id(coloc.primary), []).append(coloc)
        for dependents in self.with_this.values():
            # what a resource takes in from its dependents is merged in a fixed order (which
            # matters: a merge that would ban every node is undone): higher priority first,
            # clones before groups before primitives, then by name
            dependents.sort(key=lambda c: (-c.dependent.priority,
                                           -_VARIANT_RANK.get(c.dependent.variant, 0),
                                           c.dependent.id))

    def run(self) -> None:
        # remote connections first: whether a remote node is usable depends on them
        from buttress.scheduler.remote import is_connection, lose_unreachable

        for rsc in self.cluster.resources:
            if is_connection(rsc):
                self.assign(rsc)
        lose_unreachable(self.cluster)
        for rsc in self.cluster.resources:
            self.assign(rsc)

    # ---- helpers ----------------------------------------------------------------------

    def _available(self, weights: dict[str, int]) -> list[WNode]:
        return [self.nodes[n] for n, w in weights.items()
                if n in self.nodes and w >= 0 and self.nodes[n].can_run()]

    def _weights_with_colocations(self, rsc: WRsc, base: dict[str, int]) -> dict[str, int]:
        weights = dict(base)
        for coloc in self.this_with.get(id(rsc), []):
            if coloc.dependent_role is not None and -INFINITY < coloc.score < INFINITY:
                continue
            primary = coloc.primary
            while primary.parent is not None and primary.parent.variant == "group":
                primary = primary.parent   # a group member is placed with its group
            self.assign(primary)
            if coloc.primary.provisional:
                continue
            nodes = self.role_nodes(coloc.primary, coloc.primary_role)
            if coloc.dependent_role == PROMOTED or (
                    coloc.dependent_role is not None and rsc.extra.get("promotable")):
                continue  # a role of a promotable clone's instances: decided by promotion
            apply_to_weights(weights, coloc, self.nodes, nodes)
            # what is known so far is what the next primary takes in from this resource
            rsc.extra["placing_weights"] = weights
        rsc.extra.pop("placing_weights", None)
        for coloc in self.with_this.get(id(rsc), []):
            dep = coloc.dependent
            if not coloc.influence or not dep.provisional:
                continue
            if coloc.primary_role == PROMOTED or coloc.dependent_role == PROMOTED:
                continue
            merged = merge_scaled(weights, self.preferences(dep, set()), coloc.score / INFINITY,
                                  self.nodes, coloc.node_attribute,
                                  only_positive=rsc.variant == "clone")
            if self._available(merged):
                weights = merged
        return weights

    def role_nodes(self, primary: WRsc, role: str | None) -> list[WNode]:
        if role is not None and primary.extra.get("bundle"):
            from buttress.scheduler.bundle_assign import hosts_in_role

            return hosts_in_role(primary, role)
        if role is None or primary.variant != "clone":
            return assigned_nodes(primary)
        nodes = []
        for inst in primary.children:
            if inst.assigned is not None and inst.next_role == role:
                nodes.append(inst.assigned)
        return nodes

    def preferences(self, rsc: WRsc, seen: set[int]) -> dict[str, int]:
        """A resource's own node scores plus what its dependents want (for merging)."""
        seen = seen | {id(rsc)}
        weights = self._own_weights(rsc)
        for coloc in self.with_this.get(id(rsc), []):
            dep = coloc.dependent
            if id(dep) in seen or not coloc.influence or not dep.provisional:
                continue
            if coloc.primary_role is not None or coloc.dependent_role is not None:
                continue
            merged = merge_scaled(weights, self.preferences(dep, seen), coloc.score / INFINITY,
                                  self.nodes, coloc.node_attribute)
            if self._available(merged):
                weights = merged
        return weights

    def _own_weights(self, rsc: WRsc) -> dict[str, int]:
        placing: dict[str, int] | None = rsc.extra.get("placing_weights")
        if placing is not None:
            return dict(placing)
        if rsc.variant == "group":
            return self._group_weights(rsc)
        if rsc.variant == "clone":
            return dict(rsc.allowed)
        return dict(rsc.allowed)

    def _group_weights(self, group: WRsc) -> dict[str, int]:
        """The group's own scores, its first member's, then each later member's while
        some node can still take them all (a member that fits nowhere is left out)."""
        combined = dict(group.allowed)
        for position, child in enumerate(group.children):
            merged = {n: add(w, child.allowed.get(n, -INFINITY)) for n, w in combined.items()}
            if position > 0 and not self._available(merged):
                break
            combined = merged
        return combined

    def _choose(self, rsc: WRsc, weights: dict[str, int], limit: dict[str, int] | None = None,
                current: WNode | None = None) -> WNode | None:
        """The best node: highest score, then (by placement strategy) most free capacity,
        then fewest resources assigned so far, then the node the resource runs on now,
        then the node name."""
        placement = self.strategy
        want = needs(rsc) if placement != "default" else {}
        together = self._colocated_needs(rsc) if placement != "default" else {}

        def usable(need: dict[str, int]) -> list[tuple[int, WNode]]:
            found: list[tuple[int, WNode]] = []
            for name, weight in weights.items():
                node = self.nodes.get(name)
                if node is None or weight < 0 or not node.can_run():
                    continue
                if limit is not None and limit.get(name, 0) <= 0:
                    continue
                if need and not fits(node, need):
                    continue
                found.append((weight, node))
            return found

        # a node that can hold the resource with everything still to be placed with it,
        # else one that can hold the resource alone
        candidates = usable(together) if together != want else []
        if not candidates:
            candidates = usable(want)
        if not candidates:
            return None

        def order(a: tuple[int, WNode], b: tuple[int, WNode]) -> int:
            (wa, na), (wb, nb) = a, b
            if wa != wb:
                return -1 if wa > wb else 1
            if placement == "balanced":
                capacity = more_free(na, nb)
                if capacity:
                    return capacity
            if placement != "minimal" and na.count != nb.count:
                return -1 if na.count < nb.count else 1
            if (na is current) != (nb is current):
                return -1 if na is current else 1
            return -1 if na.name < nb.name else (1 if na.name > nb.name else 0)

        return min(candidates, key=functools.cmp_to_key(order))[1]

    def _colocated_needs(self, rsc: WRsc) -> dict[str, int]:
        """What ``rsc`` uses together with the resources not yet placed that must be
        placed with it (INFINITY colocations either way, transitively)."""
        group: list[WRsc] = [rsc]
        pending = [rsc]
        while pending:
            current = pending.pop()
            linked = [c.primary for c in self.this_with.get(id(current), [])
                      if c.score >= INFINITY and c.dependent_role is None
                      and c.primary_role is None]
            linked += [c.dependent for c in self.with_this.get(id(current), [])
                       if c.score >= INFINITY and c.dependent_role is None
                       and c.primary_role is None]
            for other in linked:
                # (one being placed already, which places this one first, is left out)
                if other.provisional and not other.assigning \
                        and not any(other is g for g in group):
                    group.append(other)
                    pending.append(other)
        total: dict[str, int] = {}
        for member in group:
            for key, value in needs(member).items():
                total[key] = total.get(key, 0) + value
        return total

    def _set(self, rsc: WRsc, node: WNode | None, role: str = STARTED) -> None:
        rsc.provisional = False
        rsc.assigned = node
        if node is None:
            rsc.next_role = STOPPED
        else:
            rsc.next_role = role
            node.count += 1
            if self.strategy != "default" and rsc.variant == "primitive":
                consume(node, rsc)
        if rsc.extra.get("bundled"):
            self._guest_follows(rsc)   # a bundle's connection is placed with its replica

    # ---- variants ---------------------------------------------------------------------

    def assign(self, rsc: WRsc) -> None:
        if not rsc.provisional or rsc.assigning:
            return
        rsc.assigning = True
        try:
            if rsc.variant == "clone":
                self._assign_clone(rsc)
                if rsc.extra.get("bundle"):
                    from buttress.scheduler.bundle_assign import place_connections

                    place_connections(self, rsc)
            elif rsc.variant == "group":
                self._assign_group(rsc)
            else:
                self._assign_primitive(rsc)
        finally:
            rsc.assigning = False

    def _stopped_by_config(self, rsc: WRsc) -> bool:
        if self.stop_all:
            return True
        role = rsc.meta.get("target-role", "Started")
        return role.lower() == "stopped"

    def _current(self, rsc: WRsc) -> WNode | None:
        nodes = [n for p in rsc.primitives() for n in p.running_on]
        return nodes[0] if nodes else None

    def _unmanaged_stays(self, rsc: WRsc) -> bool:
        if (rsc.managed and not stop_blocked(rsc)) or rsc.variant != "primitive":
            return False
        node = rsc.running_on[0] if rsc.running_on else None
        self._set(rsc, node, rsc.role if node is not None else STOPPED)
        return True

    def _assign_primitive(self, rsc: WRsc) -> None:
        if self._unmanaged_stays(rsc):
            return
        weights = self._weights_with_colocations(rsc, rsc.allowed)
        if self._stopped_by_config(rsc) or rsc.orphan or rsc.extra.get("unsupported") \
                or rsc.extra.get("stop_only"):
            self._set(rsc, None)
            return
        node = self._choose(rsc, weights, current=self._current(rsc))
        rsc.extra["weights"] = weights
        self._set(rsc, node, _target_role(rsc))
        self._guest_follows(rsc)

    def _guest_follows(self, rsc: WRsc) -> None:
        """A guest node can take resources in this transition when its connection is
        placed (it will be up), and shuts down otherwise."""
        if not guest_connection_of(rsc):
            return
        guest = self.nodes.get(rsc.id)
        if guest is None or guest.kind != "guest":
            return
        if (rsc.assigned is not None and rsc.next_role != STOPPED) or guest.bundle_guest:
            # (a bundle's inner instance stays placed on its guest while the connection
            # cannot run: it is its start that cannot run then)
            guest.online = True
        else:
            guest.shutdown = True

    def _assign_group(self, group: WRsc) -> None:
        weights = self._weights_with_colocations(group, self._group_weights(group))
        node = None
        # (a member's own target-role overrides the one it inherits from the group)
        if not (self._stopped_by_config(group)
                and all(self._stopped_by_config(c) for c in group.children)):
            node = self._choose(group, weights, current=self._current(group))
        group.extra["weights"] = weights
        self._place_group(group, node)

    def _place_group(self, group: WRsc, node: WNode | None) -> None:
        group.provisional = False
        group.assigned = None
        group.next_role = STOPPED
        for position, child in enumerate(group.children):
            if position == 1:
                group.assigned = group.children[0].assigned
                group.next_role = STARTED if group.assigned is not None else STOPPED
            if not child.managed and child.running_on:
                self._set(child, child.running_on[0], child.role)
                continue
            # (an unmanaged member that is stopped stays stopped: nothing after it can run)
            ok = (node is not None and _member_score(child, node.name) >= 0
                  and not self._stopped_by_config(child) and not child.orphan
                  and child.managed)
            if ok and node is not None:
                child_weights = self._weights_with_colocations(child, {node.name: 0})
                ok = child_weights.get(node.name, -1) >= 0
            if not ok:
                node = None
            self._set(child, node, _target_role(child) if node else STOPPED)
        if len(group.children) == 1:
            group.assigned = group.children[0].assigned
            group.next_role = STARTED if group.assigned is not None else STOPPED

    def _assign_clone(self, clone: WRsc) -> None:
        base = self._weights_with_colocations(clone, clone.allowed)
        clone.extra["weights"] = base
        instances = clone.children
        if self._stopped_by_config(clone) and all(
                self._stopped_by_config(p) for i in instances for p in i.primitives()):
            # (a member's own target-role overrides the one it inherits from the clone)
            for inst in instances:
                self._place_instance(inst, None)
            clone.provisional = False
            return
        avail = [n for n in self._available(base)]
        clone_max = clone.extra["clone_max"]
        node_max = clone.extra["clone_node_max"]
        loc_max = min(clone_max, node_max * len(avail))
        per_node = min(node_max, math.ceil(loc_max / len(avail))) if avail else 0
        counts = {n.name: 0 for n in avail}
        total = 0

        def weights_of(inst: WRsc) -> dict[str, int]:
            own = self._own_weights(inst)
            return {n: add(w, own.get(n, 0)) for n, w in base.items()}

        # an instance whose stop failed holds no place: it stays blocked as it is, or is
        # stopped by fencing its node, and another instance takes a node in its stead
        stuck = [i for i in instances if stop_failed(i)]
        for inst in stuck:
            self._set(inst, None, STOPPED)
        active = [i for i in instances if self._current(i) is not None and i not in stuck]
        inactive = [i for i in instances if self._current(i) is None]
        for inst in active:
            node = self._current(inst)
            if node is None or node.name not in counts or total >= loc_max:
                continue
            if inst.primitives()[0].orphan:
                continue
            weights = weights_of(inst)
            if weights.get(node.name, -1) < 0 or counts[node.name] >= per_node:
                continue
            # the instance's own scores (its clone's locations and its stickiness, not what
            # the clone takes in from colocations) say whether it stays where it runs
            own = self._own_weights(inst)
            mine = {n: add(w, own.get(n, 0)) for n, w in clone.allowed.items()}
            best = max((w for n, w in mine.items()
                        if n in counts and counts[n] < per_node and self.nodes[n].can_run()),
                       default=-1)
            if mine.get(node.name, -1) < best:
                continue  # where it runs is not among the best nodes for it any more
            self._place_instance(inst, node)
            counts[node.name] += 1
            total += 1
        # instances not running take new nodes before one whose node is no longer allowed
        # (which stops rather than move, unless no other instance can go there)
        def may_stay(inst: WRsc) -> bool:
            """Its node is still allowed by its own scores (an unavailable node, such as
            one in standby, does not count against it)."""
            node = self._current(inst)
            if node is None:
                return False
            own = self._own_weights(inst)
            return add(clone.allowed.get(node.name, -INFINITY), own.get(node.name, 0)) >= 0

        current_ok = [i for i in active if may_stay(i)]
        displaced = [i for i in active if not may_stay(i)]
        for inst in current_ok + inactive + displaced:
            if not inst.provisional:
                continue
            if total >= loc_max or inst.primitives()[0].orphan:
                self._place_instance(inst, None)
                continue
            limit = {n: per_node - c for n, c in counts.items()}
            node = self._choose(inst, self._replica_weights(clone, weights_of(inst), limit),
                                limit, current=self._current(inst))
            if node is None and per_node < node_max:
                limit = {n: node_max - c for n, c in counts.items()}
                node = self._choose(inst, self._replica_weights(clone, weights_of(inst), limit),
                                    limit, current=self._current(inst))
            self._place_instance(inst, node)
            if node is not None:
                counts[node.name] += 1
                total += 1
        clone.provisional = False
        if clone.extra.get("promotable"):
            from buttress.scheduler.promotion import choose_promoted

            choose_promoted(self.cluster, clone, self)

    def _replica_weights(self, clone: WRsc, weights: dict[str, int],
                         limit: dict[str, int]) -> dict[str, int]:
        """A bundle replica's container leans away from nodes its connection cannot run
        on, unless that leaves it nowhere to go (bundle.py)."""
        if not clone.extra.get("bundle"):
            return weights
        from buttress.scheduler.bundle_assign import lean_off_remote_nodes

        return lean_off_remote_nodes(clone, weights, self.nodes, limit)

    def _place_instance(self, inst: WRsc, node: WNode | None) -> None:
        if inst.variant == "group":
            self._place_group(inst, node)
        else:
            if not inst.managed and inst.running_on:
                self._set(inst, inst.running_on[0], inst.role)
                return
            self._set(inst, node, _target_role(inst) if node is not None else STOPPED)


def _member_score(child: WRsc, node: str) -> int:
    """A group member's own score on ``node``; where it has none, a node its group or
    clone was given (in a cluster where resources opt in to nodes) is allowed."""
    if node in child.allowed:
        return child.allowed[node]
    parent = child.parent
    while parent is not None:
        if node in parent.allowed:
            return 0
        parent = parent.parent
    return -INFINITY


def _target_role(rsc: WRsc) -> str:
    """The role a placed resource runs in before promotion is decided."""
    clone = rsc.clone_parent()
    if clone is not None and clone.extra.get("promotable"):
        return UNPROMOTED
    return STARTED

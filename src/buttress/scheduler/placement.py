"""Stage 2: node scores per resource: location constraints, stickiness, failures."""

from __future__ import annotations

import re

from buttress.model.constraints import Location
from buttress.scheduler.failures import on_fail
from buttress.scheduler.guest import guest_connection_of, restrict_guest_placement
from buttress.scheduler.remote import restrict_placement
from buttress.scheduler.rules import RuleContext, evaluate
from buttress.scheduler.unpack import Cluster, threshold
from buttress.scheduler.working import WNode, WRsc
from buttress.scores import INFINITY, add, parse_score
from buttress.state.history import PROMOTED, STOPPED, UNPROMOTED


def apply_placement(cluster: Cluster) -> None:
    for rsc in cluster.by_id.values():
        # a guest's connection may go wherever its container goes, even in a cluster
        # where resources must opt in to nodes
        if cluster.symmetric or guest_connection_of(rsc):
            rsc.allowed = {n.name: 0 for n in cluster.nodes}
        else:
            rsc.allowed = {}
    for loc in cluster.cib.configuration.locations:
        for rsc in _targets(cluster, loc):
            _apply_location(cluster, rsc, loc)
    for rsc in list(cluster.by_id.values()):
        if rsc.variant == "primitive":
            _apply_failures(cluster, rsc)
    for rsc in list(cluster.by_id.values()):
        _apply_stickiness(cluster, rsc)
    _apply_health(cluster)
    _apply_exclusive_discovery(cluster)
    restrict_placement(cluster)
    restrict_guest_placement(cluster.nodes, cluster.by_id)
    from buttress.scheduler.bundle import keep_off_guests, move_promotion_scores

    keep_off_guests(cluster.nodes, cluster.by_id)
    move_promotion_scores(cluster.resources)


def _targets(cluster: Cluster, loc: Location) -> list[WRsc]:
    found: list[WRsc] = []
    ids: list[str] = []
    if loc.rsc:
        ids.append(loc.rsc)
    for rset in loc.sets:
        ids.extend(rset.resources)
    for rid in ids:
        found.extend(cluster.resolve(rid))
    if loc.rsc_pattern:
        try:
            pattern = re.compile(loc.rsc_pattern)
        except re.error:
            return found
        for rsc in cluster.by_id.values():
            top_or_member = rsc.parent is None or rsc.parent.variant == "group"
            if top_or_member and pattern.search(rsc.id) and not rsc.is_clone_instance:
                found.append(rsc)
    return found


def _apply_location(cluster: Cluster, rsc: WRsc, loc: Location) -> None:
    role = _role_name(loc.role)
    discovery = loc.resource_discovery or "always"
    if loc.node is not None:
        node = cluster.node_by_name.get(loc.node)
        if node is None:
            return
        score = parse_score(loc.score)
        _add_score(rsc, node, score, role, discovery)
        return
    if discovery == "exclusive":
        rsc.extra.setdefault("exclusive_nodes", set())
    for rule in loc.rules:
        rule_role = _role_name(rule.role) or role
        for node in cluster.nodes:
            ctx = RuleContext(now=cluster.now, node_attrs=node.attrs, rsc_params=_params(rsc),
                              rsc_meta=rsc.meta)
            if not evaluate(rule, ctx):
                if discovery == "exclusive":
                    rsc.discovery.setdefault(node.name, "never")
                continue
            if rule.score_attribute:
                value = node.attrs.get(rule.score_attribute)
                if value is None:
                    continue
                score = parse_score(value)
            else:
                score = parse_score(rule.score)
            _add_score(rsc, node, score, rule_role, discovery)


def _role_name(role: str | None) -> str | None:
    if role is None:
        return None
    mapping = {"Master": PROMOTED, "Slave": UNPROMOTED, "Promoted": PROMOTED,
               "Unpromoted": UNPROMOTED, "Started": None, "Stopped": STOPPED}
    return mapping.get(role, role)


def _add_score(rsc: WRsc, node: WNode, score: int, role: str | None, discovery: str) -> None:
    if discovery in ("never", "exclusive"):
        rsc.discovery[node.name] = discovery
    if discovery == "exclusive":
        rsc.extra.setdefault("exclusive_nodes", set()).add(node.name)
    if role == PROMOTED:
        promo: dict[str, int] = rsc.extra.setdefault("promotion_location", {})
        promo[node.name] = add(promo.get(node.name, 0), score)
        return
    if role == UNPROMOTED:
        return
    rsc.allowed[node.name] = add(rsc.allowed.get(node.name, 0), score)
    if rsc.variant == "group":
        # a group's constraint reaches its members: in an opt-in cluster it is what allows
        # them on the node (the score itself counts once, on the group)
        for member in rsc.primitives():
            member.allowed.setdefault(node.name, 0)


def failcount(cluster: Cluster, rsc: WRsc, node: WNode) -> int:
    """The resource's fail count on the node, honouring failure-timeout."""
    base = rsc.extra.get("base_id", rsc.id)
    counts, lasts = failure_attrs(node)
    total = 0
    last_failure = 0
    for name in {rsc.id, base}:
        total = add(total, counts.get(name, 0))
        last_failure = max(last_failure, lasts.get(name, 0))
    if not total:
        return 0
    timeout_ms = _failure_timeout_ms(rsc)
    if total and timeout_ms > 0 and last_failure > 0 and \
            cluster.now >= last_failure + timeout_ms // 1000:
        return 0
    return total


def failure_attrs(node: WNode) -> tuple[dict[str, int], dict[str, int]]:
    """The node's fail counts and last-failure times per resource id (read once)."""
    if node.failures is None:
        counts: dict[str, int] = {}
        lasts: dict[str, int] = {}
        for key, value in node.attrs.items():
            if key.startswith("fail-count-"):
                target = key[len("fail-count-"):].split("#", 1)[0]
                counts[target] = add(counts.get(target, 0), parse_score(value))
            elif key.startswith("last-failure-"):
                target = key[len("last-failure-"):].split("#", 1)[0]
                lasts[target] = max(lasts.get(target, 0), _timestamp(value))
        node.failures = (counts, lasts)
    return node.failures


def _timestamp(value: str) -> int:
    """A ``last-failure`` time in seconds (a timestamp, not a score: never capped)."""
    try:
        return int(value.strip())
    except ValueError:
        return 0


def _expired_failure(cluster: Cluster, rsc: WRsc, when: int) -> bool:
    timeout_ms = _failure_timeout_ms(rsc)
    return timeout_ms > 0 and when > 0 and cluster.now >= when + timeout_ms // 1000


def _failure_timeout_ms(rsc: WRsc) -> int:
    """failure-timeout; a remote connection's failures without one expire after its
    reconnect_interval (its fail count is then cleared, as for a failure-timeout)."""
    from buttress.scheduler.remote import reconnect_s
    from buttress.scheduler.unpack import interval_of

    timeout_ms = interval_of(rsc.meta.get("failure-timeout"))
    if timeout_ms <= 0:
        timeout_ms = reconnect_s(rsc) * 1000
    return timeout_ms


def _apply_failures(cluster: Cluster, rsc: WRsc) -> None:
    limit = threshold(rsc)
    if limit <= 0:
        return
    fillers: list[WRsc] = rsc.extra.get("fillers", [])
    # (a resource with an ignored failure is not moved by its fail counts, on any node)
    ignored = any(h.failure is not None and on_fail(cluster, rsc, h.failure) == "ignore"
                  for h in rsc.history.values())
    for node in [] if ignored else cluster.nodes:
        count = failcount(cluster, rsc, node)
        for filler in fillers:
            # failures inside a container count against the container
            count = add(count, failcount(cluster, filler, node))
        if count <= 0 or count < limit:
            continue
        target = rsc
        clone = rsc.clone_parent()
        if clone is not None and not clone.extra.get("unique"):
            target = clone
        target.allowed[node.name] = -INFINITY
    fatal_start = cluster.prop("start-failure-is-fatal", "true").lower() not in (
        "false", "no", "0", "off")
    for node_name, history in rsc.history.items():
        where = cluster.node_by_name.get(node_name)
        # (a failed start bans the node through the fail count it sets to INFINITY)
        if fatal_start and history.failed_start is not None and where is not None \
                and not _expired_failure(cluster, rsc, history.failed_start.last_rc_change) \
                and failcount(cluster, rsc, where) > 0:
            target = rsc
            clone = rsc.clone_parent()
            if clone is not None and not clone.extra.get("unique"):
                target = clone
            target.allowed[node_name] = -INFINITY
        failure = history.failure
        if failure is None or on_fail(cluster, rsc, failure) == "ignore":
            # (an ignored failure does not keep the resource off the node either)
            continue
        if failure.op.operation != "stop" and \
                _expired_failure(cluster, rsc, failure.op.last_rc_change):
            # (nor does one older than failure-timeout, even a hard one)
            continue
        if failure.op.operation == "stop" and rsc.blocked:
            # a stop that failed where it is blocked (no fencing) bans the resource from
            # the node (it stays there all the same): what is placed with it, its group,
            # leaves
            rsc.allowed[node_name] = -INFINITY
        # (a hard failure of an anonymous clone's instance keeps the whole clone off)
        banned = rsc
        clone = rsc.clone_parent()
        if clone is not None and not clone.extra.get("unique"):
            banned = clone
        if failure.fatal:
            for node in cluster.nodes:
                banned.allowed[node.name] = -INFINITY
        elif failure.hard:
            banned.allowed[node_name] = -INFINITY


def stickiness(rsc: WRsc) -> int:
    return parse_score(rsc.meta.get("resource-stickiness"), 0)


def _apply_stickiness(cluster: Cluster, rsc: WRsc) -> None:
    if rsc.variant != "primitive" or not rsc.managed:
        return
    if len(rsc.running_on) != 1 or rsc.role == STOPPED:
        return
    sticky = stickiness(rsc)
    if sticky == 0:
        return
    node = rsc.running_on[0]
    if node.name not in rsc.allowed and not cluster.symmetric:
        return
    rsc.allowed[node.name] = add(rsc.allowed.get(node.name, 0), sticky)


_HEALTH_WORDS = ("red", "yellow", "green")


def node_health(cluster: Cluster, node: WNode) -> int | None:
    """The node's health score under node-health-strategy (None: health is not used)."""
    strategy = cluster.prop("node-health-strategy", "none").lower()
    if strategy == "none":
        return None
    if strategy == "migrate-on-red":
        values = {"red": -INFINITY, "yellow": 0, "green": 0}
    elif strategy == "only-green":
        values = {"red": -INFINITY, "yellow": -INFINITY, "green": 0}
    else:
        values = {word: parse_score(cluster.prop(f"node-health-{word}", "0"))
                  for word in _HEALTH_WORDS}
    total = parse_score(cluster.prop("node-health-base", "0")) if strategy == "progressive" else 0
    for key, value in node.attrs.items():
        if not key.startswith("#health"):
            continue
        word = value.strip().lower()
        total = add(total, values[word] if word in values else parse_score(value))
    return total


def _apply_health(cluster: Cluster) -> None:
    for node in cluster.nodes:
        score = node_health(cluster, node)
        if not score:
            continue
        for rsc in cluster.by_id.values():
            if (rsc.parent is not None and rsc.parent.variant != "clone") or rsc.is_clone_instance:
                continue
            if rsc.meta.get("allow-unhealthy-nodes", "false").lower() in ("true", "yes", "1"):
                continue
            if node.name in rsc.allowed:
                rsc.allowed[node.name] = add(rsc.allowed[node.name], score)


def _apply_exclusive_discovery(cluster: Cluster) -> None:
    """A resource with resource-discovery=exclusive runs only where such a constraint
    matched."""
    for rsc in cluster.by_id.values():
        exclusive = rsc.extra.get("exclusive_nodes")
        if exclusive is None:
            continue
        for node in cluster.nodes:
            if node.name not in exclusive:
                rsc.allowed[node.name] = -INFINITY


def _params(rsc: WRsc) -> dict[str, str]:
    """Instance attributes a rule's value-source=param reads (a collective's first member's)."""
    prims = rsc.primitives()
    return prims[0].params if prims else {}

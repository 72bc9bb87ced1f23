"""Recovery rules: multiple-active policies, restart-type, whose reasons a summary shows."""

from __future__ import annotations

from sched_cib import cib, lrm, nvpair, op, primitive, summary_of


def _both_active(policy: str) -> list[str]:
    status = {"node1": lrm("rsc1", op("rsc1", "start", 2)),
              "node2": lrm("rsc1", op("rsc1", "start", 2))}
    return summary_of(cib(primitive("rsc1", nvpair("multiple-active", policy)), status))


def test_multiple_active_stop_only_stops_everywhere() -> None:
    assert _both_active("stop_only") == [
        "Stop rsc1 ( node1 ) due to node availability",
        "Stop rsc1 ( node2 ) due to node availability"]


def test_multiple_active_block_leaves_it_alone() -> None:
    assert _both_active("block") == []


def test_multiple_active_stop_unexpected_restarts_in_place() -> None:
    assert _both_active("stop_unexpected") == ["Restart rsc1 ( node1 )"]


def test_restart_type_restart_follows_an_optional_order() -> None:
    """restart-type=restart: a restart of what a resource is ordered after restarts it,
    and the restart's reason names that cause, not the resource's own stop."""
    resources = primitive("rsc1", nvpair("restart-type", "restart")) + primitive("rsc2")
    status = {"node1": lrm("rsc1", op("rsc1", "start", 2))
              + lrm("rsc2", op("rsc2", "start", 2), op("rsc2", "monitor", 3, rc=1,
                                                        interval=10000))}
    order = '<rsc_order id="o1" first="rsc2" then="rsc1" kind="Optional"/>'
    lines = summary_of(cib(resources, status, order, nodes=("node1",)))
    assert lines == ["Restart rsc1 ( node1 ) due to required rsc2 start",
                     "Recover rsc2 ( node1 )"]


def _stop_after_blocked(order: str) -> list[str]:
    """rsc2 failed to stop (blocked there); rsc1 is to stop, but only after rsc2 has."""
    stop_block = ('<operations><op id="rsc2-stop" name="stop" interval="0" on-fail="block"/>'
                  '</operations>')
    resources = primitive("rsc1", nvpair("target-role", "Stopped")) \
        + primitive("rsc2").replace("</primitive>", stop_block + "</primitive>")
    status = {"node1": lrm("rsc1", op("rsc1", "start", 2))
              + lrm("rsc2", op("rsc2", "start", 2), op("rsc2", "stop", 3, rc=1))}
    return summary_of(cib(resources, status, order, nodes=("node1",)))


def test_a_stop_waiting_for_a_blocked_stop_is_blocked() -> None:
    expected = ["Stop rsc1 ( node1 ) due to node availability (blocked)"]
    assert _stop_after_blocked('<rsc_order id="o" first="rsc1" then="rsc2"/>') == expected
    assert _stop_after_blocked('<rsc_order id="o" first="rsc2" first-action="stop" '
                               'then="rsc1" then-action="stop"/>') == expected


def test_stop_all_resources_stops_everything() -> None:
    text = cib(primitive("rsc1"), {"node1": lrm("rsc1", op("rsc1", "start", 2))})
    text = text.replace('value="false"/>', 'value="false"/>'
                        '<nvpair id="o2" name="stop-all-resources" value="true"/>', 1)
    assert summary_of(text) == ["Stop rsc1 ( node1 ) due to node availability"]


def test_a_degraded_monitor_is_a_healthy_one() -> None:
    status = {"node1": lrm("rsc1", op("rsc1", "start", 2),
                           op("rsc1", "monitor", 3, rc=190, interval=10000))}
    assert summary_of(cib(primitive("rsc1"), status)) == []

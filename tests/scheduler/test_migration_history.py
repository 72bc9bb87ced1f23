"""Live migrations read from the history: dangling, partial and failed ones."""

from __future__ import annotations

from sched_cib import ban, cib, lrm, migrate, nvpair, op, primitive, summary_of

VM = primitive("vm", nvpair("allow-migrate", "true"))


def test_dangling_migration_only_stops_the_source() -> None:
    """migrate_to and migrate_from both done: the resource lives on the target."""
    status = {"node1": lrm("vm", op("vm", "start", 2),
                           migrate("vm", "migrate_to", 3, "node1", "node2")),
              "node2": lrm("vm", migrate("vm", "migrate_from", 4, "node1", "node2"))}
    assert summary_of(cib(VM, status, ban("vm", "node1"))) == []


def test_partial_migration_is_finished_on_its_target() -> None:
    status = {"node1": lrm("vm", op("vm", "start", 2),
                           migrate("vm", "migrate_to", 3, "node1", "node2")),
              "node2": lrm("vm", op("vm", "monitor", 1, rc=7))}
    assert summary_of(cib(VM, status, ban("vm", "node1"))) == ["Migrate vm ( node1 -> node2 )"]


def test_partial_migration_is_undone_when_the_resource_goes_back() -> None:
    """Active on both nodes now; it moves from the target (found first) to the source."""
    status = {"node1": lrm("vm", op("vm", "start", 2),
                           migrate("vm", "migrate_to", 3, "node1", "node2")),
              "node2": lrm("vm", op("vm", "monitor", 1, rc=7))}
    assert summary_of(cib(VM, status, ban("vm", "node2"))) == ["Move vm ( node2 -> node1 )"]


def test_failed_migrate_from_recovers_on_the_target() -> None:
    status = {"node1": lrm("vm", op("vm", "start", 2),
                           migrate("vm", "migrate_to", 3, "node1", "node2")),
              "node2": lrm("vm", migrate("vm", "migrate_from", 4, "node1", "node2", rc=1))}
    assert summary_of(cib(VM, status, ban("vm", "node1"))) == ["Recover vm ( node2 )"]


def test_failed_migrate_from_then_stopped_fails_the_source() -> None:
    """The target stopped it since: only the source runs it, failed; it cannot migrate."""
    status = {"node1": lrm("vm", op("vm", "start", 2),
                           migrate("vm", "migrate_to", 3, "node1", "node2")),
              "node2": lrm("vm", migrate("vm", "migrate_from", 4, "node1", "node2", rc=1),
                           op("vm", "stop", 5))}
    assert summary_of(cib(VM, status, ban("vm", "node1"))) == [
        "Recover vm ( node1 -> node2 )"]


def test_failed_migrate_to_with_unknown_target_waits_for_the_probe() -> None:
    status = {"node1": lrm("vm", migrate("vm", "migrate_to", 3, "node1", "node2", rc=1),
                           op("vm", "start", 4))}
    text = cib(VM, status, '<rsc_location id="pref" rsc="vm" node="node1" score="INFINITY"/>')
    assert summary_of(text) == []


def _a_then_b(a_to: str) -> list[str]:
    """A (not migratable) then B (migratable); B moves from node2 to node1."""
    resources = primitive("A") + VM.replace('"vm"', '"B"').replace("vm-m", "B-m")
    status = {"node1": lrm("A", op("A", "start", 2)),
              "node2": lrm("B", op("B", "start", 2))}
    constraints = ('<rsc_order id="o" first="A" then="B"/>'
                   '<rsc_location id="lb" rsc="B" node="node1" score="INFINITY"/>'
                   f'<rsc_location id="la" rsc="A" node="{a_to}" score="INFINITY"/>')
    return summary_of(cib(resources, status, constraints))


def test_migration_fits_when_what_it_follows_stays() -> None:
    assert _a_then_b("node1") == ["Migrate B ( node2 -> node1 )"]


def test_no_migration_between_a_restart_of_what_it_follows() -> None:
    """B's stop comes before A's stop and its start after A's start: no room to migrate."""
    assert _a_then_b("node2") == ["Move A ( node1 -> node2 )",
                                  "Move B ( node2 -> node1 ) due to unrunnable A stop"]


def test_failed_migrate_to_then_stopped_restarts_on_the_target() -> None:
    """The target may have been left running it, with the role the source's stop gave: it
    is restarted there (or migrated away, if it must go elsewhere)."""
    status = {"node1": lrm("vm", op("vm", "start", 2),
                           migrate("vm", "migrate_to", 3, "node1", "node2", rc=1),
                           op("vm", "stop", 4)),
              "node2": lrm("vm", op("vm", "monitor", 1, rc=7))}
    assert summary_of(cib(VM, status, ban("vm", "node1"))) == ["Restart vm ( node2 )"]
    assert summary_of(cib(VM, status, ban("vm", "node2"))) == [
        "Migrate vm ( node2 -> node1 )"]

"""The instance-HA loop's decisions (pure): fence events x journal x membership."""

from __future__ import annotations

from typing import Any

import pytest

from buttress.daemon.instanceha import plan
from buttress.daemon.livecib import Snapshot
from buttress.daemon.records import FenceEventRecord
from buttress.daemon.view import evacuations, render_evacuations

EVENT = FenceEventRecord("compute-1", "host1", "fence-nova", "compute-1@100.000", 100.0, "off")


def _snap(record: dict[str, Any] | None, member_since: float | None = None) -> Snapshot:
    snap = Snapshot(revision=1, fence_events={"compute-1": EVENT})
    if record is not None:
        snap.evacuations["host1"] = record
    if member_since is not None:
        snap.members["compute-1"] = {"boot": "b", "since": member_since}
    return snap


@pytest.mark.parametrize(("record", "member", "expected"), [
    (None, None, "recover"),                                          # new fence event
    ({"fence_id": EVENT.fence_id, "phase": "evacuating"}, None, "recover"),  # resume
    ({"fence_id": EVENT.fence_id, "phase": "fenced"}, 150.0, "recover"),     # even if back
    ({"fence_id": EVENT.fence_id, "phase": "done"}, None, None),      # node still away
    ({"fence_id": EVENT.fence_id, "phase": "done"}, 90.0, None),      # the fenced incarnation
    ({"fence_id": EVENT.fence_id, "phase": "done"}, 150.0, "restore"),
    ({"fence_id": EVENT.fence_id, "phase": "refused"}, 150.0, "restore"),
    ({"fence_id": EVENT.fence_id, "phase": "restored"}, 150.0, None),
    ({"fence_id": "compute-1@50.000", "phase": "restored"}, None, "recover"),  # older fence
    ({"fence_id": "compute-1@50.000", "phase": "evacuating"}, None, "recover"),
])
def test_plan(record: dict[str, Any] | None, member: float | None,
              expected: str | None) -> None:
    steps = plan(_snap(record, member))
    assert [s.action for s in steps] == ([expected] if expected else [])


def test_status_view_of_an_evacuation() -> None:
    snap = _snap({"fence_id": EVENT.fence_id, "phase": "done", "fenced_at": 100.0,
                  "isolated_at": 100.2, "finished_at": 109.5, "selected": ["a", "b"],
                  "skipped": {"c": "not tagged"}, "error": None, "reason": None})
    snap.evacuated[f"host1/{EVENT.fence_id}"] = [
        {"id": "a", "name": "web", "phase": "recovered", "landed_host": "host2",
         "final_status": "ACTIVE", "finished_at": 109.5, "attempts": 1},
        {"id": "b", "name": "db", "phase": "failed", "error": "No valid host", "attempts": 3}]
    view = evacuations(snap)["compute-1"]
    assert view["phase"] == "done" and view["total_s"] == 9.5 and view["isolated_s"] == 0.2
    assert (view["recovered"], view["failed"], view["skipped"]) == (1, 1, 1)
    text = "\n".join(render_evacuations(evacuations(snap)))
    assert "compute-1 (nova host host1): done, 1 of 2 recovered, 1 failed, 1 skipped in " \
        "9.50s" in text
    assert "- web: recovered on host2 (ACTIVE) after 9.50s" in text
    assert "- db: failed: No valid host" in text

"""Clone notifications on a live sandbox: with notify=true, every instance hears about the
others starting (pre and post, with the notify environment), in that order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from daemon_helpers import SandboxFactory, assert_safe, cib, nv

from buttress.daemon.view import roles

pytestmark = pytest.mark.slow


def test_a_notifying_clone_tells_every_instance_about_starts(
        sandbox_factory: SandboxFactory, tmp_path: Path) -> None:
    log = tmp_path / "notify.jsonl"
    clone = ('<clone id="svc-clone"><meta_attributes id="svc-clone-meta">'
             + nv("svc-clone", "notify", "true") + nv("svc-clone", "interleave", "true")
             + '</meta_attributes><primitive id="svc" class="python" type="fault">'
             '<instance_attributes id="svc-params">' + nv("svc", "notify_log", str(log))
             + '</instance_attributes><operations><op id="svc-mon" name="monitor" '
             'interval="2s" timeout="10s"/></operations></primitive></clone>')
    sb = sandbox_factory(cib(clone))
    sb.wait_for(lambda s: len(roles(s).get("svc", {})) == 3 and not s.queued, 60,
                "svc running on three nodes")
    sb.wait_stable(60)
    notes = [json.loads(line) for line in log.read_text().splitlines()]
    starts = [n for n in notes if n["notify_operation"] == "start"]
    # nothing ran before the first start: no pre notifications; after it, each of the
    # three instances hears the post-start notification once, naming all three starts
    assert [n["notify_type"] for n in starts] == ["post"] * 3, notes
    assert sorted(n["node"] for n in starts) == sorted(sb.nodes)
    for note in starts:
        assert sorted(note["notify_start_uname"].split()) == sorted(sb.nodes)
        assert len(note["notify_start_resource"].split()) == 3
        assert note["notify_active_resource"] == ""
        assert sorted(note["notify_all_uname"].split()) == sorted(sb.nodes)

    # one node leaves for good: the others get pre and post stop notifications
    victim = sb.nodes[0]
    log.write_text("")
    sb.load_config(cib(clone, constraints=f'<rsc_location id="away" rsc="svc-clone" '
                                          f'node="{victim}" score="-INFINITY"/>'))
    sb.wait_for(lambda s: victim not in roles(s).get("svc", {}) and not s.queued, 60,
                f"svc stopped on {victim}")
    sb.wait_stable(60)
    notes = [json.loads(line) for line in log.read_text().splitlines()]
    kinds = [(n["notify_type"], n["node"]) for n in notes if n["notify_operation"] == "stop"]
    assert sorted(kinds[:3]) == sorted(("pre", n) for n in sb.nodes), notes
    assert sorted(kinds[3:]) == sorted(("post", n) for n in sb.nodes if n != victim), notes
    assert all(n["notify_stop_uname"] == victim for n in notes), notes
    assert_safe(sb)

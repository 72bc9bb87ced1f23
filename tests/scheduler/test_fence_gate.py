"""Fencing enabled with no fence device and no watchdog (checked on crm_simulate): nothing
is scheduled at all, not even a stop from a banned node, a recovery or a fencing."""

from __future__ import annotations

from sched_cib import ban, cib, lrm, op, primitive, summary_of


def _fencing_on(text: str, watchdog: bool = False) -> str:
    extra = '<nvpair id="o5" name="have-watchdog" value="true"/>' if watchdog else ""
    return text.replace('name="stonith-enabled" value="false"/>',
                        f'name="stonith-enabled" value="true"/>{extra}')


_STATUS = {"node1": lrm("s", op("s", "start", 2))}


def test_nothing_happens_without_any_means_of_fencing() -> None:
    text = cib(primitive("r") + primitive("s"), _STATUS, ban("s", "node1"))
    assert summary_of(_fencing_on(text)) == []


def test_a_watchdog_is_a_means_of_fencing() -> None:
    text = cib(primitive("r") + primitive("s"), _STATUS, ban("s", "node1"))
    assert summary_of(_fencing_on(text, watchdog=True)) == [
        "Start r ( node1 )", "Move s ( node1 -> node2 )"]


def test_a_fence_device_is_a_means_of_fencing() -> None:
    device = '<primitive id="fence" class="stonith" type="fence_xvm"/>'
    text = cib(device + primitive("r") + primitive("s"), _STATUS, ban("s", "node1"))
    assert summary_of(_fencing_on(text)) == [
        "Start fence ( node1 )", "Start r ( node2 )", "Move s ( node1 -> node2 )"]

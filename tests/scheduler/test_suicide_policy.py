"""no-quorum-policy=suicide (checked on crm_simulate): a partition that lost its quorum
(the controller marks the CIB with ``no-quorum-panic``) fences every one of its members,
which stops whatever ran there; one that never had quorum behaves as with "stop"."""

from __future__ import annotations

from sched_cib import cib, lrm, op, primitive, summary_of


def _inquorate(text: str, policy: str = "suicide", panic: bool = True) -> str:
    flag = ' no-quorum-panic="1"' if panic else ""
    text = text.replace('have-quorum="1"', f'have-quorum="0"{flag}')
    return text.replace('<nvpair id="o1" name="stonith-enabled" value="false"/>',
                        '<nvpair id="o1" name="stonith-enabled" value="true"/>'
                        f'<nvpair id="o2" name="no-quorum-policy" value="{policy}"/>')


_FENCE = '<primitive id="fence" class="stonith" type="fence_xvm"/>'


def test_inquorate_partition_fences_itself() -> None:
    status = {"node1": lrm("r", op("r", "start", 2))}
    assert summary_of(_inquorate(cib(_FENCE + primitive("r"), status))) == [
        "Fence (reboot) node2 'cluster does not have quorum'",
        "Fence (reboot) node1 'cluster does not have quorum'",
        "Stop r ( node1 ) due to node availability"]


def test_partition_that_never_had_quorum_does_not_fence_itself() -> None:
    status = {"node1": lrm("r", op("r", "start", 2))}
    assert summary_of(_inquorate(cib(_FENCE + primitive("r"), status), panic=False)) == [
        "Start fence ( node1 ) due to no quorum (blocked)", "Stop r ( node1 ) due to no quorum"]

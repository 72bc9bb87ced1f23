"""no-quorum-policy=freeze (checked on crm_simulate): without quorum nothing new is
promoted, not even silently; what is promoted stays promoted."""

from __future__ import annotations

import pytest
from sched_cib import cib, summary_of, with_transient

_CLONE = ('<clone id="p-clone"><meta_attributes id="p-cm">'
          '<nvpair id="p-pr" name="promotable" value="true"/></meta_attributes>'
          '<primitive id="p" class="ocf" provider="pacemaker" type="Stateful"/></clone>')


def _lrm(promoted: bool) -> str:
    ops = [("start", 2, 0, 0)] + ([("promote", 3, 0, 0)] if promoted else [])
    return ('<lrm_resource id="p" class="ocf" provider="pacemaker" type="Stateful">' + "".join(
        f'<lrm_rsc_op id="p_{t}_0" operation_key="p_{t}_0" operation="{t}" call-id="{c}" '
        f'rc-code="{rc}" op-status="0" interval="0" transition-key="1:1:{exp}:x" '
        'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>' for t, c, rc, exp in ops)
        + '</lrm_resource>')


def _cib(policy: str, promoted_on_node2: bool) -> str:
    text = cib(_CLONE, {"node1": _lrm(False), "node2": _lrm(promoted_on_node2)})
    text = text.replace('have-quorum="1"', 'have-quorum="0"').replace(
        "<cib ", '<cib validate-with="pacemaker-3.7" epoch="1" num_updates="1" admin_epoch="0" ')
    option = f'<nvpair id="o2" name="no-quorum-policy" value="{policy}"/>'
    text = text.replace('<nvpair id="o1"', f'{option}<nvpair id="o1"')
    return with_transient(text, "master-p", {"node1": 10, "node2": 5})


@pytest.mark.parametrize("promoted_on_node2", [False, True])
def test_freeze_promotes_nothing_new(promoted_on_node2: bool) -> None:
    assert summary_of(_cib("freeze", promoted_on_node2)) == []


def test_ignore_still_promotes() -> None:
    assert summary_of(_cib("ignore", False)) == ["Promote p:0 ( Unpromoted -> Promoted node1 )"]

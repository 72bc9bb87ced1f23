"""on-fail=demote: a failed monitor of a promoted instance demotes it, nothing more.

Observed with crm_simulate: the instance is not stopped (no "Recover"); promotion is then
decided as usual, so it is promoted again where it failed ("Re-promote") unless something
keeps it from being promoted there.
"""

from __future__ import annotations

from sched_cib import cib, summary_of, with_transient

_CLONE = ('<clone id="p-clone"><meta_attributes id="p-cm">'
          '<nvpair id="p-pr" name="promotable" value="true"/></meta_attributes>'
          '<primitive id="p" class="ocf" provider="pacemaker" type="Stateful"><operations>'
          '<op id="p-mon-p" name="monitor" interval="10s" role="Promoted" on-fail="demote"/>'
          '<op id="p-mon-u" name="monitor" interval="11s" role="Unpromoted"/>'
          '</operations></primitive></clone>')

_DIGEST = 'op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"'


def _op(task: str, call: int, rc: int, expected: int, interval: int = 0) -> str:
    key = f"p_{task}_{interval}"
    return (f'<lrm_rsc_op id="{key}" operation_key="{key}" operation="{task}" call-id="{call}" '
            f'rc-code="{rc}" op-status="0" interval="{interval}" '
            f'transition-key="1:1:{expected}:x" {_DIGEST}/>')


def _lrm(*ops: str) -> str:
    return (f'<lrm_resource id="p" class="ocf" provider="pacemaker" type="Stateful">'
            f'{"".join(ops)}</lrm_resource>')


def _status() -> dict[str, str]:
    promoted_failed = _lrm(_op("start", 2, 0, 0), _op("promote", 3, 0, 0),
                           _op("monitor", 4, 7, 8, interval=10000))
    unpromoted = _lrm(_op("start", 2, 0, 0), _op("monitor", 3, 0, 0, interval=11000))
    return {"node1": promoted_failed, "node2": unpromoted}


def _cib(constraints: str = "") -> str:
    """With the agent's promotion preferences (as Stateful records them): node1 first."""
    text = cib(_CLONE, _status(), constraints=constraints).replace(
        "<cib ", '<cib validate-with="pacemaker-3.7" epoch="1" num_updates="1" admin_epoch="0" ')
    return with_transient(text, "master-p", {"node1": 10, "node2": 5})


def test_failed_promoted_monitor_is_demoted_and_promoted_again() -> None:
    assert summary_of(_cib()) == ["Re-promote p:0 ( Promoted node1 )"]


def test_failed_promoted_monitor_is_demoted_where_it_may_not_be_promoted() -> None:
    ban = ('<rsc_location id="no-promo" rsc="p-clone" node="node1" score="-INFINITY" '
           'role="Promoted"/>')
    assert summary_of(_cib(ban)) == [
        "Demote p:0 ( Promoted -> Unpromoted node1 )",
        "Promote p:1 ( Unpromoted -> Promoted node2 )"]

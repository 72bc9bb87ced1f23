"""When a recorded operation's digests call for a restart, a reload, or nothing.

Observed with crm_simulate on variants of the same inputs: a start recorded without a digest
restarts; a matching secure digest (the parameters without the secret ones) is no change; a
matching restart digest reloads, unless the operation has parameters of its own; a probe
that found the resource running is judged like a start; a start still in flight restarts
(without a reason) where a completed one would reload; a replaced agent restarts without a
reason, and so does a resource that requires nothing (not even quorum).
"""

from __future__ import annotations

from sched_cib import cib, nvpair, summary_of

from buttress.scheduler.digests import digest


def _prim(params: dict[str, str], op_params: dict[str, str] | None = None,
          agent: str = 'class="ocf" provider="pacemaker" type="Dummy"') -> str:
    pairs = "".join(nvpair(k, v) for k, v in params.items())
    ops = ""
    if op_params is not None:
        inner = "".join(f'<nvpair id="op-{k}" name="{k}" value="{v}"/>'
                        for k, v in op_params.items())
        ops = (f'<operations><op id="r-start" name="start" interval="0">'
               f'<instance_attributes id="r-start-ia">{inner}</instance_attributes></op>'
               f'</operations>')
    return (f'<primitive id="r" {agent}><instance_attributes id="r-ia">{pairs}'
            f'</instance_attributes>{ops}</primitive>')


def _start(digests: str, task: str = "start", call: int = 2, rc: int = 0,
           status: int = 0) -> str:
    expected = 7 if task == "monitor" else 0
    return (f'<lrm_resource id="r" class="ocf" provider="pacemaker" type="Dummy">'
            f'<lrm_rsc_op id="r_{task}_0" operation="{task}" call-id="{call}" rc-code="{rc}" '
            f'op-status="{status}" interval="0" transition-key="1:1:{expected}:x" {digests}/>'
            f'</lrm_resource>')


def _run(prim: str, lrm: str) -> list[str]:
    return summary_of(cib(prim, {"node1": lrm}, nodes=("node1",)))


OLD = {"secret": "s1", "fake": "a"}


def _digests(params: dict[str, str], secret: str | None = None,
             restart: dict[str, str] | None = None, force: str | None = None) -> str:
    text = f'op-digest="{digest(params)}"'
    if secret is not None:
        public = {k: v for k, v in params.items() if k != secret}
        text += f' op-secure-params=" {secret} " op-secure-digest="{digest(public)}"'
    if restart is not None:
        text += f' op-restart-digest="{digest(restart)}"'
    if force is not None:
        text += f' op-force-restart=" {force} "'
    return text


def test_unchanged_definition_does_nothing() -> None:
    assert _run(_prim(OLD), _start(_digests(OLD))) == []


def test_start_without_digest_restarts() -> None:
    assert _run(_prim(OLD), _start("")) == ["Restart r ( node1 ) due to resource definition change"]


def test_secret_parameter_change_is_ignored_when_the_secure_digest_matches() -> None:
    new = {"secret": "s2", "fake": "a"}
    assert _run(_prim(new), _start(_digests(OLD, secret="secret"))) == []


def test_reloadable_change_reloads() -> None:
    new = {"secret": "s1", "fake": "b"}
    recorded = _digests(OLD, restart={"secret": "s1"}, force="secret")
    assert _run(_prim(new), _start(recorded)) == ["Reload r ( node1 )"]


def test_restart_digest_covers_every_parameter_without_a_force_restart_list() -> None:
    new = {"secret": "s1", "fake": "b"}
    # the restart digest over the new parameters: only the full digest differs
    assert _run(_prim(new), _start(_digests(OLD, restart=new))) == ["Reload r ( node1 )"]


def test_operation_parameters_are_digested_and_never_reloaded() -> None:
    recorded = _digests(OLD, restart={"secret": "s1"}, force="secret")
    assert _run(_prim(OLD, {"trace_ra": "1"}), _start(recorded)) == [
        "Restart r ( node1 ) due to resource definition change"]
    same = _digests({**OLD, "trace_ra": "1"})
    assert _run(_prim(OLD, {"trace_ra": "1"}), _start(same)) == []


def test_probe_that_found_it_running_is_checked() -> None:
    new = {"secret": "s1", "fake": "b"}
    assert _run(_prim(new), _start(_digests(OLD), task="monitor")) == [
        "Restart r ( node1 ) due to resource definition change"]


def test_pending_start_restarts_quietly_instead_of_reloading() -> None:
    new = {"secret": "s1", "fake": "b"}
    recorded = _digests(OLD, restart={"secret": "s1"}, force="secret")
    assert _run(_prim(new), _start(recorded, call=-1, rc=-1, status=-1)) == [
        "Restart r ( node1 )"]


def test_replaced_agent_restarts_without_a_reason() -> None:
    prim = _prim(OLD, agent='class="ocf" provider="heartbeat" type="Dummy"')
    assert _run(prim, _start(_digests(OLD))) == ["Restart r ( node1 )"]
    assert _run(prim, _start(_digests({"other": "x"}))) == [
        "Restart r ( node1 ) due to resource definition change"]


def test_resource_that_requires_nothing_restarts_without_a_reason() -> None:
    meta = ('<meta_attributes id="r-m"><nvpair id="r-req" name="requires" value="nothing"/>'
            '</meta_attributes>')
    prim = _prim({"fake": "b"}).replace("</primitive>", f"{meta}</primitive>")
    assert _run(prim, _start(_digests(OLD))) == ["Restart r ( node1 )"]
    # by default too, where fencing is disabled and quorum ignored
    ignore = cib(_prim({"fake": "b"}), {"node1": _start(_digests(OLD))}, nodes=("node1",))
    ignore = ignore.replace('<nvpair id="o1"', '<nvpair id="o2" name="no-quorum-policy" '
                            'value="ignore"/><nvpair id="o1"')
    assert summary_of(ignore) == ["Restart r ( node1 )"]

"""Run OCF resource agents the way Pacemaker's executor does, without Pacemaker.

The agent ``$OCF_ROOT/resource.d/<provider>/<type>`` is exec'd directly with the action as
its only argument; everything else travels in the environment:

* ``OCF_ROOT``, ``OCF_RA_VERSION_MAJOR``/``MINOR`` (1.1), ``OCF_RESOURCE_INSTANCE``,
  ``OCF_RESOURCE_TYPE``, ``OCF_RESOURCE_PROVIDER``, ``OCF_EXIT_REASON_PREFIX``;
* ``OCF_RESKEY_<name>`` per instance attribute (values passed verbatim: no shell ever
  sees them);
* ``OCF_RESKEY_CRM_meta_<name>`` per meta attribute, dashes turned into underscores, plus
  ``CRM_meta_name`` (the action), ``CRM_meta_interval`` and ``CRM_meta_timeout`` (both in
  ms, as Pacemaker passes them) and ``CRM_meta_on_node``, unless the caller gave them;
* ``OCF_RESKEY_crm_feature_set`` (so ``ocf_promotion_score`` uses ``crm_attribute -p``);
* the node's :meth:`ExecContext.base_env` (``PATH`` with the helper commands first,
  ``HA_SBIN_DIR``, ``HA_RSCTMP``, the attribute channel socket).

A missing or non-executable agent gives rc 5 (not installed) with a reason, never an
exception; a timeout kills the agent's whole process group and gives ``timed_out``.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from buttress.agents.metadata import AgentError, AgentMetadata, AgentName, parse_metadata
from buttress.exec.process import run_process
from buttress.exec.request import ActionRequest, AgentSpec, ExecContext
from buttress.exec.result import EXIT_REASON_PREFIX, ActionResult, OcfRc, finish, parse_exit_reason

OCF_RA_VERSION = ("1", "1")
CRM_FEATURE_SET = "3.16.2"
"""The feature set of Pacemaker 2.1.5, which agents compare against."""

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*$")


def agent_path(ctx: ExecContext, provider: str, agent_type: str) -> Path | None:
    """The agent's file, or None when the names are not plain file names (no ``/``, ``..``)."""
    if not _NAME.match(provider) or not _NAME.match(agent_type):
        return None
    return ctx.ocf_root / "resource.d" / provider / agent_type


def ocf_environment(request: ActionRequest, ctx: ExecContext) -> dict[str, str]:
    """The complete environment of one OCF action (see the module docstring)."""
    env = ctx.base_env()
    env.update({
        "OCF_ROOT": str(ctx.ocf_root),
        "OCF_RA_VERSION_MAJOR": OCF_RA_VERSION[0],
        "OCF_RA_VERSION_MINOR": OCF_RA_VERSION[1],
        "OCF_RESOURCE_INSTANCE": request.resource_id,
        "OCF_RESOURCE_TYPE": request.agent.type,
        "OCF_RESOURCE_PROVIDER": request.agent.provider or "",
        "OCF_EXIT_REASON_PREFIX": EXIT_REASON_PREFIX,
        "OCF_RESKEY_crm_feature_set": CRM_FEATURE_SET,
    })
    meta = {
        "name": request.action,
        "interval": str(request.interval_ms),
        "timeout": str(int(request.timeout_s * 1000)),
        "on_node": ctx.node_name,
    }
    meta.update({k.replace("-", "_"): v for k, v in request.meta})
    for key, value in meta.items():
        env[f"OCF_RESKEY_CRM_meta_{key}"] = value
    for key, value in request.params:
        env[f"OCF_RESKEY_{key}"] = value
    return env


def _invalid_env(env: dict[str, str]) -> str | None:
    for key, value in env.items():
        if "\0" in key or "\0" in value or "=" in key or not key:
            return f"parameter {key!r} cannot be passed in the environment"
    return None


async def run_ocf(request: ActionRequest, ctx: ExecContext) -> ActionResult:
    """Run one OCF action; see the module docstring for the contract."""
    agent = request.agent
    if agent.standard != "ocf" or not agent.provider:
        return finish(request, OcfRc.ERR_CONFIGURED, f"{agent} is not an ocf:provider:type agent")
    path = agent_path(ctx, agent.provider, agent.type)
    if path is None:
        return finish(request, OcfRc.ERR_INSTALLED, f"invalid OCF agent name {agent}")
    if not path.is_file() or not os.access(path, os.X_OK):
        return finish(request, OcfRc.ERR_INSTALLED,
                      f"agent {agent} not installed: {path} not found or "
                      "not executable")
    env = ocf_environment(request, ctx)
    problem = _invalid_env(env)
    if problem:
        return finish(request, OcfRc.ERR_ARGS, problem)
    ctx.state_dir.mkdir(parents=True, exist_ok=True)
    outcome = await run_process([str(path), request.action], env, request.timeout_s,
                                cwd=str(ctx.state_dir))
    if outcome.returncode is None:
        return finish(request, OcfRc.ERR_INSTALLED, outcome.start_error, outcome)
    if outcome.timed_out:
        rc = int(OcfRc.ERR_GENERIC)
        reason: str | None = f"{request.action} timed out after {request.timeout_s:g}s"
    elif outcome.returncode < 0:
        rc = int(OcfRc.ERR_GENERIC)
        reason = f"agent killed by signal {-outcome.returncode}"
    else:
        rc = outcome.returncode
        reason = parse_exit_reason(outcome.stderr)
    return finish(request, rc, reason, outcome)


async def fetch_ocf_metadata(agent: AgentSpec, ctx: ExecContext,
                             timeout_s: float = 10.0) -> AgentMetadata:
    """Run ``<agent> meta-data`` under the node's OCF root (the executor's environment)
    and parse it with :func:`buttress.agents.metadata.parse_metadata`.

    Raises :class:`~buttress.agents.metadata.AgentError` (``buttress.exec.MetadataError``)
    when the agent is not OCF, not installed, fails, or gives unusable meta-data.
    """
    if agent.standard != "ocf" or not agent.provider:
        raise AgentError(f"{agent}: only OCF agents have meta-data here")
    path = agent_path(ctx, agent.provider, agent.type)
    if path is None or not path.is_file():
        raise AgentError(f"agent {agent} not installed")
    env = ocf_environment(ActionRequest(agent.type, agent, "meta-data"), ctx)
    outcome = await run_process([str(path), "meta-data"], env, timeout_s,
                                keep_bytes=4 * 1024 * 1024)
    if outcome.returncode != 0:
        raise AgentError(f"{agent} meta-data failed (rc={outcome.returncode})")
    return parse_metadata(outcome.stdout, AgentName(agent.standard, agent.type, agent.provider))

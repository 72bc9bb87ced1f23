"""Resource agents written in Python, run in the node agent's process (``python:<name>``).

An agent is any object with async methods named after actions (``start``, ``stop``,
``monitor``, ``promote``, ``demote``, ``notify``, ``validate_all`` for "validate-all", ...),
each taking a :class:`PythonAgentContext` and returning an OCF rc. A missing method means
ERR_UNIMPLEMENTED. To fail with a reason, raise :class:`AgentFailure`; any other exception
is ERR_GENERIC with the exception as reason. Actions are bounded by the request's timeout
(the coroutine is cancelled and ``timed_out`` is set), so agents must be cancellable.

Example::

    class Flag:
        def __init__(self) -> None:
            self.up = False
        async def start(self, ctx: PythonAgentContext) -> int:
            self.up = True
            return OcfRc.OK
        async def monitor(self, ctx: PythonAgentContext) -> int:
            return OcfRc.OK if self.up else OcfRc.NOT_RUNNING

    registry = PythonAgentRegistry()
    registry.register("flag", Flag)   # one agent object per resource id
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from buttress.exec.request import ActionRequest, ExecContext
from buttress.exec.result import EXIT_REASON_MAX, ActionResult, OcfRc, finish


class AgentFailure(Exception):
    """Raised by a Python agent to fail with an rc and an exit reason."""

    def __init__(self, rc: int, reason: str) -> None:
        super().__init__(reason)
        self.rc = rc
        self.reason = reason


@dataclass(frozen=True)
class PythonAgentContext:
    resource_id: str
    action: str
    node_name: str
    params: dict[str, str] = field(repr=False)
    meta: dict[str, str]
    interval_ms: int
    timeout_s: float


class PythonAgent(Protocol):
    """Marker protocol: agents define any subset of start/stop/monitor/... coroutines."""

    async def monitor(self, ctx: PythonAgentContext) -> int: ...


AgentFactory = Callable[[], Any]


class PythonAgentRegistry:
    """Agent classes by name; one agent instance per resource id, created on first use."""

    def __init__(self) -> None:
        self._factories: dict[str, AgentFactory] = {}
        self._instances: dict[tuple[str, str], Any] = {}

    def register(self, name: str, factory: AgentFactory) -> None:
        if name in self._factories:
            raise ValueError(f"python agent {name!r} is already registered")
        self._factories[name] = factory

    def names(self) -> tuple[str, ...]:
        return tuple(sorted(self._factories))

    def instance(self, name: str, resource_id: str) -> Any | None:
        factory = self._factories.get(name)
        if factory is None:
            return None
        key = (name, resource_id)
        if key not in self._instances:
            self._instances[key] = factory()
        return self._instances[key]


async def run_python(request: ActionRequest, ctx: ExecContext,
                     registry: PythonAgentRegistry) -> ActionResult:
    """Run one action of a registered Python agent (module docstring); never raises."""
    agent = registry.instance(request.agent.type, request.resource_id)
    if agent is None:
        return finish(request, OcfRc.ERR_INSTALLED,
                      f"python agent {request.agent.type!r} not registered")
    method: Callable[[PythonAgentContext], Awaitable[int]] | None = getattr(
        agent, request.action.replace("-", "_"), None)
    if method is None or request.action.startswith("_"):
        return finish(request, OcfRc.ERR_UNIMPLEMENTED,
                      f"{request.agent} has no {request.action!r} action")
    agent_ctx = PythonAgentContext(request.resource_id, request.action, ctx.node_name,
                                   dict(request.params), dict(request.meta),
                                   request.interval_ms, request.timeout_s)
    started_at, began = time.time(), time.monotonic()
    timed_out, reason = False, None
    try:
        rc = int(await asyncio.wait_for(method(agent_ctx), timeout=request.timeout_s))
    except TimeoutError:
        rc, timed_out = int(OcfRc.ERR_GENERIC), True
        reason = f"{request.action} timed out after {request.timeout_s:g}s"
    except AgentFailure as failure:
        rc, reason = failure.rc, failure.reason[:EXIT_REASON_MAX]
    except Exception as exc:  # an agent bug must not take the node agent down
        rc, reason = int(OcfRc.ERR_GENERIC), f"{type(exc).__name__}: {exc}"[:EXIT_REASON_MAX]
    return ActionResult(request.resource_id, request.action, rc, exit_reason=reason,
                        started_at=started_at, duration_s=time.monotonic() - began,
                        timed_out=timed_out, interval_ms=request.interval_ms)

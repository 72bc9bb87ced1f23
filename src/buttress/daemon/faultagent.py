"""``python:fault``: a Dummy-like resource agent whose actions fail on request, for tests.

State is a file (parameter ``state``, default ``<node run dir>/fault-<rsc>.state``), so a
node "reboot" (the sandbox wipes the node's run dir) forgets it, as with Dummy. Faults:

* ``fail_stop=true`` - stop fails with rc 1 ("stop refused by fault injection") while the
  resource runs, which a cluster must answer by fencing the node (on-fail=fence);
* ``fail_start=true`` - start fails with rc 1;
* ``fail_file=PATH`` - while PATH exists, every action except monitor fails.

``notify_log=PATH`` appends one JSON line per clone notification it receives (node,
instance and the ``notify_*`` meta attributes), so tests can see what agents are told.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from buttress.exec import AgentFailure, OcfRc, PythonAgentContext, PythonAgentRegistry

TRUE = ("1", "true", "yes", "on")


class FaultAgent:
    """One instance per resource id (the registry keeps it)."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = run_dir

    def _state(self, ctx: PythonAgentContext) -> Path:
        given = ctx.params.get("state")
        if given:
            return Path(given)
        return self.run_dir / f"fault-{ctx.resource_id.replace(':', '-')}.state"

    @staticmethod
    def _flag(ctx: PythonAgentContext, name: str) -> bool:
        return ctx.params.get(name, "").lower() in TRUE

    def _check_fail_file(self, ctx: PythonAgentContext) -> None:
        path = ctx.params.get("fail_file")
        if path and Path(path).exists():
            raise AgentFailure(int(OcfRc.ERR_GENERIC), f"{ctx.action} failed: {path} exists")

    async def start(self, ctx: PythonAgentContext) -> int:
        self._check_fail_file(ctx)
        if self._flag(ctx, "fail_start"):
            raise AgentFailure(int(OcfRc.ERR_GENERIC), "start refused by fault injection")
        state = self._state(ctx)
        state.parent.mkdir(parents=True, exist_ok=True)
        state.touch()
        return int(OcfRc.OK)

    async def stop(self, ctx: PythonAgentContext) -> int:
        state = self._state(ctx)
        if not state.exists():
            return int(OcfRc.OK)
        self._check_fail_file(ctx)
        if self._flag(ctx, "fail_stop"):
            raise AgentFailure(int(OcfRc.ERR_GENERIC), "stop refused by fault injection")
        state.unlink()
        return int(OcfRc.OK)

    async def monitor(self, ctx: PythonAgentContext) -> int:
        return int(OcfRc.OK) if self._state(ctx).exists() else int(OcfRc.NOT_RUNNING)

    async def notify(self, ctx: PythonAgentContext) -> int:
        path = ctx.params.get("notify_log")
        if path:
            record = {"node": ctx.node_name, "instance": ctx.meta.get("clone"),
                      **{k: v for k, v in ctx.meta.items() if k.startswith("notify_")}}
            line = (json.dumps(record, sort_keys=True) + "\n").encode()
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
        return int(OcfRc.OK)

    async def validate_all(self, ctx: PythonAgentContext) -> int:
        return int(OcfRc.OK)


def sandbox_registry(run_dir: Path) -> PythonAgentRegistry:
    """The Python agents every Buttress node agent offers: ``python:fault``."""
    registry = PythonAgentRegistry()
    registry.register("fault", lambda: FaultAgent(run_dir))
    return registry

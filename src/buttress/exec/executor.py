"""One entry point for every resource standard: ``await Executor(ctx).run(request)``."""

from __future__ import annotations

from buttress.exec.lsb import run_lsb
from buttress.exec.native import PythonAgentRegistry, run_python
from buttress.exec.ocf import run_ocf
from buttress.exec.request import ActionRequest, ExecContext
from buttress.exec.result import ActionResult, OcfRc
from buttress.exec.systemd import run_systemd, systemd_available


class Executor:
    """Routes an :class:`ActionRequest` to the runner of its standard.

    ``service:<name>`` means systemd when systemd is PID 1, else LSB (as Pacemaker does).
    Every outcome, including an unknown standard, is an :class:`ActionResult`.
    """

    def __init__(self, ctx: ExecContext, python_agents: PythonAgentRegistry | None = None,
                 systemd: bool | None = None) -> None:
        self.ctx = ctx
        self.python_agents = python_agents or PythonAgentRegistry()
        self.systemd = systemd_available() if systemd is None else systemd

    async def run(self, request: ActionRequest) -> ActionResult:
        standard = request.agent.standard
        if standard == "ocf":
            return await run_ocf(request, self.ctx)
        if standard == "lsb" or (standard == "service" and not self.systemd):
            return await run_lsb(request, self.ctx)
        if standard in ("systemd", "service"):
            return await run_systemd(request, self.ctx, available=self.systemd)
        if standard == "python":
            return await run_python(request, self.ctx, self.python_agents)
        return ActionResult(request.resource_id, request.action, int(OcfRc.ERR_CONFIGURED),
                            exit_reason=f"unknown standard {standard!r}",
                            interval_ms=request.interval_ms)

"""What running one resource action produces: OCF return codes and the frozen ActionResult."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from buttress.exec.process import ProcessOutcome
    from buttress.exec.request import ActionRequest

EXIT_REASON_PREFIX = "ocf-exit-reason:"
"""Prefix of the stderr lines by which an agent states why it failed (OCF 1.1)."""

EXIT_REASON_MAX = 256
"""Longest exit reason kept, in characters."""


class OcfRc(enum.IntEnum):
    """OCF return codes (OCF 1.1 plus the two Pacemaker "degraded" extensions)."""

    OK = 0
    ERR_GENERIC = 1
    ERR_ARGS = 2
    ERR_UNIMPLEMENTED = 3
    ERR_PERM = 4
    ERR_INSTALLED = 5
    ERR_CONFIGURED = 6
    NOT_RUNNING = 7
    RUNNING_PROMOTED = 8
    FAILED_PROMOTED = 9
    DEGRADED = 190
    DEGRADED_PROMOTED = 191


_MEANINGS = {
    OcfRc.OK: "ok",
    OcfRc.ERR_GENERIC: "error",
    OcfRc.ERR_ARGS: "invalid parameter",
    OcfRc.ERR_UNIMPLEMENTED: "unimplemented feature",
    OcfRc.ERR_PERM: "insufficient privileges",
    OcfRc.ERR_INSTALLED: "not installed",
    OcfRc.ERR_CONFIGURED: "not configured",
    OcfRc.NOT_RUNNING: "not running",
    OcfRc.RUNNING_PROMOTED: "promoted",
    OcfRc.FAILED_PROMOTED: "promoted (failed)",
    OcfRc.DEGRADED: "OCF_DEGRADED",
    OcfRc.DEGRADED_PROMOTED: "OCF_DEGRADED_PROMOTED",
}


def rc_meaning(rc: int) -> str:
    """The text crm_mon prints for an OCF return code; "unknown" for codes outside OCF."""
    try:
        return _MEANINGS[OcfRc(rc)]
    except ValueError:
        return "unknown"


def parse_exit_reason(stderr: str) -> str | None:
    """The text of the *last* ``ocf-exit-reason:`` line of ``stderr`` (as Pacemaker keeps it).

    The prefix may appear anywhere in a line (agents log through ``ocf_exit_reason``, which
    prints it at the start, but wrappers may prepend a timestamp). Empty reasons are ignored.
    The result is stripped and cut to :data:`EXIT_REASON_MAX` characters.
    """
    reason: str | None = None
    for line in stderr.splitlines():
        position = line.find(EXIT_REASON_PREFIX)
        if position < 0:
            continue
        text = line[position + len(EXIT_REASON_PREFIX):].strip()
        if text:
            reason = text[:EXIT_REASON_MAX]
    return reason


@dataclass(frozen=True)
class ActionResult:
    """The outcome of one action of one resource on one node.

    ``rc`` is always an OCF code, whatever the agent standard (LSB and systemd results are
    mapped). ``timed_out`` is set when the action overran its timeout and was killed; ``rc``
    is then :attr:`OcfRc.ERR_GENERIC`. ``exit_reason`` is the agent's own reason, or one
    Buttress wrote when it could not run the agent (missing agent, systemd absent, ...).
    ``started_at`` is wall-clock seconds since the epoch; ``duration_s`` is measured on the
    monotonic clock. ``output_tail`` holds the end of the combined stdout/stderr, for humans.
    """

    resource_id: str
    action: str
    rc: int
    exit_reason: str | None = None
    started_at: float = 0.0
    duration_s: float = 0.0
    timed_out: bool = False
    output_tail: str = field(default="", repr=False)
    interval_ms: int = 0

    @property
    def meaning(self) -> str:
        """The OCF meaning of :attr:`rc` ("ok", "not running", "promoted", ...)."""
        if self.timed_out:
            return "timed out"
        return rc_meaning(self.rc)

    @property
    def ok(self) -> bool:
        """True for rc 0, the only success for start/stop/promote/demote."""
        return self.rc == OcfRc.OK and not self.timed_out

    def describe(self) -> str:
        """One line, e.g. ``db_start_0: not configured (rc=6): no datadir``."""
        text = f"{self.resource_id}_{self.action}_{self.interval_ms}: {self.meaning} (rc={self.rc})"
        if self.exit_reason:
            text += f": {self.exit_reason}"
        return text


def finish(request: ActionRequest, rc: int, reason: str | None = None,
           outcome: ProcessOutcome | None = None) -> ActionResult:
    """Build the result of ``request``; timing, timeout flag and output come from ``outcome``."""
    if outcome is None:
        return ActionResult(request.resource_id, request.action, int(rc), exit_reason=reason,
                            interval_ms=request.interval_ms)
    from buttress.exec.process import output_tail

    return ActionResult(request.resource_id, request.action, int(rc), exit_reason=reason,
                        started_at=outcome.started_at, duration_s=outcome.duration_s,
                        timed_out=outcome.timed_out, output_tail=output_tail(outcome),
                        interval_ms=request.interval_ms)

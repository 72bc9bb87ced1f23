"""The transition graph a scheduling run produces: frozen data, no behaviour."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TransitionAction:
    """One action: ``task`` of ``resource`` on ``node`` (pseudo actions run nowhere)."""

    id: int
    task: str
    resource: str | None
    node: str | None
    interval_ms: int = 0
    pseudo: bool = False
    reason: str | None = None
    fence_action: str | None = None
    agent: str | None = None
    lrm_id: str | None = None
    target_rc: int = 0
    requires: tuple[int, ...] = ()
    notify: tuple[tuple[str, str], ...] = ()
    """For a ``notify``: its environment, meta attributes (``notify_type``, ...) by name."""

    @property
    def key(self) -> str:
        if self.task == "stonith":
            return f"stonith-{self.node}-{self.fence_action}"
        if self.task == "notify":
            env = dict(self.notify)
            return (f"{self.resource}_{env.get('notify_type')}_notify_"
                    f"{env.get('notify_operation')}_0")
        return f"{self.resource}_{self.task}_{self.interval_ms}"


@dataclass(frozen=True)
class SummaryLine:
    """One line of the Transition Summary, as crm_simulate prints it."""

    verb: str
    subject: str
    detail: str = ""
    reason: str = ""

    def render(self, width: int = 0) -> str:
        if self.verb == "Fence":
            return f"  * {self.subject}"
        text = f"  * {self.verb:<10} {self.subject:<{width}} {self.detail}"
        if self.reason:
            text += f"  {self.reason}"
        return text


@dataclass(frozen=True)
class Transition:
    """What the scheduler decided: the actions in a runnable order, and the summary."""

    actions: tuple[TransitionAction, ...]
    summary: tuple[SummaryLine, ...]
    scores: tuple[tuple[str, str, str, int], ...] = ()

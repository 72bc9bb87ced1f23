"""Render a transition as crm_simulate prints it."""

from __future__ import annotations

from buttress.transition.graph import Transition, TransitionAction


def render_summary(transition: Transition) -> str:
    width = max((len(line.subject) for line in transition.summary if line.verb != "Fence"),
                default=0)
    return "\n".join(line.render(width) for line in transition.summary)


def render_action(action: TransitionAction) -> str:
    """One line of "Executing Cluster Transition", crm_simulate's wording."""
    if action.task == "stonith":
        return f"  * Fencing {action.node} ({action.fence_action or 'reboot'})"
    task = action.task
    if action.interval_ms == 0 and task == "monitor":
        task = "monitor"
    if action.pseudo or action.node is None:
        return f"  * Pseudo action:   {action.key}"
    name = action.lrm_id if action.lrm_id and action.lrm_id != action.resource else \
        action.resource
    return f"  * Resource action: {name or '':<15} {task} on {action.node}"


def render_scores(transition: Transition) -> str:
    lines = [f"{stage}: {rsc} allocation score on {node}: {score_text(score)}"
             for stage, rsc, node, score in transition.scores]
    return "\n".join(lines)


def score_text(score: int) -> str:
    from buttress.scores import to_text

    return to_text(score)

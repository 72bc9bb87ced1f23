"""Render a transition as crm_simulate prints it."""

from __future__ import annotations

from buttress.transition.graph import Transition


def render_summary(transition: Transition) -> str:
    width = max((len(line.subject) for line in transition.summary if line.verb != "Fence"),
                default=0)
    return "\n".join(line.render(width) for line in transition.summary)

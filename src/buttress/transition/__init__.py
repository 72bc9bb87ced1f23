"""The transition as data, and its renderers."""

from buttress.transition.graph import SummaryLine, Transition, TransitionAction

__all__ = ["SummaryLine", "Transition", "TransitionAction"]

"""The pure scheduler: ``schedule(cib, now)`` -> the transition Pacemaker would compute.

Stages, one module each: unpack -> placement (node scores) -> colocation/assign ->
actions -> orderings -> graph. No I/O, no clock: the time is an argument.
"""

from buttress.scheduler.pipeline import Transition, schedule

__all__ = ["Transition", "schedule"]

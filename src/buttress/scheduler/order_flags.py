"""Ordering flags and the task names orderings work with (see :mod:`.ordering`)."""

from __future__ import annotations


class Flag:
    """Ordering flags (plain ints: they are tested in the scheduler's innermost loop)."""

    NONE = 0
    IMPLIES_THEN = 1
    IMPLIES_FIRST = 2
    RUNNABLE_LEFT = 4
    RESTART = 8
    ANY_RUNNABLE = 16     # then is runnable when any of its firsts is
    STOP_BLOCKED = 32     # a then that can no longer start where it runs must stop there
    INTERLEAVED = 64      # marks an order between instances of interleaved clones
    NO_MIGRATE = 128      # a then that really stops keeps first (a stop) from migrating
    STOP_WAITS = 256      # then (a required stop) cannot run while first (a stop) cannot
    QUIET = 512           # a first it requires keeps no reason from it (a bundle replica's
                          # stops tell why its start cannot run instead)


#: a collective's summary actions (done once all its instances' actions are)
SUMMARY_TASKS = ("running", "stopped", "promoted", "demoted")
MANDATORY_START = Flag.IMPLIES_THEN | Flag.RUNNABLE_LEFT | Flag.STOP_BLOCKED
BLOCKING = Flag.RUNNABLE_LEFT | Flag.STOP_BLOCKED | Flag.ANY_RUNNABLE

INVERSE = {"start": "stop", "stop": "start", "promote": "demote", "demote": "promote",
           "running": "stopped", "stopped": "running", "promoted": "demoted",
           "demoted": "promoted"}

"""Run one corpus case in-process and return its squeezed Transition Summary block."""

from __future__ import annotations

import time

from buttress.cib import load_cib
from buttress.conformance.corpus import Case, case_date, summary_block
from buttress.errors import ButtressError
from buttress.scheduler import schedule
from buttress.timeutil import parse_iso_datetime
from buttress.transition.render import render_summary


def snapshot_time(execution_date: str | None, override: str | None) -> int:
    """The time a decision is for: -t, else the CIB's execution-date, else the clock."""
    if override:
        return parse_iso_datetime(override)
    if execution_date and execution_date.isdigit():
        return int(execution_date)
    return int(time.time())


def run_case(case: Case) -> str | None:
    try:
        cib = load_cib(case.xml)
        now = snapshot_time(cib.header_value("execution-date"), case_date(case))
        transition = schedule(cib, now)
    except ButtressError:
        return None
    return summary_block("Transition Summary:\n" + render_summary(transition) +
                         "\nExecuting Cluster Transition:\n")

"""Judge the "Current cluster status" block of a corpus summary against a rendered status.

The criterion (issue 5): ``buttress -f xml/NAME.xml status`` prints the same resource and
node lines as the "Current cluster status" block of ``summary/NAME.summary``. Both texts are
compared line by line after stripping trailing whitespace from every line and replacing
``ocf::`` by ``ocf:``; leading and trailing blank lines of either block are ignored, blank
lines inside the block (the one between the node list and the resource list) count.
Lines printed before the "Current cluster status:" header ("Using the original execution
date ...", "N of M resource instances DISABLED ...") are not part of the block.
"""

from __future__ import annotations

from pathlib import Path

STATUS_HEADER = "Current cluster status:"
NEXT_HEADER = "Transition Summary:"


def normalize_lines(text: str) -> list[str]:
    """The judged lines of a block: trailing whitespace stripped, ``ocf::`` -> ``ocf:``,
    leading and trailing blank lines dropped."""
    lines = [line.rstrip().replace("ocf::", "ocf:") for line in text.splitlines()]
    while lines and not lines[0]:
        lines.pop(0)
    while lines and not lines[-1]:
        lines.pop()
    return lines


def status_block(text: str) -> str | None:
    """The lines after "Current cluster status:" up to "Transition Summary:" (exclusive),
    without the trailing blank lines; None when the text has no status header."""
    lines = text.splitlines()
    try:
        start = lines.index(STATUS_HEADER)
    except ValueError:
        return None
    block: list[str] = []
    for line in lines[start + 1:]:
        if line.startswith(NEXT_HEADER):
            break
        block.append(line)
    while block and not block[-1].strip():
        block.pop()
    return "\n".join(block)


def same_status(got: str, want: str) -> bool:
    """True when both blocks hold the same lines under the rule of this module."""
    return normalize_lines(got) == normalize_lines(want)


def first_difference(got: str, want: str) -> tuple[int, str, str] | None:
    """The first differing line (0-based index, got, want) or None when the blocks agree."""
    a, b = normalize_lines(got), normalize_lines(want)
    for i in range(max(len(a), len(b))):
        left = a[i] if i < len(a) else "<missing>"
        right = b[i] if i < len(b) else "<missing>"
        if left != right:
            return i, left, right
    return None


def render_case_status(xml: Path, date: str | None = None) -> str:
    """``render_status`` of one corpus CIB at the time crm_simulate would use: ``date``
    (the case's ``-t``), else the CIB's execution-date, else the clock."""
    from buttress.cib import load_cib
    from buttress.conformance.run import snapshot_time
    from buttress.transition.status_text import render_status

    cib = load_cib(xml)
    return render_status(cib, snapshot_time(cib.header_value("execution-date"), date))

"""Pacemaker scores: integers clamped to +/-INFINITY (1,000,000), with its arithmetic."""

from __future__ import annotations

INFINITY = 1_000_000


def parse_score(text: str | None, default: int = 0) -> int:
    """Parse a score as Pacemaker does: INFINITY, +INFINITY, -INFINITY, red/yellow/green
    are not resolved here (they need node-health settings); anything unparsable is 0."""
    if text is None:
        return default
    value = text.strip()
    if not value:
        return default
    lowered = value.lower()
    if lowered in ("infinity", "+infinity"):
        return INFINITY
    if lowered == "-infinity":
        return -INFINITY
    sign = 1
    digits = value
    if digits[0] in "+-":
        sign = -1 if digits[0] == "-" else 1
        digits = digits[1:]
    num = ""
    for ch in digits:
        if ch.isdigit():
            num += ch
        else:
            break
    if not num:
        return default
    return clamp(sign * int(num))


def clamp(value: int) -> int:
    return max(-INFINITY, min(INFINITY, value))


def add(a: int, b: int) -> int:
    """Score addition: -INFINITY dominates +INFINITY; otherwise clamp."""
    if a <= -INFINITY or b <= -INFINITY:
        return -INFINITY
    if a >= INFINITY or b >= INFINITY:
        return INFINITY
    return clamp(a + b)


def to_text(value: int) -> str:
    if value >= INFINITY:
        return "INFINITY"
    if value <= -INFINITY:
        return "-INFINITY"
    return str(value)

"""Intervals, durations and ISO 8601 dates as Pacemaker reads them. Pure: no clock reads."""

from __future__ import annotations

import calendar
import re
from datetime import UTC, datetime, timedelta

_UNITS_MS = {"ms": 1, "msec": 1, "us": 0.001, "usec": 0.001, "s": 1000, "sec": 1000,
             "m": 60_000, "min": 60_000, "h": 3_600_000, "hr": 3_600_000, "": 1000}

_ISO_DURATION = re.compile(
    r"^P(?:(?P<y>\d+)Y)?(?:(?P<mo>\d+)M)?(?:(?P<w>\d+)W)?(?:(?P<d>\d+)D)?"
    r"(?:T(?:(?P<h>\d+)H)?(?:(?P<mi>\d+)M)?(?:(?P<s>\d+)S)?)?$")


def parse_interval_ms(text: str) -> int:
    """Parse "10", "10s", "1min", "500ms", "PT5M" to milliseconds. Raises ValueError."""
    value = text.strip()
    if not value:
        return 0
    if value.upper().startswith("P"):
        match = _ISO_DURATION.match(value.upper())
        if not match and "T" not in value.upper():
            # Pacemaker also takes time parts without the T designator ("P10S").
            match = _ISO_DURATION.match("PT" + value.upper()[1:])
        if not match:
            raise ValueError(text)
        parts = {k: int(v) for k, v in match.groupdict().items() if v}
        seconds = (parts.get("y", 0) * 365 * 86400 + parts.get("mo", 0) * 30 * 86400
                   + parts.get("w", 0) * 7 * 86400 + parts.get("d", 0) * 86400
                   + parts.get("h", 0) * 3600 + parts.get("mi", 0) * 60 + parts.get("s", 0))
        return seconds * 1000
    match = re.match(r"^([0-9]+)\s*([a-zA-Z]*)$", value)
    if not match:
        raise ValueError(text)
    unit = match.group(2).lower()
    if unit not in _UNITS_MS:
        raise ValueError(text)
    return int(int(match.group(1)) * _UNITS_MS[unit])


def parse_iso_datetime(text: str) -> int:
    """Parse an ISO 8601 date/time (as crm_simulate -t takes it) to epoch seconds (UTC)."""
    value = text.strip().replace(" ", "T", 1) if " " in text.strip() else text.strip()
    m = re.match(r"^(\d{4})-(\d{1,3})(?:-(\d{1,2}))?(?:T(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?"
                 r"(Z|[+-]\d{2}:?\d{2})?)?$", value)
    if not m:
        m2 = re.match(r"^(\d{4})-W(\d{2})-(\d)", value)
        if m2:
            base = datetime.fromisocalendar(int(m2.group(1)), int(m2.group(2)), int(m2.group(3)))
            return calendar.timegm(base.timetuple())
        raise ValueError(text)
    year, month = int(m.group(1)), int(m.group(2))
    if m.group(3) is None:
        # ordinal date YYYY-DDD
        dt = datetime(year, 1, 1, tzinfo=UTC) + timedelta(days=month - 1)
    else:
        dt = datetime(year, month, int(m.group(3)), tzinfo=UTC)
    dt = dt.replace(hour=int(m.group(4) or 0), minute=int(m.group(5) or 0),
                    second=int(m.group(6) or 0))
    offset = m.group(7)
    seconds = int(dt.timestamp())
    if offset and offset != "Z":
        sign = 1 if offset[0] == "+" else -1
        digits = offset[1:].replace(":", "")
        seconds -= sign * (int(digits[:2]) * 3600 + int(digits[2:4]) * 60)
    return seconds

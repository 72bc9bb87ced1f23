"""Validation and normalisation of the values users type: scores, roles, booleans, pairs."""

from __future__ import annotations

import re
from collections.abc import Iterable

from buttress.cib.edit.errors import InvalidValueError

_SCORE_RE = re.compile(r"^[+-]?(\d+|INFINITY)$", re.IGNORECASE)

#: pcs 0.9 / Pacemaker 1 role names -> Pacemaker 2.1 names.
_ROLES = {
    "started": "Started",
    "stopped": "Stopped",
    "promoted": "Promoted",
    "unpromoted": "Unpromoted",
    "master": "Promoted",
    "slave": "Unpromoted",
}

_TRUE = ("true", "on", "yes", "y", "1")
_FALSE = ("false", "off", "no", "n", "0")


def is_score(text: str) -> bool:
    return bool(_SCORE_RE.match(text.strip()))


def normalize_score(text: str) -> str:
    """``INFINITY``/``+INFINITY``/``-INFINITY`` or an integer, as written in the CIB.

    Raises InvalidValueError for anything else.
    """
    value = text.strip()
    if not _SCORE_RE.match(value):
        raise InvalidValueError(f"invalid score '{text}': use an integer, INFINITY or -INFINITY")
    upper = value.upper()
    if upper in ("INFINITY", "+INFINITY"):
        return "INFINITY"
    if upper == "-INFINITY":
        return "-INFINITY"
    return str(int(value))


def normalize_role(text: str, allowed: Iterable[str] | None = None) -> str:
    """Map a role name (any case, legacy Master/Slave too) to its Pacemaker 2.1 name."""
    role = _ROLES.get(text.strip().lower())
    allowed_set = set(allowed) if allowed is not None else set(_ROLES.values())
    if role is None or role not in allowed_set:
        raise InvalidValueError(f"invalid role '{text}': use one of "
                                f"{', '.join(sorted(allowed_set))}")
    return role


def is_role(text: str) -> bool:
    return text.strip().lower() in _ROLES


def normalize_bool(text: str, what: str) -> str:
    low = text.strip().lower()
    if low in _TRUE:
        return "true"
    if low in _FALSE:
        return "false"
    raise InvalidValueError(f"invalid value '{text}' of {what}: use true or false")


def split_pair(token: str) -> tuple[str, str] | None:
    """``name=value`` -> (name, value); value may contain '='. None if no '='."""
    if "=" not in token:
        return None
    name, value = token.split("=", 1)
    return name, value


def parse_pairs(tokens: Iterable[str], what: str) -> list[tuple[str, str]]:
    """Every token must be ``name=value``; raises InvalidValueError naming the bad one."""
    pairs: list[tuple[str, str]] = []
    for token in tokens:
        pair = split_pair(token)
        if pair is None or not pair[0]:
            raise InvalidValueError(f"invalid {what} '{token}': expected name=value")
        pairs.append(pair)
    return pairs

"""A tiny nested-list writer with crm_mon's text layout.

Every list header and item is printed as ``* text`` indented two spaces per nesting level;
a list header ends with ``:``. Headers may be opened lazily (``ensure``) so that a list with
nothing in it prints nothing, as Pacemaker's ``PCMK__OUTPUT_LIST_HEADER`` does.
"""

from __future__ import annotations

import functools


class ListOut:
    """Collects output lines; ``depth`` starts at 1 (the status block's own list)."""

    def __init__(self, depth: int = 1) -> None:
        self.lines: list[str] = []
        self.depth = depth

    def item(self, text: str) -> None:
        self.lines.append(f"{'  ' * self.depth}* {text}")

    def begin(self, title: str) -> None:
        self.item(f"{title}:")
        self.depth += 1

    def end(self) -> None:
        self.depth -= 1

    def blank(self) -> None:
        self.lines.append("")


class LazyList:
    """A list header printed only before its first item; ``close`` ends it if it was opened."""

    def __init__(self, out: ListOut, title: str) -> None:
        self.out = out
        self.title = title
        self.opened = False

    def ensure(self) -> None:
        if not self.opened:
            self.out.begin(self.title)
            self.opened = True

    def close(self) -> None:
        if self.opened:
            self.out.end()


def numeric_strcasecmp(a: str, b: str) -> int:
    """Pacemaker's node-name order: case-insensitive, runs of digits compared as numbers
    (and, for equal numbers, the shorter run first)."""
    i = j = 0
    while i < len(a) and j < len(b):
        if a[i].isdigit() and b[j].isdigit():
            ei, ej = i, j
            while ei < len(a) and a[ei].isdigit():
                ei += 1
            while ej < len(b) and b[ej].isdigit():
                ej += 1
            na, nb = int(a[i:ei]), int(b[j:ej])
            if na != nb:
                return -1 if na < nb else 1
            if ei - i != ej - j:
                return -1 if ei - i < ej - j else 1
            i, j = ei, ej
            continue
        ca, cb = a[i].lower(), b[j].lower()
        if ca != cb:
            return -1 if ca < cb else 1
        i += 1
        j += 1
    if i < len(a):
        return 1
    if j < len(b):
        return -1
    return 0


node_name_key = functools.cmp_to_key(numeric_strcasecmp)

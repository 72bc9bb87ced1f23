"""The one exception tree of Buttress. Every user-facing failure is a ButtressError."""

from __future__ import annotations


class ButtressError(Exception):
    """Base of every error Buttress reports to a user as one line."""

    exit_code = 1


class CibError(ButtressError):
    """The CIB XML is malformed or violates the schema Buttress understands."""

    exit_code = 2

    def __init__(self, message: str, element: str | None = None, line: int | None = None):
        where = ""
        if element is not None:
            where = f"<{element}>"
            if line is not None:
                where += f" at line {line}"
            where += ": "
        super().__init__(f"{where}{message}")
        self.element = element
        self.line = line


class UsageError(ButtressError):
    """A command line or argument is wrong."""

    exit_code = 2

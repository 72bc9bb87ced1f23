"""Errors of the CIB-editing library; each is one line for the user, CIB left unchanged."""

from __future__ import annotations

from buttress.errors import ButtressError


class EditError(ButtressError):
    """A requested change cannot be applied to the CIB."""


class NotFoundError(EditError):
    """A resource, node, constraint or other element named by the user does not exist."""


class DuplicateIdError(EditError):
    """An id the user chose is already used somewhere in the CIB."""


class InvalidValueError(EditError):
    """A score, option name, option value or id is not valid."""


class RuleSyntaxError(InvalidValueError):
    """A rule expression in pcs syntax cannot be parsed."""


class CycleError(EditError):
    """An ordering would make resources depend on themselves."""


class ForceRequiredError(EditError):
    """The change is risky or unverifiable; ``--force`` accepts it anyway."""

    def __init__(self, message: str) -> None:
        super().__init__(f"{message}, use --force to override")

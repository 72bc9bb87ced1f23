"""Errors of the instance-HA layer. All are ButtressErrors (one line each, no secrets)."""

from __future__ import annotations

from buttress.errors import ButtressError


class OpenStackError(ButtressError):
    """Base of every error of ``buttress.openstack``."""

    exit_code = 4


class ConfigError(OpenStackError):
    """The instance-HA configuration is invalid (a key, a value, missing credentials)."""

    exit_code = 2


class NovaError(OpenStackError):
    """A Nova request failed. ``retryable`` says whether trying again may help."""

    retryable = False

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class NovaUnavailable(NovaError):
    """Nova (or Keystone) cannot be reached, timed out, or answered 5xx/503. Retryable."""

    retryable = True


class NovaAuthError(NovaError):
    """Keystone refused the credentials or Nova refused the token (401/403).

    Retryable: credentials are often fixed by an operator while the engine backs off.
    """

    retryable = True


class NovaRefused(NovaError):
    """Nova understood the request and refused it (4xx). ``str()`` carries Nova's reason."""


class NovaNotFound(NovaRefused):
    """The instance, service or host does not exist (404)."""


class JournalError(OpenStackError):
    """The progress journal cannot be read or written."""


class JournalConflict(JournalError):
    """A compare-and-swap lost: the entry changed since it was read."""

    def __init__(self, key: str, expected: int, actual: int):
        super().__init__(f"journal entry {key!r} is at version {actual}, expected {expected}")
        self.key = key
        self.expected = expected
        self.actual = actual


class RecoveryInProgress(OpenStackError):
    """The host cannot be restored while the evacuation of its instances is unfinished."""

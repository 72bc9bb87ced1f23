"""Errors of the state layer. All are ButtressErrors, so the CLI prints them as one line."""

from __future__ import annotations

from buttress.errors import ButtressError


class StoreError(ButtressError):
    """A store operation failed (the request itself was wrong, or the backend refused it)."""

    exit_code = 3


class StoreUnavailable(StoreError):
    """The store cannot be reached within the configured timeout.

    The message names the endpoint and the cause in one line, e.g.
    ``etcd at 127.0.0.1:2379 is unreachable: connection refused``.
    """


class LeaseExpired(StoreError):
    """The lease does not exist any more (it expired or was revoked), so its keys are gone."""

    def __init__(self, lease_id: int, message: str | None = None):
        super().__init__(message or f"lease {lease_id:x} has expired or was revoked")
        self.lease_id = lease_id


class Compacted(StoreError):
    """The requested revision was compacted away: the caller must re-list and watch anew.

    ``compact_revision`` is the oldest revision still available; a new watch may start
    from it or later (normally from the revision of a fresh ``range`` plus one).
    """

    def __init__(self, requested: int, compact_revision: int):
        super().__init__(
            f"revision {requested} has been compacted (oldest available is "
            f"{compact_revision}); re-list and watch again")
        self.requested = requested
        self.compact_revision = compact_revision


class InvalidKey(StoreError, ValueError):
    """A key or key component is not acceptable (empty, or contains a separator)."""

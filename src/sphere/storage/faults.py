"""Which database errors are passing faults (retry later) rather than bad data."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError


def is_unavailable(exc: BaseException) -> bool:
    """The server is down, restarting or unreachable, or the connection broke: the same
    work will succeed once it is back (PostgreSQL restart, failover, network blip)."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError) and not isinstance(
        exc, IntegrityError
    )


def is_conflict(exc: BaseException) -> bool:
    """A concurrent transaction wrote the same key first; re-reading resolves it."""
    return isinstance(exc, IntegrityError)

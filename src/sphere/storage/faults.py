"""Which database errors are passing faults (retry the transaction) rather than bad data.

Both kinds must never send a record to quarantine: the same work succeeds when retried.
"""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, InterfaceError, OperationalError

# PostgreSQL SQLSTATEs of a transaction that lost a race: deadlock_detected,
# serialization_failure. Retrying the whole transaction is the documented remedy.
_RACE_STATES = frozenset({"40P01", "40001"})


class LostRace(Exception):
    """A concurrent transaction committed what this one was about to create (found
    only after the batch's set-based reads): roll back and run the batch again."""


def _sqlstate(exc: BaseException) -> str | None:
    orig = getattr(exc, "orig", None)
    return getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)


def is_conflict(exc: BaseException) -> bool:
    """A concurrent transaction won a race (unique key, deadlock, serialization): roll
    back and run the transaction again."""
    return isinstance(exc, IntegrityError | LostRace) or _sqlstate(exc) in _RACE_STATES


# Unique keys two workers may both create for the same new subject: losing on one of
# these is a race, never a defect of the record being processed.
_SHARED_KEYS = frozenset({"pk_subject_keys", "uq_identities_kind_channel_blind_index"})


def is_shared_key_race(exc: BaseException) -> bool:
    """A concurrent batch created the same subject key or identity first."""
    if isinstance(exc, LostRace):
        return True
    diag = getattr(getattr(exc, "orig", None), "diag", None)
    return isinstance(exc, IntegrityError) and getattr(diag, "constraint_name", None) in (
        _SHARED_KEYS
    )


def is_unavailable(exc: BaseException) -> bool:
    """The server is down, restarting or unreachable, or the connection broke: the same
    work will succeed once it is back (PostgreSQL restart, failover, network blip)."""
    if is_conflict(exc):
        return False
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError)


def is_transient(exc: BaseException) -> bool:
    """Either of the above, but not a unique-key violation of the record itself."""
    return _sqlstate(exc) in _RACE_STATES or is_unavailable(exc)

"""Expired log-in credentials: one-time links, portal and staff sessions, handle challenges,
and the portal log-in throttle's attempts.

They hold only hashes of random tokens plus the account they belong to and when they
were used. Once expired they serve nothing but would keep, for every person who ever
logged in, a record of when: the retention run deletes them a grace period after
expiry (the audit chain keeps the log-in events themselves).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sphere.storage.auth_tables import StaffSessionRow
from sphere.storage.portal_tables import (
    PortalHandleChallengeRow,
    PortalLoginAttemptRow,
    PortalLoginLinkRow,
    PortalSessionRow,
)

_TABLES = {
    "portal_login_links": PortalLoginLinkRow,
    "portal_sessions": PortalSessionRow,
    "portal_handle_challenges": PortalHandleChallengeRow,
    "staff_sessions": StaffSessionRow,
    "portal_login_attempts": PortalLoginAttemptRow,
}


def count_expired(session: Session, *, before: datetime) -> dict[str, int]:
    """Rows per table whose absolute expiry is before ``before`` (nothing is deleted)."""

    return {
        name: int(
            session.scalar(select(func.count()).select_from(table).where(table.expires_at < before))
            or 0
        )
        for name, table in _TABLES.items()
    }


def purge_expired(session: Session, *, before: datetime) -> dict[str, int]:
    """Delete rows whose absolute expiry is before ``before``; counts per table."""
    removed: dict[str, int] = {}
    for name, table in _TABLES.items():
        result = session.execute(
            delete(table)
            .where(table.expires_at < before)
            .execution_options(synchronize_session=False)
        )
        removed[name] = int(result.rowcount or 0)
    return removed


def delete_portal_credentials_of(session: Session, contact_id: str) -> int:
    """Every portal log-in link, session and handle challenge of one contact, used or
    not (an erasure: they would otherwise stay until the retention run, a day after
    they expired, recording when the erased person logged in)."""
    removed = 0
    for table in (PortalLoginLinkRow, PortalSessionRow, PortalHandleChallengeRow):
        result = session.execute(
            delete(table)
            .where(table.contact_id == contact_id)
            .execution_options(synchronize_session=False)
        )
        removed += int(result.rowcount or 0)
    return removed

"""Expired log-in credentials: one-time links, portal and staff sessions, handle challenges,
and the portal log-in throttle's attempts.

They hold only hashes of random tokens plus the account they belong to and when they
were used. Once expired they serve nothing but would keep, for every person who ever
logged in, a record of when: the retention run deletes them a grace period after
expiry (the audit chain keeps the log-in events themselves).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sphere.storage.auth_tables import StaffSessionRow
from sphere.storage.portal_tables import (
    PortalFarewellRow,
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
    "portal_farewells": PortalFarewellRow,
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


FAREWELL_DAYS = 30


def delete_portal_credentials_of(
    session: Session, contact_id: str, *, at: datetime | None = None
) -> int:
    """Every portal log-in link, session and handle challenge of one contact, used or
    not (an erasure: they would otherwise stay until the retention run, a day after
    they expired, recording when the erased person logged in). With ``at`` (an
    erasure), the hashes of the sessions still open become farewells for 30 days: the
    browser's next click then says the data was erased."""
    if at is not None:
        tokens = session.scalars(
            select(PortalSessionRow.token_sha256).where(
                PortalSessionRow.contact_id == contact_id,
                PortalSessionRow.revoked_at.is_(None),
                PortalSessionRow.expires_at > at,
            )
        ).all()
        until = at + timedelta(days=FAREWELL_DAYS)
        session.add_all(PortalFarewellRow(token_sha256=t, expires_at=until) for t in tokens)
    removed = 0
    for table in (PortalLoginLinkRow, PortalSessionRow, PortalHandleChallengeRow):
        result = session.execute(
            delete(table)
            .where(table.contact_id == contact_id)
            .execution_options(synchronize_session=False)
        )
        removed += int(result.rowcount or 0)
    return removed


def is_farewell(session: Session, token_sha256: str, *, at: datetime) -> bool:
    """Whether a session token belonged to a person erased since (see above)."""
    row = session.get(PortalFarewellRow, token_sha256)
    return row is not None and row.expires_at > at

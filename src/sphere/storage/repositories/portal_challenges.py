"""Social-handle log-in challenges of the portal (``portal_handle_challenges``).

Only hashes and a keyed throttle HMAC are stored (see ``storage.portal_tables``). The
state changes are conditional UPDATEs, so a challenge is met once and used once even
when two requests race.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from sphere.storage.portal_tables import PortalHandleChallengeRow


@dataclass(frozen=True, slots=True)
class StoredHandleChallenge:
    id: str
    contact_id: str | None
    channel: str
    created_at: datetime
    expires_at: datetime
    met_at: datetime | None
    used_at: datetime | None
    attempts: int


def _stored(row: PortalHandleChallengeRow) -> StoredHandleChallenge:
    return StoredHandleChallenge(
        id=row.id,
        contact_id=row.contact_id,
        channel=row.channel,
        created_at=row.created_at,
        expires_at=row.expires_at,
        met_at=row.met_at,
        used_at=row.used_at,
        attempts=row.attempts,
    )


class HandleChallengeRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def count_since(self, throttle_key: str, *, since: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(PortalHandleChallengeRow)
                .where(PortalHandleChallengeRow.throttle_key == throttle_key)
                .where(PortalHandleChallengeRow.created_at > since)
            )
            or 0
        )

    def add(
        self,
        *,
        phrase_sha256: str,
        secret_sha256: str,
        contact_id: str | None,
        channel: str,
        throttle_key: str,
        created_at: datetime,
        expires_at: datetime,
    ) -> StoredHandleChallenge:
        row = PortalHandleChallengeRow(
            phrase_sha256=phrase_sha256,
            secret_sha256=secret_sha256,
            contact_id=contact_id,
            channel=channel,
            throttle_key=throttle_key,
            created_at=created_at,
            expires_at=expires_at,
            attempts=0,
        )
        self.session.add(row)
        self.session.flush()
        return _stored(row)

    def by_secret(self, secret_sha256: str) -> StoredHandleChallenge | None:
        row = self.session.scalar(
            select(PortalHandleChallengeRow).where(
                PortalHandleChallengeRow.secret_sha256 == secret_sha256
            )
        )
        return None if row is None else _stored(row)

    def open_with_phrases(
        self, phrase_sha256s: Collection[str], channel: str, *, at: datetime
    ) -> list[StoredHandleChallenge]:
        """Challenges on ``channel`` for these phrases that are not met, used or expired."""
        if not phrase_sha256s:
            return []
        rows = self.session.scalars(
            select(PortalHandleChallengeRow)
            .where(PortalHandleChallengeRow.phrase_sha256.in_(list(phrase_sha256s)))
            .where(PortalHandleChallengeRow.channel == channel)
            .where(PortalHandleChallengeRow.met_at.is_(None))
            .where(PortalHandleChallengeRow.used_at.is_(None))
            .where(PortalHandleChallengeRow.expires_at > at)
            .order_by(PortalHandleChallengeRow.created_at, PortalHandleChallengeRow.id)
        )
        return [_stored(row) for row in rows]

    def count_attempt(self, challenge_id: str) -> None:
        self.session.execute(
            update(PortalHandleChallengeRow)
            .where(PortalHandleChallengeRow.id == challenge_id)
            .values(attempts=PortalHandleChallengeRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )

    def mark_met(self, challenge_id: str, *, at: datetime) -> bool:
        """Met now; False if it already was (or has no contact, so can never be)."""
        result = self.session.execute(
            update(PortalHandleChallengeRow)
            .where(PortalHandleChallengeRow.id == challenge_id)
            .where(PortalHandleChallengeRow.contact_id.is_not(None))
            .where(PortalHandleChallengeRow.met_at.is_(None))
            .values(met_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    def mark_used(self, challenge_id: str, *, at: datetime) -> bool:
        """Used up now; False if it was not met or was already used (a replay)."""
        result = self.session.execute(
            update(PortalHandleChallengeRow)
            .where(PortalHandleChallengeRow.id == challenge_id)
            .where(PortalHandleChallengeRow.contact_id.is_not(None))
            .where(PortalHandleChallengeRow.met_at.is_not(None))
            .where(PortalHandleChallengeRow.used_at.is_(None))
            .values(used_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

"""Stored policy versions: the exact text every decision was made under."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sphere.domain.time import utcnow
from sphere.errors import NotFound
from sphere.storage.entities import PolicyVersion
from sphere.storage.tables import PolicyVersionRow


def _version(row: PolicyVersionRow) -> PolicyVersion:
    return PolicyVersion(
        id=row.id,
        version=row.version,
        sha256=row.sha256,
        text=row.text,
        applied_at=row.applied_at,
        applied_by=row.applied_by,
        is_active=row.is_active,
    )


class PolicyVersionRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def store(
        self, text: str, *, version: str, applied_by: str, at: datetime | None = None
    ) -> PolicyVersion:
        """Store a policy text; the same text (by SHA-256) is stored once and returned."""
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        existing = self.session.scalar(
            select(PolicyVersionRow).where(PolicyVersionRow.sha256 == digest)
        )
        if existing is not None:
            return _version(existing)
        row = PolicyVersionRow(
            version=version,
            sha256=digest,
            text=text,
            applied_by=applied_by,
            applied_at=at or utcnow(),
            is_active=False,
        )
        self.session.add(row)
        self.session.flush()
        return _version(row)

    def activate(self, version_id: str) -> PolicyVersion:
        """Make ``version_id`` the only active version."""
        row = self.session.get(PolicyVersionRow, version_id)
        if row is None:
            raise NotFound(f"policy version {version_id} not found")
        self.session.execute(
            update(PolicyVersionRow)
            .where(PolicyVersionRow.id != version_id)
            .values(is_active=False)
            .execution_options(synchronize_session="fetch")
        )
        row.is_active = True
        self.session.flush()
        return _version(row)

    def get(self, version_id: str) -> PolicyVersion:
        row = self.session.get(PolicyVersionRow, version_id)
        if row is None:
            raise NotFound(f"policy version {version_id} not found")
        return _version(row)

    def active(self) -> PolicyVersion | None:
        row = self.session.scalar(
            select(PolicyVersionRow).where(PolicyVersionRow.is_active.is_(True))
        )
        return None if row is None else _version(row)

    def list(self) -> list[PolicyVersion]:
        rows = self.session.scalars(
            select(PolicyVersionRow).order_by(PolicyVersionRow.applied_at, PolicyVersionRow.id)
        )
        return [_version(r) for r in rows]

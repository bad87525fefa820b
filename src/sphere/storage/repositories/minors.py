"""Where contacts flagged as minors (GDPR Art. 8, Recital 38) appear in marketing: segment
memberships and campaign audiences — for the DPO's finding (``cockpit.findings``)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.storage.marketing_tables import SegmentMembershipRow, SegmentRow
from sphere.storage.tables import ContactRow


def minors_in_segments(session: Session) -> dict[str, list[str]]:
    """Segment name → ids of the minors who are members (erased contacts left out)."""
    rows = session.execute(
        select(SegmentRow.name, ContactRow.id)
        .join(SegmentMembershipRow, SegmentMembershipRow.segment_id == SegmentRow.id)
        .join(ContactRow, ContactRow.id == SegmentMembershipRow.contact_id)
        .where(ContactRow.minor_since.is_not(None), ContactRow.erased_at.is_(None))
        .order_by(SegmentRow.name, ContactRow.id)
    )
    out: dict[str, list[str]] = {}
    for name, contact_id in rows:
        out.setdefault(name, []).append(contact_id)
    return out


def minors_among(session: Session, contact_ids: Iterable[str]) -> list[str]:
    """The ids among ``contact_ids`` that belong to minors."""
    ids = sorted(set(contact_ids))
    found: list[str] = []
    for start in range(0, len(ids), 500):
        found += session.scalars(
            select(ContactRow.id).where(
                ContactRow.id.in_(ids[start : start + 500]),
                ContactRow.minor_since.is_not(None),
                ContactRow.erased_at.is_(None),
            )
        ).all()
    return found

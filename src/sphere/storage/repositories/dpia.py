"""DPIA approvals (``dpia_tables``): append and read the latest per purpose."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.storage.dpia_tables import DpiaApprovalRow


@dataclass(frozen=True, slots=True)
class DpiaApproval:
    id: str
    purpose: str
    reference: str
    approved_by: str
    approved_at: datetime


def _approval(row: DpiaApprovalRow) -> DpiaApproval:
    return DpiaApproval(row.id, row.purpose, row.reference, row.approved_by, row.approved_at)


class DpiaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, purpose: str, reference: str, *, approved_by: str, at: datetime) -> DpiaApproval:
        row = DpiaApprovalRow(
            purpose=purpose, reference=reference, approved_by=approved_by, approved_at=at
        )
        self.session.add(row)
        self.session.flush()
        return _approval(row)

    def latest(self) -> dict[str, DpiaApproval]:
        """Purpose value → its latest approval."""
        rows = self.session.scalars(
            select(DpiaApprovalRow).order_by(DpiaApprovalRow.approved_at, DpiaApprovalRow.id)
        )
        return {row.purpose: _approval(row) for row in rows}

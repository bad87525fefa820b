"""The decision log (invariant 1): append-only, one row per evaluated decision."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.domain import Decision, LegalBasis, Outcome, Purpose
from sphere.domain.time import utcnow
from sphere.errors import NotFound
from sphere.storage.entities import DecisionRecord
from sphere.storage.tables import DecisionRow


def _record(row: DecisionRow) -> DecisionRecord:
    return DecisionRecord(
        id=row.id,
        record_type=row.record_type,
        record_ref=row.record_ref,
        contact_id=row.contact_id,
        purpose=Purpose(row.purpose),
        outcome=Outcome(row.outcome),
        legal_basis=LegalBasis(row.legal_basis) if row.legal_basis else None,
        policy_version=row.policy_version,
        rule_id=row.rule_id,
        reason=row.reason,
        decided_at=row.decided_at,
    )


class DecisionRepository:
    """Append-only: there is no update or delete method on purpose."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def append(
        self,
        decision: Decision,
        *,
        record_type: str,
        record_ref: str,
        contact_id: str | None = None,
        at: datetime | None = None,
    ) -> DecisionRecord:
        """Log ``decision`` about ``record_type``/``record_ref`` (e.g. "interaction",
        "mastodon:1234"). ``reason`` must be readable and free of personal data."""
        row = DecisionRow(
            record_type=record_type,
            record_ref=record_ref,
            contact_id=contact_id,
            purpose=decision.purpose.value,
            outcome=decision.outcome.value,
            legal_basis=decision.legal_basis.value if decision.legal_basis else None,
            policy_version=decision.policy_version,
            rule_id=decision.rule_id,
            reason=decision.reason,
            decided_at=at or utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return _record(row)

    def get(self, decision_id: str) -> DecisionRecord:
        row = self.session.get(DecisionRow, decision_id)
        if row is None:
            raise NotFound(f"decision {decision_id} not found")
        return _record(row)

    def list_for_record(self, record_ref: str) -> list[DecisionRecord]:
        rows = self.session.scalars(
            select(DecisionRow)
            .where(DecisionRow.record_ref == record_ref)
            .order_by(DecisionRow.decided_at, DecisionRow.id)
        )
        return [_record(r) for r in rows]

    def list_for_contact(self, contact_id: str) -> list[DecisionRecord]:
        rows = self.session.scalars(
            select(DecisionRow)
            .where(DecisionRow.contact_id == contact_id)
            .order_by(DecisionRow.decided_at, DecisionRow.id)
        )
        return [_record(r) for r in rows]

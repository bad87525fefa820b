"""The decision log (invariant 1): append-only, one row per evaluated decision."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sphere.domain import Decision, LegalBasis, Outcome, Purpose
from sphere.domain.time import utcnow
from sphere.errors import NotFound
from sphere.storage.entities import DecisionRecord
from sphere.storage.repositories import readmodel
from sphere.storage.tables import DecisionRow, new_id


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


_INSERT_DECISION = insert(DecisionRow.__table__)  # Core, built once (hot path)


class DecisionRepository:
    """Append-only: there is no update or delete method on purpose."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def prepare(
        self,
        decision: Decision,
        *,
        record_type: str,
        record_ref: str,
        contact_id: str | None = None,
        at: datetime | None = None,
        special_categories: Iterable[str] = (),
    ) -> tuple[DecisionRecord, dict[str, object]]:
        """The log entry and its row, for ``insert_prepared`` (batched writes);
        ``special_categories`` are the Art. 9 categories found (recorded in the log)."""
        values = {
            "id": new_id(),
            "record_type": record_type,
            "record_ref": record_ref,
            "contact_id": contact_id,
            "purpose": decision.purpose.value,
            "outcome": decision.outcome.value,
            "legal_basis": decision.legal_basis.value if decision.legal_basis else None,
            "policy_version": decision.policy_version,
            "rule_id": decision.rule_id,
            "reason": decision.reason,
            "decided_at": at or utcnow(),
            "special_categories": sorted(special_categories) or None,
        }
        record = DecisionRecord(
            id=str(values["id"]),
            record_type=record_type,
            record_ref=record_ref,
            contact_id=contact_id,
            purpose=decision.purpose,
            outcome=decision.outcome,
            legal_basis=decision.legal_basis,
            policy_version=decision.policy_version,
            rule_id=decision.rule_id,
            reason=decision.reason,
            decided_at=values["decided_at"],  # type: ignore[arg-type]
        )
        readmodel.decision_prepared(self.session, values)
        return record, values

    def insert_prepared(self, rows: list[dict[str, object]]) -> None:
        if rows:
            self.session.connection().execute(_INSERT_DECISION, rows)
            imports = [str(r["id"]) for r in rows if r["record_type"] == "contact"]
            readmodel.record_added(self.session, "contact", imports)

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
        record, values = self.prepare(
            decision, record_type=record_type, record_ref=record_ref, contact_id=contact_id, at=at
        )
        self.session.connection().execute(_INSERT_DECISION, values)
        if record_type == "contact":  # an imported contact is held data of its own
            readmodel.record_added(self.session, "contact", [record.id])
        return record

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

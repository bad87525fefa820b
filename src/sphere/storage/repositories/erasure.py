"""What the erasure cascade (Art. 17 GDPR), a consent withdrawal and a policy apply
need that no other repository offers: finding a person's rows across tables, deleting
records with their read-model counters and CRM outbox entries, deleting the decision-log
rows of erased records, removing pseudonym-scope keys entirely, rotating the portal
token, and reclaiming freed database pages so erased bytes do not linger in the file."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sphere.storage.repositories import crm_sync, readmodel
from sphere.storage.tables import (
    AttributeRow,
    ContactRow,
    DecisionRow,
    EventRow,
    InteractionRow,
    SubjectKeyRow,
    new_public_id,
)


class ErasureRepository:
    """A person's rows across tables, and their deletion (never commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def lock_contact(self, contact_id: str) -> bool:
        """``SELECT … FOR UPDATE`` on the contact: the pipeline's linker takes a share lock
        on the same row, so an erasure and an ingestion of the same person serialise."""
        row = self.session.get(ContactRow, contact_id, with_for_update=True, populate_existing=True)
        return row is not None

    def interaction_ids(self, *, contact_id: str, key_ids: Sequence[str]) -> list[str]:
        condition = InteractionRow.contact_id == contact_id
        if key_ids:
            condition = or_(condition, InteractionRow.key_id.in_(list(key_ids)))
        return list(self.session.scalars(select(InteractionRow.id).where(condition)))

    def interaction_ids_for_keys(self, key_ids: Sequence[str]) -> list[str]:
        """Records stored under the given subject keys (e.g. pseudonym scopes)."""
        if not key_ids:
            return []
        return list(
            self.session.scalars(
                select(InteractionRow.id)
                .where(InteractionRow.key_id.in_(list(key_ids)))
                .order_by(InteractionRow.created_at, InteractionRow.id)
            )
        )

    def event_ids(self, *, contact_id: str, key_ids: Sequence[str]) -> list[str]:
        condition = EventRow.contact_id == contact_id
        if key_ids:
            condition = or_(condition, EventRow.key_id.in_(list(key_ids)))
        return list(self.session.scalars(select(EventRow.id).where(condition)))

    def consent_based_records(
        self, contact_id: str, purpose: str, bases: Sequence[str]
    ) -> tuple[list[str], list[str]]:
        """Ids of the contact's interactions and events whose decision rests on one of
        ``bases`` (consent: art6_1_a, art9_2_a) for ``purpose``."""
        found: list[list[str]] = []
        for table in (InteractionRow, EventRow):
            found.append(
                list(
                    self.session.scalars(
                        select(table.id)
                        .join(DecisionRow, DecisionRow.id == table.decision_id)
                        .where(
                            table.contact_id == contact_id,
                            DecisionRow.purpose == purpose,
                            DecisionRow.legal_basis.in_(list(bases)),
                        )
                    )
                )
            )
        return found[0], found[1]

    def delete_interactions(self, interaction_ids: Sequence[str]) -> int:
        if not interaction_ids:
            return 0
        readmodel.record_removed(self.session, "interaction", list(interaction_ids))
        crm_sync.queue_removals(self.session, "interaction", interaction_ids)
        result = self.session.execute(
            delete(InteractionRow)
            .where(InteractionRow.id.in_(list(interaction_ids)))
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)

    def decision_ids_for(
        self, *, contact_id: str | None, interaction_ids: Sequence[str], event_ids: Sequence[str]
    ) -> list[str]:
        ids: set[str] = set()
        if contact_id is not None:
            ids.update(
                self.session.scalars(
                    select(DecisionRow.id).where(DecisionRow.contact_id == contact_id)
                )
            )
        for table, record_ids in ((InteractionRow, interaction_ids), (EventRow, event_ids)):
            for start in range(0, len(record_ids), 500):
                chunk = list(record_ids[start : start + 500])
                ids.update(
                    i
                    for i in self.session.scalars(
                        select(table.decision_id).where(table.id.in_(chunk))
                    )
                    if i is not None
                )
        return sorted(ids)

    def delete_decisions(self, decision_ids: Sequence[str]) -> int:
        """Delete decision-log rows of erased records (records must be deleted first)."""
        if not decision_ids:
            return 0
        readmodel.record_removed(self.session, "contact", list(decision_ids))  # imports only
        result = self.session.execute(
            delete(DecisionRow)
            .where(DecisionRow.id.in_(list(decision_ids)))
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)

    def purge_keys(self, subject_ids: Sequence[str]) -> int:
        """Delete subject-key rows outright (not a tombstone).

        Used for pseudonym scopes (``pseudo:<blind index>``): a tombstone would keep the
        blind index in the database, and a later post by the same account must get a
        fresh key, never the destroyed one.
        """
        if not subject_ids:
            return 0
        result = self.session.execute(
            delete(SubjectKeyRow)
            .where(SubjectKeyRow.subject_id.in_(list(subject_ids)))
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)

    def rotate_public_id(self, contact_id: str) -> None:
        """A new portal token, so old links to an erased contact lead nowhere."""
        row = self.session.get(ContactRow, contact_id)
        if row is not None:
            row.public_id = new_public_id()
            self.session.flush()

    def attribute_rows_for_key_rewrap(self, attribute_ids: Sequence[str]) -> list[AttributeRow]:
        if not attribute_ids:
            return []
        return list(
            self.session.scalars(select(AttributeRow).where(AttributeRow.id.in_(attribute_ids)))
        )

    def reassign_attribute_key(self, attribute_id: str, *, key_id: str, ciphertext: bytes) -> None:
        row = self.session.get(AttributeRow, attribute_id)
        if row is not None:
            row.key_id = key_id
            row.value_ciphertext = ciphertext
            self.session.flush()


def reclaim_free_space(engine: Engine) -> None:
    """Make deleted rows physically go away after an erasure.

    SQLite keeps deleted cells in free pages and in the write-ahead log: checkpoint the
    WAL into the file, truncate it, and VACUUM (rewrites the file from live rows).
    PostgreSQL: ``VACUUM`` marks dead tuples reusable; their bytes stay in the data
    files until overwritten (the documented limit — see docs/dsr-runbook.md).
    """
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        if engine.dialect.name == "sqlite":
            checkpoint = "PRAGMA wal_checkpoint(TRUNCATE)"
            statements = [checkpoint, "VACUUM", checkpoint]
        else:
            driver.autocommit = True  # type: ignore[union-attr]
            statements = [
                f"VACUUM {table}"
                for table in ("identities", "interactions", "events", "attributes", "subject_keys")
            ]
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()
        if engine.dialect.name != "sqlite":
            driver.autocommit = False  # type: ignore[union-attr]
    finally:
        raw.close()

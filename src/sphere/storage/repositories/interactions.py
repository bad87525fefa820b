"""Posts, comments and messages that passed the policy gate.

Idempotent by (channel, source_id): re-ingesting the same export stores nothing twice.
The text is encrypted under the contact's key, or — without a contact — under the
pseudonym's or a per-record key (see ``NewInteraction.key_subject``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import partial

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sphere.domain import Addressing, Channel, ObservationKind, SpecialCategory, Visibility
from sphere.domain.time import utcnow
from sphere.errors import NotFound
from sphere.storage.crypto import Keyring, SubjectKeyDestroyed, record_subject
from sphere.storage.entities import Interaction, NewInteraction
from sphere.storage.repositories import crm_sync, readmodel
from sphere.storage.tables import InteractionRow, new_id

# Built once: a plain Core INSERT on the table, executed on the session's connection,
# skips the ORM's per-call statement building on the ingestion hot path.
_INSERT_INTERACTION = insert(InteractionRow.__table__)
_EXISTS = select(InteractionRow.__table__.c.id).where(
    InteractionRow.__table__.c.channel == bindparam("channel"),
    InteractionRow.__table__.c.source_id == bindparam("source_id"),
)
_STORED_SOURCE_IDS = select(InteractionRow.__table__.c.source_id).where(
    InteractionRow.__table__.c.channel == bindparam("channel"),
    InteractionRow.__table__.c.source_id.in_(bindparam("source_ids", expanding=True)),
)
_CHUNK = 500
Encrypt = Callable[[str, str], bytes]  # (subject id, plaintext) → ciphertext


class InteractionRepository:
    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.session = session
        self.keyring = keyring

    def _entity(self, row: InteractionRow, *, with_text: bool = True) -> Interaction:
        text: str | None = None
        if with_text and row.text_ciphertext is not None and row.key_id is not None:
            try:
                text = self.keyring.decrypt_text(self.session, row.key_id, row.text_ciphertext)
            except SubjectKeyDestroyed:
                text = None
        return Interaction(
            id=row.id,
            contact_id=row.contact_id,
            identity_id=row.identity_id,
            source_name=row.source_name,
            channel=Channel(row.channel),
            source_id=row.source_id,
            kind=ObservationKind(row.kind),
            visibility=Visibility(row.visibility),
            addressing=Addressing(row.addressing),
            language=row.language,
            text=text,
            key_id=row.key_id,
            special_categories=frozenset(SpecialCategory(c) for c in row.special_categories),
            created_at=row.created_at,
            ingested_at=row.ingested_at,
            decision_id=row.decision_id,
            retention_until=row.retention_until,
            deleted_at=row.deleted_at,
        )

    def _by_source(self, channel: Channel, source_id: str) -> InteractionRow | None:
        return self.session.scalar(
            select(InteractionRow).where(
                InteractionRow.channel == channel.value, InteractionRow.source_id == source_id
            )
        )

    def exists(self, channel: Channel, source_id: str) -> bool:
        found = self.session.connection().execute(
            _EXISTS, {"channel": channel.value, "source_id": source_id}
        )
        return found.first() is not None

    def stored_source_ids(self, channel: Channel, source_ids: Iterable[str]) -> set[str]:
        """Which of ``source_ids`` are stored on ``channel`` (one statement per 500): the
        duplicate check of a whole batch."""
        wanted = list(dict.fromkeys(source_ids))
        connection = self.session.connection()
        stored: set[str] = set()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            rows = connection.execute(
                _STORED_SOURCE_IDS, {"channel": channel.value, "source_ids": chunk}
            )
            stored.update(row.source_id for row in rows)
        return stored

    def prepare(
        self, new: NewInteraction, *, at: datetime, encrypt: Encrypt | None = None
    ) -> dict[str, object]:
        """Encrypt and build the row for ``insert_prepared`` (no statement for the row).
        ``encrypt`` defaults to the keyring's one-by-one path; the pipeline passes a
        ``SubjectKeyBatch``'s, whose new keys must be flushed before the rows."""
        key_id = new.contact_id or new.key_subject or record_subject()
        if encrypt is None:
            encrypt = partial(self.keyring.encrypt_for, self.session)
        ciphertext = None if new.text is None else encrypt(key_id, new.text)
        return dict(
            id=new_id(),
            contact_id=new.contact_id,
            identity_id=new.identity_id,
            source_name=new.source_name,
            channel=new.channel.value,
            source_id=new.source_id,
            kind=new.kind.value,
            visibility=new.visibility.value,
            addressing=new.addressing.value,
            language=new.language,
            text_ciphertext=ciphertext,
            key_id=key_id if ciphertext is not None else None,
            special_categories=sorted(c.value for c in new.special_categories),
            created_at=new.created_at,
            ingested_at=at,
            decision_id=new.decision_id,
            retention_until=new.retention_until,
            deleted_at=None,
            reid_risk=new.reid_risk,
            reid_action=new.reid_action,
            batch_observed=None,  # the pipeline sets it when its batch observers are told
        )

    def count_by_keys(self, key_ids: Iterable[str]) -> dict[str, int]:
        """Live records whose text is encrypted under each of ``key_ids`` (pseudonym
        scopes): what else is stored about each pseudonym. One statement."""
        keys = list(key_ids)
        counts = dict.fromkeys(keys, 0)
        if keys:
            rows = self.session.execute(
                select(InteractionRow.key_id, func.count())
                .where(InteractionRow.key_id.in_(keys), InteractionRow.deleted_at.is_(None))
                .group_by(InteractionRow.key_id)
            )
            counts.update({str(k): int(n) for k, n in rows})
        return counts

    def risk_distribution(self) -> dict[tuple[str, str], list[str]]:
        """Live records stored without a link to their author, by (re-identification
        risk level, action taken): their ids (for the cockpit's distribution and finding)."""
        rows = self.session.execute(
            select(InteractionRow.reid_risk, InteractionRow.reid_action, InteractionRow.id)
            .where(InteractionRow.reid_risk.is_not(None), InteractionRow.deleted_at.is_(None))
            .order_by(InteractionRow.id)
        )
        out: dict[tuple[str, str], list[str]] = {}
        for risk, action, row_id in rows:
            out.setdefault((str(risk), str(action)), []).append(str(row_id))
        return out

    def insert_prepared(self, rows: list[dict[str, object]]) -> None:
        """Insert rows from ``prepare`` with one executemany (the caller checked absence)."""
        if rows:
            self.session.connection().execute(_INSERT_INTERACTION, rows)
            readmodel.interactions_inserted(self.session, rows)

    def insert_if_absent(
        self, new: NewInteraction, *, at: datetime | None = None
    ) -> tuple[Interaction, bool]:
        """Store ``new`` unless (channel, source_id) exists. Returns (interaction, created).

        A concurrent insert of the same record (unique violation) is absorbed in a
        SAVEPOINT, so the caller's transaction stays usable.
        """
        existing = self._by_source(new.channel, new.source_id)
        if existing is not None:
            return self._entity(existing), False
        key_id = new.contact_id or new.key_subject or record_subject()
        ciphertext = (
            None if new.text is None else self.keyring.encrypt_for(self.session, key_id, new.text)
        )
        row = InteractionRow(
            contact_id=new.contact_id,
            identity_id=new.identity_id,
            source_name=new.source_name,
            channel=new.channel.value,
            source_id=new.source_id,
            kind=new.kind.value,
            visibility=new.visibility.value,
            addressing=new.addressing.value,
            language=new.language,
            text_ciphertext=ciphertext,
            key_id=key_id if ciphertext is not None else None,
            special_categories=sorted(c.value for c in new.special_categories),
            created_at=new.created_at,
            ingested_at=at or utcnow(),
            decision_id=new.decision_id,
            retention_until=new.retention_until,
            reid_risk=new.reid_risk,
            reid_action=new.reid_action,
        )
        try:
            with self.session.begin_nested():
                self.session.add(row)
        except IntegrityError:
            existing = self._by_source(new.channel, new.source_id)
            if existing is None:
                raise
            return self._entity(existing), False
        readmodel.record_added(self.session, "interaction", [row.id])
        return self._entity(row), True

    def get(self, interaction_id: str) -> Interaction:
        row = self.session.get(InteractionRow, interaction_id)
        if row is None:
            raise NotFound(f"interaction {interaction_id} not found")
        return self._entity(row)

    def get_by_source(
        self, channel: Channel, source_id: str, *, with_text: bool = True
    ) -> Interaction | None:
        """The stored record; ``with_text=False`` leaves its text encrypted (``text`` None:
        a platform deletion or edit needs the record, not what it says)."""
        row = self._by_source(channel, source_id)
        return None if row is None else self._entity(row, with_text=with_text)

    def delete_by_source(self, channel: Channel, source_id: str) -> str | None:
        """Delete the record the platform reports deleted; returns its id, or None."""
        row = self._by_source(channel, source_id)
        if row is None:
            return None
        interaction_id = row.id
        readmodel.record_removed(self.session, "interaction", [interaction_id])
        crm_sync.queue_removals(self.session, "interaction", [interaction_id])
        self.session.execute(delete(InteractionRow).where(InteractionRow.id == interaction_id))
        self.session.expunge(row)
        return interaction_id

    def latest(self, limit: int) -> list[Interaction]:
        """The ``limit`` most recently ingested records (newest first), their keys
        unwrapped in one go."""
        rows = list(
            self.session.scalars(
                select(InteractionRow)
                .order_by(InteractionRow.ingested_at.desc(), InteractionRow.id.desc())
                .limit(limit)
            )
        )
        self.keyring.preload_keys(self.session, [r.key_id for r in rows if r.key_id])
        return [self._entity(r) for r in rows]

    def list_for_contact(self, contact_id: str, *, limit: int | None = None) -> list[Interaction]:
        query = (
            select(InteractionRow)
            .where(InteractionRow.contact_id == contact_id)
            .order_by(InteractionRow.created_at, InteractionRow.id)
        )
        if limit is not None:
            query = query.limit(limit)
        return [self._entity(r) for r in self.session.scalars(query)]

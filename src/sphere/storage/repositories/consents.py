"""The consent ledger (GDPR Art. 7(1): the controller must be able to prove consent).

Append-only: there is no update and no delete here. The current state of a consent is
derived from the records by ``sphere.consent.state.current_state``; a correction is a
new record. Notice texts are stored once and referenced by their SHA-256.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sphere.domain import Purpose
from sphere.domain.consent import ConsentRecord, notice_hash
from sphere.domain.time import utcnow
from sphere.errors import InvalidInput
from sphere.storage.tables import ConsentRow, NoticeRow, new_ordered_id


def _record(row: ConsentRow) -> ConsentRecord:
    return ConsentRecord(
        id=row.id,
        contact_id=row.contact_id,
        purpose=Purpose(row.purpose),
        action=row.action,
        recorded_at=row.recorded_at,
        explicit=row.explicit,
        notice_hash=row.notice_hash,
        channel=row.channel,
        expires_at=row.expires_at,
        evidence=dict(row.evidence or {}),
        sources=unpack_scope(row.sources),
        categories=unpack_scope(row.data_categories),
        guardian=bool(row.guardian),
    )


def pack_scope(values: Iterable[str] | None) -> str | None:
    """``,a,b,`` — searchable with ``LIKE '%,a,%'`` on SQLite and PostgreSQL alike."""
    if values is None:
        return None
    return "," + ",".join(sorted({str(v) for v in values})) + ","


def unpack_scope(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(v for v in value.split(",") if v)


_INSERT_CONSENT = insert(ConsentRow.__table__)


class ConsentRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def store_notice(self, text: str, *, version: str, lang: str) -> str:
        """Store a notice text once; returns its hash."""
        digest = notice_hash(text)
        if self.session.get(NoticeRow, digest) is None:
            self.session.add(NoticeRow(hash=digest, version=version, lang=lang, text=text))
            self.session.flush()
        return digest

    def notice_text(self, digest: str) -> str | None:
        row = self.session.get(NoticeRow, digest)
        return None if row is None else row.text

    def append(
        self,
        contact_id: str,
        purpose: Purpose,
        *,
        action: str,
        channel: str,
        explicit: bool = False,
        notice_hash: str | None = None,
        evidence: Mapping[str, Any] | None = None,
        expires_at: datetime | None = None,
        at: datetime | None = None,
        sources: Iterable[str] | None = None,
        categories: Iterable[str] | None = None,
        guardian: bool = False,
    ) -> ConsentRecord:
        if action not in ("given", "withdrawn"):
            raise InvalidInput(f"unknown consent action {action!r}; use given or withdrawn")
        record = ConsentRecord(
            id=new_ordered_id(),
            contact_id=contact_id,
            purpose=purpose,
            action=action,
            recorded_at=at or utcnow(),
            explicit=explicit,
            notice_hash=notice_hash,
            channel=channel,
            expires_at=expires_at,
            evidence=dict(evidence or {}),
            sources=None if sources is None or action == "withdrawn" else tuple(sources),
            categories=None if categories is None or action == "withdrawn" else tuple(categories),
            guardian=guardian and action == "given",
        )
        # Core INSERT: contact imports record consents for thousands of contacts.
        self.session.connection().execute(
            _INSERT_CONSENT,
            {
                "id": record.id,
                "contact_id": contact_id,
                "purpose": purpose.value,
                "action": action,
                "explicit": explicit,
                "notice_hash": notice_hash,
                "channel": channel,
                "evidence": dict(evidence or {}),
                "expires_at": record.expires_at,
                "recorded_at": record.recorded_at,
                "sources": pack_scope(record.sources),
                "data_categories": pack_scope(record.categories),
                "guardian": record.guardian,
            },
        )
        return record

    def for_contact(self, contact_id: str) -> list[ConsentRecord]:
        rows = self.session.scalars(
            select(ConsentRow)
            .where(ConsentRow.contact_id == contact_id)
            .order_by(ConsentRow.recorded_at, ConsentRow.id)
        )
        return [_record(row) for row in rows]

    def for_contacts(self, contact_ids: Iterable[str]) -> dict[str, list[ConsentRecord]]:
        ids = list(contact_ids)
        out: dict[str, list[ConsentRecord]] = {i: [] for i in ids}
        for start in range(0, len(ids), 500):
            rows = self.session.scalars(
                select(ConsentRow)
                .where(ConsentRow.contact_id.in_(ids[start : start + 500]))
                .order_by(ConsentRow.recorded_at, ConsentRow.id)
            )
            for row in rows:
                out[row.contact_id].append(_record(row))
        return out

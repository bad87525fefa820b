"""The review queue (``review_items``): posts addressed to the company that need consent
or a person's decision before anything about them may be kept (issue 13, point 4)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from sphere.storage.review_tables import ReviewItemRow
from sphere.storage.tables import new_id

STATES = ("open", "replied", "closed")


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: str
    created_at: datetime
    expires_at: datetime
    channel: str
    visibility: str
    addressing: str
    language: str | None
    contact_id: str | None
    subject_id: str
    decision_id: str | None
    outcome: str
    rule_id: str
    article: str | None
    reason: str
    categories: tuple[str, ...]
    post_ref: str | None  # "channel:post id", decrypted; None when the key is destroyed
    text: str | None  # minimised text, only when ``text_basis`` allows keeping it
    text_basis: str | None
    state: str
    state_changed_at: datetime | None
    state_changed_by: str | None


Decrypt = Callable[[str, bytes], str | None]


class ReviewRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def exists(self, ref_key: str) -> bool:
        return (
            self.session.scalar(select(ReviewItemRow.id).where(ReviewItemRow.ref_key == ref_key))
            is not None
        )

    def add(self, item_id: str | None = None, **values: object) -> str:
        row = ReviewItemRow(id=item_id or new_id(), state="open", **values)
        self.session.add(row)
        self.session.flush()
        return row.id

    def list(
        self,
        decrypt: Decrypt,
        *,
        state: str | None = None,
        contact_id: str | None = None,
        subject_ids: Sequence[str] = (),
        limit: int = 200,
    ) -> list[ReviewItem]:
        query = select(ReviewItemRow).order_by(ReviewItemRow.created_at.desc()).limit(limit)
        if state:
            query = query.where(ReviewItemRow.state == state)
        if contact_id is not None or subject_ids:
            owners = [ReviewItemRow.subject_id.in_(list(subject_ids))] if subject_ids else []
            if contact_id is not None:
                owners.append(ReviewItemRow.contact_id == contact_id)
            query = query.where(or_(*owners))
        return [self._item(r, decrypt) for r in self.session.scalars(query)]

    def get(self, item_id: str, decrypt: Decrypt) -> ReviewItem | None:
        row = self.session.get(ReviewItemRow, item_id)
        return None if row is None else self._item(row, decrypt)

    def counts(self) -> dict[str, int]:
        rows = self.session.execute(
            select(ReviewItemRow.state, func.count()).group_by(ReviewItemRow.state)
        )
        return {state: int(n) for state, n in rows}

    def set_state(self, item_id: str, state: str, *, at: datetime, by: str) -> bool:
        row = self.session.get(ReviewItemRow, item_id, with_for_update=True)
        if row is None:
            return False
        row.state, row.state_changed_at, row.state_changed_by = state, at, by
        self.session.flush()
        return True

    def delete_for_subjects(self, subject_ids: Iterable[str], *, contact_id: str | None) -> int:
        ids = list(subject_ids)
        condition = ReviewItemRow.subject_id.in_(ids)
        if contact_id is not None:
            condition = condition | (ReviewItemRow.contact_id == contact_id)
        result = self.session.execute(
            delete(ReviewItemRow).where(condition).execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def purge_expired(self, *, now: datetime) -> int:
        result = self.session.execute(
            delete(ReviewItemRow)
            .where(ReviewItemRow.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    def count_expired(self, *, now: datetime) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(ReviewItemRow)
                .where(ReviewItemRow.expires_at <= now)
            )
            or 0
        )

    @staticmethod
    def _item(row: ReviewItemRow, decrypt: Decrypt) -> ReviewItem:
        return ReviewItem(
            id=row.id,
            created_at=row.created_at,
            expires_at=row.expires_at,
            channel=row.channel,
            visibility=row.visibility,
            addressing=row.addressing,
            language=row.language,
            contact_id=row.contact_id,
            subject_id=row.subject_id,
            decision_id=row.decision_id,
            outcome=row.outcome,
            rule_id=row.rule_id,
            article=row.article,
            reason=row.reason,
            categories=tuple(row.categories or ()),
            post_ref=decrypt(row.subject_id, row.post_ref_ciphertext),
            text=decrypt(row.subject_id, row.text_ciphertext) if row.text_ciphertext else None,
            text_basis=row.text_basis,
            state=row.state,
            state_changed_at=row.state_changed_at,
            state_changed_by=row.state_changed_by,
        )

"""What the retention run deletes (Art. 5(1)(e) GDPR): records past ``retention_until``,
contacts past their own deadline that nothing keeps, and whether a subject key is still
used (the deletion itself is ``erasure``'s)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sphere.storage.rights_tables import DsrRequestRow
from sphere.storage.tables import AttributeRow, ContactRow, EventRow, InteractionRow


class RetentionRepository:
    """Rows due under the retention rules, and the users of a subject key."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def expired(self, table: str, *, now: datetime) -> list[tuple[str, str | None]]:
        """(id, key_id) of rows of ``table`` (interactions|events|attributes) past retention."""
        model = {"interactions": InteractionRow, "events": EventRow, "attributes": AttributeRow}[
            table
        ]
        rows = self.session.execute(
            select(model.id, model.key_id)
            .where(model.retention_until.is_not(None), model.retention_until <= now)
            .order_by(model.id)
        )
        return [(i, k) for i, k in rows]

    def contacts_past_retention(self, *, now: datetime) -> list[str]:
        """Living contacts past their own deadline that nothing else keeps: not
        restricted (Art. 18 keeps the data), no open data-subject request, and no stored
        interaction, event or attribute (those have deadlines of their own; the contact
        goes in a later run, after them). Consent is checked by the caller."""
        open_states = ("received", "identity_verified", "in_progress")
        query = (
            select(ContactRow.id)
            .where(ContactRow.erased_at.is_(None))
            .where(ContactRow.restricted.is_(False))
            .where(ContactRow.retention_until.is_not(None), ContactRow.retention_until <= now)
            .where(
                ~select(DsrRequestRow.id)
                .where(DsrRequestRow.contact_id == ContactRow.id)
                .where(DsrRequestRow.state.in_(open_states))
                .exists()
            )
        )
        for model in (InteractionRow, EventRow, AttributeRow):
            query = query.where(~select(model.id).where(model.contact_id == ContactRow.id).exists())
        return list(self.session.scalars(query.order_by(ContactRow.retention_until, ContactRow.id)))

    def key_users(self, key_id: str) -> int:
        """How many stored rows still use subject key ``key_id``."""
        total = 0
        for model in (InteractionRow, EventRow, AttributeRow):
            total += (
                self.session.scalar(
                    select(func.count()).select_from(model).where(model.key_id == key_id)
                )
                or 0
            )
        return total

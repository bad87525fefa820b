"""The recipients register (``recipient_tables``): add, edit, retire and list
(detach-safe entities), and the Art. 19 notifications of a request."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.errors import InvalidInput, NotFound
from sphere.storage.readmodel_tables import HeldContactPurposeRow
from sphere.storage.recipient_tables import RecipientNotificationRow, RecipientRow
from sphere.storage.tables import AttributeRow


@dataclass(frozen=True, slots=True)
class Recipient:
    id: str
    name: str
    role: str
    processor_of: str | None
    purposes: tuple[str, ...]
    data_categories: tuple[str, ...]
    country: str
    location: str
    agreement_date: datetime | None
    agreement_scope: str
    transfer_mechanism: str | None
    scc_module: int | None
    tia_date: datetime | None
    tia_summary: str
    created_at: datetime
    created_by: str
    updated_at: datetime | None
    retired_at: datetime | None


@dataclass(frozen=True, slots=True)
class RecipientNotification:
    id: str
    request_id: str
    contact_id: str | None
    recipient_id: str
    recipient_name: str
    action: str
    notified_at: datetime
    actor: str


def _recipient(row: RecipientRow) -> Recipient:
    values = {name: getattr(row, name) for name in Recipient.__dataclass_fields__}
    values["purposes"] = tuple(values["purposes"] or ())
    values["data_categories"] = tuple(values["data_categories"] or ())
    values["location"] = values["location"] or ""
    values["tia_summary"] = values["tia_summary"] or ""
    return Recipient(**values)


class RecipientRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, **values: Any) -> Recipient:
        if self.get(values["name"]) is not None:
            raise InvalidInput(f"name: a recipient {values['name']!r} is registered already")
        row = RecipientRow(**values)
        self.session.add(row)
        self.session.flush()
        return _recipient(row)

    def update(self, recipient_id: str, **values: Any) -> Recipient:
        row = self._row(recipient_id)
        other = self.get(values.get("name", row.name))
        if other is not None and other.id != recipient_id:
            raise InvalidInput(f"name: a recipient {other.name!r} is registered already")
        for key, value in values.items():
            setattr(row, key, value)
        self.session.flush()
        return _recipient(row)

    def _row(self, recipient_id: str) -> RecipientRow:
        row = self.session.get(RecipientRow, recipient_id)
        if row is None:
            raise NotFound(f"no recipient {recipient_id}")
        return row

    def by_id(self, recipient_id: str) -> Recipient:
        return _recipient(self._row(recipient_id))

    def get(self, name: str) -> Recipient | None:
        row = self.session.scalar(select(RecipientRow).where(RecipientRow.name == name))
        return _recipient(row) if row is not None else None

    def list(self, *, active_only: bool = False) -> list[Recipient]:
        query = select(RecipientRow).order_by(RecipientRow.name)
        if active_only:
            query = query.where(RecipientRow.retired_at.is_(None))
        return [_recipient(row) for row in self.session.scalars(query)]

    def purposes_held_for(self, contact_id: str) -> set[str]:
        """The purposes a contact's records and attributes are held for now."""
        held = self.session.scalars(
            select(HeldContactPurposeRow.purpose).where(
                HeldContactPurposeRow.contact_id == contact_id, HeldContactPurposeRow.n > 0
            )
        )
        attributes = self.session.scalars(
            select(AttributeRow.purpose).where(AttributeRow.contact_id == contact_id).distinct()
        )
        return {*held, *attributes}

    def add_notifications(self, rows: list[dict[str, Any]]) -> list[RecipientNotification]:
        added = [RecipientNotificationRow(**values) for values in rows]
        self.session.add_all(added)
        self.session.flush()
        return [_notification(row) for row in added]

    def notifications(
        self,
        *,
        request_id: str | None = None,
        contact_id: str | None = None,
        request_ids: Sequence[str] | None = None,
    ) -> list[RecipientNotification]:
        query = select(RecipientNotificationRow).order_by(
            RecipientNotificationRow.notified_at, RecipientNotificationRow.recipient_name
        )
        if request_id is not None:
            query = query.where(RecipientNotificationRow.request_id == request_id)
        if contact_id is not None:
            query = query.where(RecipientNotificationRow.contact_id == contact_id)
        if request_ids is not None:
            query = query.where(RecipientNotificationRow.request_id.in_(list(request_ids)))
        return [_notification(row) for row in self.session.scalars(query)]


def _notification(row: RecipientNotificationRow) -> RecipientNotification:
    return RecipientNotification(
        **{name: getattr(row, name) for name in RecipientNotification.__dataclass_fields__}
    )

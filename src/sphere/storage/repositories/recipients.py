"""The recipients register (``recipient_tables``): add and list (detach-safe entities)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.errors import InvalidInput
from sphere.storage.recipient_tables import RecipientRow


@dataclass(frozen=True, slots=True)
class Recipient:
    id: str
    name: str
    role: str
    processor_of: str | None
    purposes: tuple[str, ...]
    data_categories: tuple[str, ...]
    country: str
    agreement_date: datetime | None
    agreement_scope: str
    transfer_mechanism: str | None
    scc_module: int | None
    tia_date: datetime | None
    created_at: datetime
    created_by: str


def _recipient(row: RecipientRow) -> Recipient:
    values = {name: getattr(row, name) for name in Recipient.__dataclass_fields__}
    values["purposes"] = tuple(values["purposes"] or ())
    values["data_categories"] = tuple(values["data_categories"] or ())
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

    def get(self, name: str) -> Recipient | None:
        row = self.session.scalar(select(RecipientRow).where(RecipientRow.name == name))
        return _recipient(row) if row is not None else None

    def list(self) -> list[Recipient]:
        rows = self.session.scalars(select(RecipientRow).order_by(RecipientRow.name))
        return [_recipient(row) for row in rows]

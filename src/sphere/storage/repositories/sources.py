"""Configured input sources (a channel account, an export, a forum feed)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sphere.domain import Channel, Collection
from sphere.domain.time import utcnow
from sphere.errors import InvalidInput, NotFound
from sphere.storage.entities import Source
from sphere.storage.tables import SourceRow


def _source(row: SourceRow) -> Source:
    return Source(
        id=row.id,
        name=row.name,
        channel=Channel(row.channel),
        collection=Collection(row.collection),
        accounts=tuple(row.accounts),
        description=row.description,
        created_at=row.created_at,
    )


class SourceRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def _row(self, name: str) -> SourceRow:
        row = self.session.scalar(select(SourceRow).where(SourceRow.name == name))
        if row is None:
            raise NotFound(f"source {name!r} not found")
        return row

    def add(
        self,
        name: str,
        *,
        channel: Channel,
        collection: Collection,
        accounts: Iterable[str] = (),
        description: str = "",
        at: datetime | None = None,
    ) -> Source:
        if self.session.scalar(select(SourceRow.id).where(SourceRow.name == name)):
            raise InvalidInput(f"source {name!r} already exists")
        row = SourceRow(
            name=name,
            channel=channel.value,
            collection=collection.value,
            accounts=list(accounts),
            description=description,
            created_at=at or utcnow(),
        )
        self.session.add(row)
        self.session.flush()
        return _source(row)

    def get(self, name: str) -> Source:
        return _source(self._row(name))

    def list(self) -> list[Source]:
        return [
            _source(r) for r in self.session.scalars(select(SourceRow).order_by(SourceRow.name))
        ]

    def remove(self, name: str) -> None:
        self.session.delete(self._row(name))
        self.session.flush()

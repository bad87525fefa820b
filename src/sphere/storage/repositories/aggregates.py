"""Anonymous counters (social monitoring): a day, a channel and enum values, a count.

No ids and no text ever reach this table, so it may outlive every retention deadline.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sphere.storage.entities import Aggregate
from sphere.storage.tables import AggregateRow, new_id


class AggregateRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def increment(
        self,
        *,
        day: date,
        channel: str,
        addressing: str,
        outcome: str,
        topic: str = "",
        by: int = 1,
    ) -> None:
        """Add ``by`` to the counter (an atomic upsert on both backends)."""
        self.increment_many([(day, channel, addressing, outcome, topic, by)])

    def increment_many(self, counts: Iterable[tuple[date, str, str, str, str, int]]) -> None:
        """Add many counts with one executemany of the upsert (day, channel, addressing,
        outcome, topic, by)."""
        rows = [
            {
                "id": new_id(),
                "day": day,
                "channel": channel,
                "addressing": addressing,
                "outcome": outcome,
                "topic": topic,
                "count": by,
            }
            for day, channel, addressing, outcome, topic, by in counts
        ]
        if rows:
            self.session.connection().execute(self._upsert(), rows)

    def _upsert(self) -> Any:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(AggregateRow.__table__)
        return statement.on_conflict_do_update(
            index_elements=["day", "channel", "addressing", "outcome", "topic"],
            set_={"count": AggregateRow.__table__.c.count + statement.excluded.count},
        )

    def list(self, *, since: date | None = None, until: date | None = None) -> list[Aggregate]:
        query = select(AggregateRow).order_by(
            AggregateRow.day,
            AggregateRow.channel,
            AggregateRow.addressing,
            AggregateRow.outcome,
            AggregateRow.topic,
        )
        if since is not None:
            query = query.where(AggregateRow.day >= since)
        if until is not None:
            query = query.where(AggregateRow.day <= until)
        return [
            Aggregate(
                day=r.day,
                channel=r.channel,
                addressing=r.addressing,
                outcome=r.outcome,
                topic=r.topic,
                count=r.count,
            )
            for r in self.session.scalars(query)
        ]

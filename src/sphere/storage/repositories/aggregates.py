"""Anonymous counters (social monitoring): a day, a channel and enum values, a count.

No ids and no text ever reach this table, so it may outlive every retention deadline.
"""

from __future__ import annotations

from datetime import date

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
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(AggregateRow).values(
            id=new_id(),
            day=day,
            channel=channel,
            addressing=addressing,
            outcome=outcome,
            topic=topic,
            count=by,
        )
        statement = statement.on_conflict_do_update(
            index_elements=["day", "channel", "addressing", "outcome", "topic"],
            set_={"count": AggregateRow.count + statement.excluded.count},
        )
        self.session.execute(statement)

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

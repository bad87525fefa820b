"""Social-listening counters (anonymous, like ``aggregates``) and the reads the listening
report needs. Raw counts stay inside Sphere: ``sphere.analytics`` releases them."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sphere.storage.listening_tables import ListeningCountRow
from sphere.storage.tables import AggregateRow, new_id


class ListeningRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def increment_many(self, counts: Iterable[tuple[date, str, str, str, int]]) -> None:
        """Add (day, channel, kind, value, by) with one executemany of an upsert."""
        rows = [
            {"id": new_id(), "day": d, "channel": c, "kind": k, "value": v[:100], "count": n}
            for d, c, k, v, n in counts
        ]
        if rows:
            self.session.connection().execute(self._upsert(), rows)

    def _upsert(self) -> Any:
        dialect = self.session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(ListeningCountRow.__table__)
        return statement.on_conflict_do_update(
            index_elements=["day", "channel", "kind", "value"],
            set_={"count": ListeningCountRow.__table__.c.count + statement.excluded.count},
        )

    def by_kind(self, kind: str, *, since: date, until: date) -> dict[str, int]:
        """Counts of one kind over [since, until], summed over days and channels."""
        rows = self.session.execute(
            select(ListeningCountRow.value, func.sum(ListeningCountRow.count))
            .where(
                ListeningCountRow.kind == kind,
                ListeningCountRow.day >= since,
                ListeningCountRow.day <= until,
            )
            .group_by(ListeningCountRow.value)
        )
        return {str(v): int(n) for v, n in rows}

    def monitored(
        self, *, since: date, until: date, outcome: str, addressing: str
    ) -> list[tuple[date, str, str, int]]:
        """(day, channel, topic, count) of the anonymous monitoring counters: the posts
        the listening report is about (anonymised public mentions)."""
        rows = self.session.execute(
            select(
                AggregateRow.day,
                AggregateRow.channel,
                AggregateRow.topic,
                func.sum(AggregateRow.count),
            )
            .where(
                AggregateRow.day >= since,
                AggregateRow.day <= until,
                AggregateRow.outcome == outcome,
                AggregateRow.addressing == addressing,
            )
            .group_by(AggregateRow.day, AggregateRow.channel, AggregateRow.topic)
        )
        return [(d, str(c), str(t), int(n)) for d, c, t, n in rows]

"""Art. 14 notice duties (``notice_duties``): one per (contact, source) once a record
linked to the contact was stored under an informing rule — derived set-based from the
stored records and their decisions, with the sync mark (``readmodel_marks``) and the
records no keeper saw (``interactions.batch_observed``) that make a sync incremental.
The rules and deadlines are ``sphere.rights.notices``'s."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sphere.storage.readmodel_tables import ReadModelMarkRow
from sphere.storage.rights_tables import NoticeDutyRow
from sphere.storage.tables import ContactRow, DecisionRow, InteractionRow, new_id

# Pairs found by ``missing_duty_candidates(since=…)`` up to which the grouping query is
# restricted to them by value (IN lists); more are joined as a subquery.
PAIRS = 2_000


@dataclass(frozen=True, slots=True)
class NoticeDuty:
    id: str
    contact_id: str
    source_name: str
    channel: str
    obtained_at: datetime
    due_at: datetime
    sent_at: datetime | None
    language: str
    notice_sha256: str | None


@dataclass(frozen=True, slots=True)
class DutyCandidate:
    """Linked records of one contact from one source, with the rules that stored them."""

    contact_id: str
    source_name: str
    channel: str
    first_ingested_at: datetime
    rule_ids: tuple[str, ...]
    language: str | None


def _duty(row: NoticeDutyRow) -> NoticeDuty:
    return NoticeDuty(
        id=row.id,
        contact_id=row.contact_id,
        source_name=row.source_name,
        channel=row.channel,
        obtained_at=row.obtained_at,
        due_at=row.due_at,
        sent_at=row.sent_at,
        language=row.language,
        notice_sha256=row.notice_sha256,
    )


class NoticeDutyRepository:
    """Duties, their derivation from stored records, the sync mark, the overdue summary."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def duty(self, contact_id: str, source_name: str) -> NoticeDuty | None:
        row = self.session.scalar(
            select(NoticeDutyRow).where(
                NoticeDutyRow.contact_id == contact_id, NoticeDutyRow.source_name == source_name
            )
        )
        return None if row is None else _duty(row)

    def add_duty(
        self,
        *,
        contact_id: str,
        source_name: str,
        channel: str,
        obtained_at: datetime,
        due_at: datetime,
        language: str,
    ) -> NoticeDuty:
        row = NoticeDutyRow(
            contact_id=contact_id,
            source_name=source_name,
            channel=channel,
            obtained_at=obtained_at,
            due_at=due_at,
            language=language,
        )
        self.session.add(row)
        self.session.flush()
        return _duty(row)

    def add_duties(self, duties: Sequence[dict[str, Any]]) -> int:
        """Insert many duties at once (``add_duty``'s fields per dict) with one
        executemany; a pair that has a duty already (a concurrent writer's, committed
        first) is left as it is. Returns how many were inserted."""
        if not duties:
            return 0
        dialect = self.session.get_bind().dialect.name
        statement = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(NoticeDutyRow)
        inserted = self.session.execute(
            statement.on_conflict_do_nothing(
                index_elements=[NoticeDutyRow.contact_id, NoticeDutyRow.source_name]
            ).returning(NoticeDutyRow.id),
            [{"id": new_id(), **duty} for duty in duties],
        )
        return len(inserted.all())

    def duties(self, *, open_only: bool = True, contact_id: str | None = None) -> list[NoticeDuty]:
        query = select(NoticeDutyRow).order_by(NoticeDutyRow.due_at, NoticeDutyRow.id)
        if open_only:
            query = query.where(NoticeDutyRow.sent_at.is_(None))
        if contact_id is not None:
            query = query.where(NoticeDutyRow.contact_id == contact_id)
        return [_duty(r) for r in self.session.scalars(query)]

    def mark_duties_sent(
        self, contact_id: str, *, at: datetime, notice_sha256: str, language: str
    ) -> int:
        result = self.session.execute(
            update(NoticeDutyRow)
            .where(NoticeDutyRow.contact_id == contact_id, NoticeDutyRow.sent_at.is_(None))
            .values(sent_at=at, notice_sha256=notice_sha256, language=language)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

    def delete_duties_of_contact(self, contact_id: str) -> int:
        result = self.session.execute(
            delete(NoticeDutyRow)
            .where(NoticeDutyRow.contact_id == contact_id)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

    def missing_duty_candidates(
        self,
        channels: Iterable[str],
        informing_rules: Iterable[str],
        *,
        since: datetime | None = None,
        pairs: Iterable[tuple[str, str]] | None = None,
    ) -> list[DutyCandidate]:
        """(contact, source) pairs of linked interactions from ``channels`` that have no
        duty row yet and of which at least one record was stored under one of
        ``informing_rules`` — set-based: one GROUP BY with an anti-join on the duties.
        With ``since``, only pairs with a record stored under an informing rule since then
        and no duty are considered, found first in a statement of their own (an index
        range on ``ingested_at``, a look-up of each such record's decision): once the
        pipeline keeps the duties current that finds nothing and no grouping query runs
        (up to ``PAIRS`` found: restricted to them as with ``pairs``). With ``pairs`` (a
        batch's (contact, source) pairs), only those that have no duty yet (looked up
        first; none left: no further query).
        ``first_ingested_at`` is the first record of the pair (any rule); ``language``
        the language of its latest post that has one."""
        rules = list(informing_rules)
        if not rules:
            return []
        i, d, c, n = InteractionRow, DecisionRow, ContactRow, NoticeDutyRow
        informs = func.max(case((d.rule_id.in_(rules), 1), else_=0))
        has_duty = (
            select(n.id)
            .where(n.contact_id == i.contact_id, n.source_name == i.source_name)
            .exists()
        )
        query = (
            select(i.contact_id, i.source_name, func.min(i.channel), func.min(i.ingested_at))
            .join(d, d.id == i.decision_id)
            .join(c, c.id == i.contact_id)
            .where(
                i.contact_id.is_not(None),
                i.channel.in_(list(channels)),
                c.erased_at.is_(None),
                ~has_duty,
            )
            .group_by(i.contact_id, i.source_name)
            .having(informs == 1)
        )
        if since is not None:  # pairs with an informing record since ``since``, no duty
            recent = (
                select(i.contact_id, i.source_name)
                .join(d, d.id == i.decision_id)
                .where(
                    i.ingested_at >= since,
                    i.contact_id.is_not(None),
                    d.rule_id.in_(rules),
                    ~has_duty,
                )
            )
            # No DISTINCT here: with it SQLite walks the contact index instead of the
            # range on ``ingested_at`` (0.2 s instead of 7 ms at 100,000 records).
            rows = self.session.execute(recent.limit(10 * PAIRS + 1)).all()
            if not rows:  # the common case: one index range, no grouping query
                return []
            found = {(str(a), str(b)) for a, b in rows}
            if len(rows) <= 10 * PAIRS and len(found) <= PAIRS and pairs is None:
                pairs = found
            else:  # many (ingestion without the keeper for a while): joined, as a whole
                chosen = recent.distinct().subquery("recent_pairs")
                query = query.join(
                    chosen,
                    and_(
                        chosen.c.contact_id == i.contact_id, chosen.c.source_name == i.source_name
                    ),
                )
        if pairs is not None:
            by_source = self._pairs_without_duty(pairs)
            if not by_source:
                return []
            query = query.where(
                or_(
                    *(
                        and_(i.source_name == source_name, i.contact_id.in_(sorted(contacts)))
                        for source_name, contacts in sorted(by_source.items())
                    )
                )
            )
        rows = self.session.execute(query).all()
        languages = self._latest_languages({(r[0], r[1]) for r in rows}) if rows else {}
        return [
            DutyCandidate(
                contact_id=contact_id,
                source_name=source_name,
                channel=channel,
                first_ingested_at=first,
                rule_ids=(),
                language=languages.get((contact_id, source_name)),
            )
            for contact_id, source_name, channel, first in rows
        ]

    def _pairs_without_duty(self, pairs: Iterable[tuple[str, str]]) -> dict[str, set[str]]:
        """Of ``pairs``, those with no duty yet, as contacts per source: one index look-up
        on the duties, so a batch whose people all have their duty reads no records."""
        wanted = set(pairs)
        if not wanted:
            return {}
        n = NoticeDutyRow
        contacts = sorted({contact_id for contact_id, _ in wanted})
        for start in range(0, len(contacts), 1000):
            wanted -= {
                (contact_id, source_name)
                for contact_id, source_name in self.session.execute(
                    select(n.contact_id, n.source_name).where(
                        n.contact_id.in_(contacts[start : start + 1000])
                    )
                )
            }
        by_source: dict[str, set[str]] = {}
        for contact_id, source_name in wanted:
            by_source.setdefault(source_name, set()).add(contact_id)
        return by_source

    def _latest_languages(
        self, pairs: set[tuple[str, str]], *, chunk: int = 500
    ) -> dict[tuple[str, str], str]:
        """The language of the latest post (by ingestion, then id) that has one, per
        (contact, source) pair — one ranked query per ``chunk`` contacts, not one per
        pair (a first sync on a large store finds tens of thousands of pairs)."""
        i = InteractionRow
        contacts = sorted({contact_id for contact_id, _ in pairs})
        found: dict[tuple[str, str], str] = {}
        for start in range(0, len(contacts), chunk):
            rank = func.row_number().over(
                partition_by=(i.contact_id, i.source_name),
                order_by=(i.ingested_at.desc(), i.id.desc()),
            )
            ranked = (
                select(i.contact_id, i.source_name, i.language, rank.label("rank"))
                .where(
                    i.contact_id.in_(contacts[start : start + chunk]),
                    i.language.is_not(None),
                )
                .subquery("ranked")
            )
            for contact_id, source_name, language in self.session.execute(
                select(ranked.c.contact_id, ranked.c.source_name, ranked.c.language).where(
                    ranked.c.rank == 1
                )
            ):
                if (contact_id, source_name) in pairs:
                    found[(contact_id, source_name)] = language
        return found

    def mark(self, name: str) -> datetime | None:
        return self.session.scalar(select(ReadModelMarkRow.at).where(ReadModelMarkRow.name == name))

    def set_mark(self, name: str, at: datetime) -> None:
        row = self.session.get(ReadModelMarkRow, name)
        if row is None:
            self.session.add(ReadModelMarkRow(name=name, at=at))
        else:
            row.at = at
        self.session.flush()

    def advance_mark(self, name: str, at: datetime, *, within: timedelta) -> None:
        """Move an existing mark forward to ``at`` if it is no more than ``within`` behind
        (an older mark is the sync's to move: what came in meanwhile may have no duties),
        never back and never waiting: a mark another transaction holds (a sync, another
        worker's batch) stays as it is — a lower mark only means a little more to look at."""
        m = ReadModelMarkRow
        held = select(m.name).where(m.name == name).with_for_update(skip_locked=True)
        self.session.execute(
            update(m)
            .where(m.name == name, m.at < at, m.at >= at - within, m.name.in_(held))
            .values(at=at)
            .execution_options(synchronize_session=False)
        )

    def unobserved_records(self, *, limit: int) -> list[tuple[str, str | None, str]]:
        """Up to ``limit`` records no batch observer was told of (``batch_observed`` NULL),
        as (id, contact, source): one probe of a partial index, empty once every writer
        keeps the duties."""
        i = InteractionRow
        query = select(i.id, i.contact_id, i.source_name).where(i.batch_observed.is_(None))
        return [(r[0], r[1], r[2]) for r in self.session.execute(query.limit(limit))]

    def mark_observed(self, ids: Sequence[str] | None = None) -> int:
        """Set ``batch_observed`` on the records ``ids`` (None: every record without it)."""
        i = InteractionRow
        unset = i.batch_observed.is_(None)
        chunks = [None] if ids is None else [ids[s : s + 1000] for s in range(0, len(ids), 1000)]
        marked = 0
        for chunk in chunks:
            where = unset if chunk is None else and_(unset, i.id.in_(list(chunk)))
            result = self.session.execute(
                update(i)
                .where(where)
                .values(batch_observed=True)
                .execution_options(synchronize_session=False)
            )
            marked += int(result.rowcount or 0)
        return marked

    def newest_ingested(self) -> datetime | None:
        return self.session.scalar(select(func.max(InteractionRow.ingested_at)))

    def duty_summary(self, *, now: datetime, soon: datetime, sample: int = 20) -> dict[str, Any]:
        """Open duties overdue (``due_at <= now``) and due by ``soon``: per group the
        count, distinct contacts, count per channel, first deadline and a few ids."""
        summary: dict[str, Any] = {}
        n = NoticeDutyRow
        for name, condition in (
            ("overdue", n.due_at <= now),
            ("soon", and_(n.due_at > now, n.due_at <= soon)),
        ):
            where = and_(n.sent_at.is_(None), condition)
            count, contacts, first = self.session.execute(
                select(
                    func.count(), func.count(func.distinct(n.contact_id)), func.min(n.due_at)
                ).where(where)
            ).one()
            if not count:
                continue
            channels = dict(
                self.session.execute(
                    select(n.channel, func.count()).where(where).group_by(n.channel)
                ).all()
            )
            ids = self.session.scalars(
                select(n.id).where(where).order_by(n.due_at, n.id).limit(sample)
            )
            summary[name] = {
                "count": int(count),
                "contacts": int(contacts),
                "first": first,
                "channels": {k: int(v) for k, v in channels.items()},
                "sample": tuple(ids),
            }
        return summary

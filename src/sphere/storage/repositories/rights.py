"""Data-subject rights: requests, verification challenges, Art. 14 duties, erasure helpers.

Besides the three tables of ``rights_tables`` this repository holds the few low-level
operations the erasure cascade and the retention run need that no other repository
offers: finding a person's rows across tables, deleting decision-log rows of erased
records, removing pseudonym-scope keys entirely, rotating the portal token, and
reclaiming freed database pages so erased bytes do not linger in the file.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, delete, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sphere.storage.readmodel_tables import ReadModelMarkRow
from sphere.storage.repositories import crm_sync, readmodel
from sphere.storage.rights_tables import DsrRequestRow, DsrVerificationRow, NoticeDutyRow
from sphere.storage.tables import (
    AttributeRow,
    ContactRow,
    DecisionRow,
    EventRow,
    InteractionRow,
    SubjectKeyRow,
    new_id,
    new_public_id,
)

# Pairs found by ``missing_duty_candidates(since=…)`` up to which the grouping query is
# restricted to them by value (IN lists); more are joined as a subquery.
PAIRS = 2_000


@dataclass(frozen=True, slots=True)
class DsrRequest:
    id: str
    contact_id: str | None
    type: str
    state: str
    channel: str
    received_at: datetime
    due_at: datetime
    extended_until: datetime | None
    extension_reason: str | None
    verified_at: datetime | None
    verification_method: str | None
    rejected_reason: str | None
    completed_at: datetime | None
    result: dict[str, Any]
    opened_by: str
    details_ciphertext: bytes | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Verification:
    id: str
    request_id: str
    method: str
    identity_id: str | None
    salt: bytes
    secret_hash: str
    created_at: datetime
    expires_at: datetime
    attempts: int
    max_attempts: int
    consumed_at: datetime | None


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


def _request(row: DsrRequestRow) -> DsrRequest:
    return DsrRequest(
        id=row.id,
        contact_id=row.contact_id,
        type=row.type,
        state=row.state,
        channel=row.channel,
        received_at=row.received_at,
        due_at=row.due_at,
        extended_until=row.extended_until,
        extension_reason=row.extension_reason,
        verified_at=row.verified_at,
        verification_method=row.verification_method,
        rejected_reason=row.rejected_reason,
        completed_at=row.completed_at,
        result=dict(row.result or {}),
        opened_by=row.opened_by,
        details_ciphertext=row.details_ciphertext,
    )


def _verification(row: DsrVerificationRow) -> Verification:
    return Verification(
        id=row.id,
        request_id=row.request_id,
        method=row.method,
        identity_id=row.identity_id,
        salt=row.salt,
        secret_hash=row.secret_hash,
        created_at=row.created_at,
        expires_at=row.expires_at,
        attempts=row.attempts,
        max_attempts=row.max_attempts,
        consumed_at=row.consumed_at,
    )


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


class RightsRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- requests -------------------------------------------------------------------
    def add_request(
        self,
        *,
        contact_id: str,
        type: str,
        state: str,
        channel: str,
        received_at: datetime,
        due_at: datetime,
        opened_by: str,
        details_ciphertext: bytes | None = None,
    ) -> DsrRequest:
        row = DsrRequestRow(
            contact_id=contact_id,
            type=type,
            state=state,
            channel=channel,
            received_at=received_at,
            due_at=due_at,
            opened_by=opened_by,
            result={},
            details_ciphertext=details_ciphertext,
        )
        self.session.add(row)
        self.session.flush()
        return _request(row)

    def _request_row(self, request_id: str) -> DsrRequestRow | None:
        return self.session.get(DsrRequestRow, request_id)

    def get_request(self, request_id: str) -> DsrRequest | None:
        row = self._request_row(request_id)
        return None if row is None else _request(row)

    def update_request(self, request_id: str, **changes: Any) -> DsrRequest:
        """Set workflow fields (state, verified_at, due_at, result …) on one request."""
        row = self._request_row(request_id)
        if row is None:
            raise LookupError(request_id)
        for name, value in changes.items():
            if not hasattr(DsrRequestRow, name) or name == "id":
                raise AttributeError(name)
            setattr(row, name, value)
        self.session.flush()
        return _request(row)

    def list_requests(
        self, *, contact_id: str | None = None, states: Sequence[str] | None = None
    ) -> list[DsrRequest]:
        query = select(DsrRequestRow).order_by(DsrRequestRow.received_at, DsrRequestRow.id)
        if contact_id is not None:
            query = query.where(DsrRequestRow.contact_id == contact_id)
        if states:
            query = query.where(DsrRequestRow.state.in_(list(states)))
        return [_request(r) for r in self.session.scalars(query)]

    def page_requests(
        self,
        *,
        states: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        after: tuple[datetime, str] | None = None,
        limit: int = 100,
    ) -> list[DsrRequest]:
        """Requests ordered by their deadline (the extended one when extended), then id,
        after ``after`` (keyset pagination) — the queue's order at any size."""
        r = DsrRequestRow
        deadline = func.coalesce(r.extended_until, r.due_at)
        query = select(r).order_by(deadline, r.id).limit(limit)
        if states:
            query = query.where(r.state.in_(list(states)))
        if types:
            query = query.where(r.type.in_(list(types)))
        if after is not None:
            query = query.where(
                or_(deadline > after[0], and_(deadline == after[0], r.id > after[1]))
            )
        return [_request(row) for row in self.session.scalars(query)]

    # --- verification challenges ----------------------------------------------------
    def add_verification(
        self,
        *,
        request_id: str,
        method: str,
        identity_id: str | None,
        salt: bytes,
        secret_hash: str,
        created_at: datetime,
        expires_at: datetime,
        max_attempts: int,
    ) -> Verification:
        row = DsrVerificationRow(
            request_id=request_id,
            method=method,
            identity_id=identity_id,
            salt=salt,
            secret_hash=secret_hash,
            created_at=created_at,
            expires_at=expires_at,
            attempts=0,
            max_attempts=max_attempts,
        )
        self.session.add(row)
        self.session.flush()
        return _verification(row)

    def verifications(self, request_id: str, *, method: str | None = None) -> list[Verification]:
        query = (
            select(DsrVerificationRow)
            .where(DsrVerificationRow.request_id == request_id)
            .order_by(DsrVerificationRow.created_at.desc(), DsrVerificationRow.id)
        )
        if method is not None:
            query = query.where(DsrVerificationRow.method == method)
        return [_verification(r) for r in self.session.scalars(query)]

    def count_attempt(self, verification_id: str) -> None:
        self.session.execute(
            update(DsrVerificationRow)
            .where(DsrVerificationRow.id == verification_id)
            .values(attempts=DsrVerificationRow.attempts + 1)
            .execution_options(synchronize_session=False)
        )

    def consume(self, verification_id: str, *, at: datetime) -> bool:
        """Mark a challenge used; False if it was already used (a replay, even a racing one)."""
        result = self.session.execute(
            update(DsrVerificationRow)
            .where(
                DsrVerificationRow.id == verification_id,
                DsrVerificationRow.consumed_at.is_(None),
            )
            .values(consumed_at=at)
            .execution_options(synchronize_session=False)
        )
        return bool(result.rowcount)

    def delete_verifications_of_contact(self, contact_id: str) -> int:
        ids = select(DsrRequestRow.id).where(DsrRequestRow.contact_id == contact_id)
        result = self.session.execute(
            delete(DsrVerificationRow)
            .where(DsrVerificationRow.request_id.in_(ids))
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

    # --- Art. 14 notice duties ------------------------------------------------------
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

    # --- erasure helpers ------------------------------------------------------------
    def lock_contact(self, contact_id: str) -> bool:
        """``SELECT … FOR UPDATE`` on the contact: the pipeline's linker takes a share lock
        on the same row, so an erasure and an ingestion of the same person serialise."""
        row = self.session.get(ContactRow, contact_id, with_for_update=True, populate_existing=True)
        return row is not None

    def interaction_ids(self, *, contact_id: str, key_ids: Sequence[str]) -> list[str]:
        condition = InteractionRow.contact_id == contact_id
        if key_ids:
            condition = or_(condition, InteractionRow.key_id.in_(list(key_ids)))
        return list(self.session.scalars(select(InteractionRow.id).where(condition)))

    def interaction_ids_for_keys(self, key_ids: Sequence[str]) -> list[str]:
        """Records stored under the given subject keys (e.g. pseudonym scopes)."""
        if not key_ids:
            return []
        return list(
            self.session.scalars(
                select(InteractionRow.id)
                .where(InteractionRow.key_id.in_(list(key_ids)))
                .order_by(InteractionRow.created_at, InteractionRow.id)
            )
        )

    def event_ids(self, *, contact_id: str, key_ids: Sequence[str]) -> list[str]:
        condition = EventRow.contact_id == contact_id
        if key_ids:
            condition = or_(condition, EventRow.key_id.in_(list(key_ids)))
        return list(self.session.scalars(select(EventRow.id).where(condition)))

    def consent_based_records(
        self, contact_id: str, purpose: str, bases: Sequence[str]
    ) -> tuple[list[str], list[str]]:
        """Ids of the contact's interactions and events whose decision rests on one of
        ``bases`` (consent: art6_1_a, art9_2_a) for ``purpose``."""
        found: list[list[str]] = []
        for table in (InteractionRow, EventRow):
            found.append(
                list(
                    self.session.scalars(
                        select(table.id)
                        .join(DecisionRow, DecisionRow.id == table.decision_id)
                        .where(
                            table.contact_id == contact_id,
                            DecisionRow.purpose == purpose,
                            DecisionRow.legal_basis.in_(list(bases)),
                        )
                    )
                )
            )
        return found[0], found[1]

    def delete_interactions(self, interaction_ids: Sequence[str]) -> int:
        if not interaction_ids:
            return 0
        readmodel.record_removed(self.session, "interaction", list(interaction_ids))
        crm_sync.queue_removals(self.session, "interaction", interaction_ids)
        result = self.session.execute(
            delete(InteractionRow)
            .where(InteractionRow.id.in_(list(interaction_ids)))
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)

    def decision_ids_for(
        self, *, contact_id: str | None, interaction_ids: Sequence[str], event_ids: Sequence[str]
    ) -> list[str]:
        ids: set[str] = set()
        if contact_id is not None:
            ids.update(
                self.session.scalars(
                    select(DecisionRow.id).where(DecisionRow.contact_id == contact_id)
                )
            )
        for table, record_ids in ((InteractionRow, interaction_ids), (EventRow, event_ids)):
            for start in range(0, len(record_ids), 500):
                chunk = list(record_ids[start : start + 500])
                ids.update(
                    i
                    for i in self.session.scalars(
                        select(table.decision_id).where(table.id.in_(chunk))
                    )
                    if i is not None
                )
        return sorted(ids)

    def delete_decisions(self, decision_ids: Sequence[str]) -> int:
        """Delete decision-log rows of erased records (records must be deleted first)."""
        if not decision_ids:
            return 0
        readmodel.record_removed(self.session, "contact", list(decision_ids))  # imports only
        result = self.session.execute(
            delete(DecisionRow)
            .where(DecisionRow.id.in_(list(decision_ids)))
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)

    def purge_keys(self, subject_ids: Sequence[str]) -> int:
        """Delete subject-key rows outright (not a tombstone).

        Used for pseudonym scopes (``pseudo:<blind index>``): a tombstone would keep the
        blind index in the database, and a later post by the same account must get a
        fresh key, never the destroyed one.
        """
        if not subject_ids:
            return 0
        result = self.session.execute(
            delete(SubjectKeyRow)
            .where(SubjectKeyRow.subject_id.in_(list(subject_ids)))
            .execution_options(synchronize_session="fetch")
        )
        return int(result.rowcount or 0)

    def rotate_public_id(self, contact_id: str) -> None:
        """A new portal token, so old links to an erased contact lead nowhere."""
        row = self.session.get(ContactRow, contact_id)
        if row is not None:
            row.public_id = new_public_id()
            self.session.flush()

    def attribute_rows_for_key_rewrap(self, attribute_ids: Sequence[str]) -> list[AttributeRow]:
        if not attribute_ids:
            return []
        return list(
            self.session.scalars(select(AttributeRow).where(AttributeRow.id.in_(attribute_ids)))
        )

    def reassign_attribute_key(self, attribute_id: str, *, key_id: str, ciphertext: bytes) -> None:
        row = self.session.get(AttributeRow, attribute_id)
        if row is not None:
            row.key_id = key_id
            row.value_ciphertext = ciphertext
            self.session.flush()

    # --- retention ------------------------------------------------------------------
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


def reclaim_free_space(engine: Engine) -> None:
    """Make deleted rows physically go away after an erasure.

    SQLite keeps deleted cells in free pages and in the write-ahead log: checkpoint the
    WAL into the file, truncate it, and VACUUM (rewrites the file from live rows).
    PostgreSQL: ``VACUUM`` marks dead tuples reusable; their bytes stay in the data
    files until overwritten (the documented limit — see docs/dsr-runbook.md).
    """
    raw = engine.raw_connection()
    try:
        driver = raw.driver_connection
        if engine.dialect.name == "sqlite":
            checkpoint = "PRAGMA wal_checkpoint(TRUNCATE)"
            statements = [checkpoint, "VACUUM", checkpoint]
        else:
            driver.autocommit = True  # type: ignore[union-attr]
            statements = [
                f"VACUUM {table}"
                for table in ("identities", "interactions", "events", "attributes", "subject_keys")
            ]
        cursor = driver.cursor()  # type: ignore[union-attr]
        try:
            for statement in statements:
                cursor.execute(statement)
        finally:
            cursor.close()
        if engine.dialect.name != "sqlite":
            driver.autocommit = False  # type: ignore[union-attr]
    finally:
        raw.close()

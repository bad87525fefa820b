"""Audience groups (planning check, dry run): per living contact the facts
``marketing.audience`` reads one by one, computed for all contacts at once and grouped
(``fact_groups`` does the same for stored records).

``audience_groups`` is one GROUP BY. ``audience_snapshot`` (the dry run) reads the
audience ONCE into a temporary table of (contact, key, facts): the groups come from it,
and so do the members that the dry run stores per group — one pass over the contacts,
their identities, posts, consents and duties instead of two.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    and_,
    case,
    cast,
    func,
    insert,
    literal,
    literal_column,
    select,
)
from sqlalchemy.orm import Session

from sphere.storage.marketing_tables import CampaignSendRow, SegmentMembershipRow
from sphere.storage.repositories.consent_states import consent_states
from sphere.storage.repositories.fact_groups import (
    analytic,
    drop_temporary,
    fact_key,
    grouped,
    labelled,
    temporary_table,
)
from sphere.storage.rights_tables import NoticeDutyRow
from sphere.storage.tables import ContactRow, IdentityRow, InteractionRow


@dataclass(frozen=True, slots=True)
class AudienceGroup:
    """Living contacts of an audience that share every fact a send check reads."""

    key: str
    count: int
    is_employee: bool
    is_customer: bool
    consent: str | None
    consent_record: bool  # a valid consent record exists (provenance)
    objected_marketing: bool
    objected_profiling: bool
    restricted: bool
    special: bool
    addressed: bool
    email: bool
    phone: bool
    handle: bool
    email_from_purchase: bool
    notice_due: bool
    sends: int
    minor: bool = False  # GDPR Art. 8
    guardian: bool = False  # the consent was given by a holder of parental responsibility


def _flag(condition: Any) -> Any:
    return func.max(case((condition, 1), else_=0))


def _audience_query(
    purpose: str,
    *,
    now: datetime,
    segment_id: str | None,
    sends_since: datetime | None,
    channels: Sequence[str],
    uses: Sequence[tuple[str, str | None]] = (),
) -> tuple[Any, list[Any]]:
    c = ContactRow
    states = consent_states(now, purposes=(purpose,), name="audience_states", uses=uses)
    ids = (
        select(
            IdentityRow.contact_id,
            _flag(IdentityRow.kind == "customer_number").label("customer"),
            _flag(IdentityRow.kind == "email").label("email"),
            _flag(IdentityRow.kind == "phone").label("phone"),
            _flag(IdentityRow.kind == "handle").label("handle"),
            _flag(
                and_(IdentityRow.kind == "email", IdentityRow.verification_method == "purchase")
            ).label("purchase"),
        )
        .group_by(IdentityRow.contact_id)
        .subquery("audience_identities")
    )
    i = InteractionRow
    posts = (
        select(
            i.contact_id,
            _flag(cast(i.special_categories, String) != literal_column("'[]'")).label("special"),
            _flag(i.addressing.in_(("direct", "addressed"))).label("addressed"),
        )
        .where(i.contact_id.is_not(None), i.deleted_at.is_(None))
        .group_by(i.contact_id)
        .subquery("audience_posts")
    )
    duties = (
        select(NoticeDutyRow.contact_id)
        .where(NoticeDutyRow.sent_at.is_(None))
        .group_by(NoticeDutyRow.contact_id)
        .subquery("audience_duties")
    )
    sent: Any = literal(0, Integer)
    query_sends = None
    if sends_since is not None:
        query_sends = (
            select(CampaignSendRow.contact_id, func.count().label("n"))
            .where(
                CampaignSendRow.status == "sent",
                CampaignSendRow.sent_at >= sends_since,
                CampaignSendRow.channel.in_(list(channels)),
            )
            .group_by(CampaignSendRow.contact_id)
            .subquery("audience_sends")
        )
        sent = func.coalesce(query_sends.c.n, 0)
    columns = [
        c.is_employee,
        func.coalesce(ids.c.customer, 0),
        states.c.state,
        c.objected_marketing,
        c.objected_profiling,
        c.restricted,
        func.coalesce(posts.c.special, 0),
        func.coalesce(posts.c.addressed, 0),
        func.coalesce(ids.c.email, 0),
        func.coalesce(ids.c.phone, 0),
        func.coalesce(ids.c.handle, 0),
        func.coalesce(ids.c.purchase, 0),
        duties.c.contact_id.is_not(None),
        sent,
        c.minor_since.is_not(None),
        func.coalesce(states.c.guardian, False),
    ]
    query = (
        select(c.id.label("contact_id"), fact_key(*columns).label("key"))
        .add_columns(*labelled(columns))
        .outerjoin(states, states.c.contact_id == c.id)
        .outerjoin(ids, ids.c.contact_id == c.id)
        .outerjoin(posts, posts.c.contact_id == c.id)
        .outerjoin(duties, duties.c.contact_id == c.id)
        .where(c.erased_at.is_(None))
    )
    if query_sends is not None:
        query = query.outerjoin(query_sends, query_sends.c.contact_id == c.id)
    if segment_id is not None:
        query = query.join(
            SegmentMembershipRow,
            and_(
                SegmentMembershipRow.contact_id == c.id,
                SegmentMembershipRow.segment_id == segment_id,
            ),
        )
    return query, columns


def audience_groups(
    session: Session,
    purpose: str,
    *,
    now: datetime,
    segment_id: str | None = None,
    sends_since: datetime | None = None,
    channels: Sequence[str] = (),
    uses: Sequence[tuple[str, str | None]] = (),
) -> list[AudienceGroup]:
    """The audience (living contacts, of a segment when given) grouped by its facts for
    ``purpose`` at ``now``; with ``sends_since``, messages sent since then on
    ``channels`` count as a fact too (the frequency cap). ``uses`` — (category, source)
    of the data the measure uses — count only consents that cover them (Art. 4(11))."""
    base, _ = _audience_query(
        purpose,
        now=now,
        segment_id=segment_id,
        sends_since=sends_since,
        channels=channels,
        uses=uses,
    )
    rows = base.subquery("audience")
    names = [c.name for c in rows.c][2:]
    analytic(session)
    query = grouped(rows, names, func.count())
    return _audience_groups(session.execute(query))


def audience_members(
    session: Session,
    purpose: str,
    keys: Sequence[str] | None,
    *,
    now: datetime,
    segment_id: str | None = None,
    sends_since: datetime | None = None,
    channels: Sequence[str] = (),
    uses: Sequence[tuple[str, str | None]] = (),
) -> Any:
    """A subquery of (contact_id, key) of the audience's contacts in the groups ``keys``
    (None: in every group, without comparing each contact's key with a list)."""
    analytic(session)
    base, _ = _audience_query(
        purpose,
        now=now,
        segment_id=segment_id,
        sends_since=sends_since,
        channels=channels,
        uses=uses,
    )
    rows = base.subquery("audience")
    query = select(rows.c.contact_id, rows.c.key)
    return query if keys is None else query.where(rows.c.key.in_(list(keys)))


def _audience_groups(result: Any) -> list[AudienceGroup]:
    """``AudienceGroup``s from rows of (key, count, *facts)."""
    groups = []
    for key, count, *v in result:
        groups.append(
            AudienceGroup(
                key=key,
                count=count,
                is_employee=bool(v[0]),
                is_customer=bool(v[1]),
                consent=v[2],
                consent_record=v[2] in ("given", "explicit"),
                objected_marketing=bool(v[3]),
                objected_profiling=bool(v[4]),
                restricted=bool(v[5]),
                special=bool(v[6]),
                addressed=bool(v[7]),
                email=bool(v[8]),
                phone=bool(v[9]),
                handle=bool(v[10]),
                email_from_purchase=bool(v[11]),
                notice_due=bool(v[12]),
                sends=int(v[13] or 0),
                minor=bool(v[14]),
                guardian=bool(v[15]),
            )
        )
    return groups


@dataclass(frozen=True, slots=True)
class AudienceSnapshot:
    """The audience read once: its groups and a table of (contact_id, key, facts)."""

    groups: list[AudienceGroup]
    table: Table

    def members(self) -> Any:
        """A query of (contact_id, key) of every member."""
        return select(self.table.c.contact_id, self.table.c.key)


@contextmanager
def audience_snapshot(
    session: Session,
    purpose: str,
    *,
    now: datetime,
    segment_id: str | None = None,
    sends_since: datetime | None = None,
    channels: Sequence[str] = (),
    uses: Sequence[tuple[str, str | None]] = (),
) -> Iterator[AudienceSnapshot]:
    """``audience_groups`` and ``audience_members(keys=None)`` from ONE read of the
    audience (a temporary table, dropped when the block succeeds)."""
    base, _ = _audience_query(
        purpose,
        now=now,
        segment_id=segment_id,
        sends_since=sends_since,
        channels=channels,
        uses=uses,
    )
    rows = base.subquery("audience")
    analytic(session)
    table = temporary_table(session, "sphere_audience", select(*rows.c))
    facts = [table.c[c.name] for c in rows.c][2:]
    query = select(table.c.key, func.count(), *facts).group_by(table.c.key, *facts)
    yield AudienceSnapshot(_audience_groups(session.execute(query)), table)
    drop_temporary(session, table)


@contextmanager
def members_query(
    session: Session, members: Sequence[tuple[str, str]]
) -> Iterator[tuple[Any, set[str]]]:
    """``AudienceSnapshot.members()`` read in another unit of work, as a query of this
    one: a temporary table of the (contact_id, key) rows, of the contacts not erased
    since the read (the audience query excludes erased ones); and the ids left out."""
    table = Table(
        f"sphere_members_{uuid.uuid4().hex[:10]}",
        MetaData(),
        Column("contact_id", String()),
        Column("key", String()),
        prefixes=["TEMPORARY"],
    )
    table.create(session.connection())
    if members:
        session.execute(insert(table), [{"contact_id": c, "key": k} for c, k in members])
    held = select(ContactRow.id).where(ContactRow.erased_at.is_(None))
    gone = set(session.scalars(select(table.c.contact_id).where(table.c.contact_id.not_in(held))))
    yield select(table.c.contact_id, table.c.key).where(table.c.contact_id.in_(held)), gone
    drop_temporary(session, table)

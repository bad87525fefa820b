"""A campaign's stored dry run (``dry_run_tables.py``): replaced set-based, read in
keyset-paginated pages filtered by reason, streamed for CSV export."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import case, delete, func, insert, literal, or_, select, tuple_
from sqlalchemy.orm import Session

from sphere.storage.dry_run_tables import DryRunGroupRow, DryRunLineRow
from sphere.storage.repositories.fact_groups import analytic


@dataclass(frozen=True, slots=True)
class DryRunGroup:
    group_no: int
    allowed: bool
    code: str
    reason: str
    article: str
    legal_basis: str | None
    retry_at: datetime | None
    count: int


@dataclass(frozen=True, slots=True)
class DryRunLine:
    contact_id: str
    group: DryRunGroup


def _group(row: DryRunGroupRow) -> DryRunGroup:
    return DryRunGroup(
        row.group_no,
        row.allowed,
        row.code,
        row.reason,
        row.article,
        row.legal_basis,
        row.retry_at,
        row.count,
    )


class DryRunRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def replace(self, campaign_id: str, groups: Sequence[dict[str, Any]], members: Any) -> None:
        """Store ``groups`` (dicts with ``key`` and the verdict) and their members:
        ``members`` is a query of (contact_id, key). Groups are numbered in key order,
        so a contact whose facts did not change keeps its line: lines that are gone or
        moved to another group are deleted, new and moved ones inserted — a dry run
        repeated over an unchanged audience rewrites no line (at 100,000 contacts the
        insert of every line was most of the dry run)."""
        line = DryRunLineRow
        self.session.execute(
            delete(DryRunGroupRow).where(DryRunGroupRow.campaign_id == campaign_id)
        )
        if not groups:
            self.session.execute(delete(line).where(line.campaign_id == campaign_id))
            return
        ordered = sorted(groups, key=lambda g: str(g["key"]))
        self.session.execute(
            insert(DryRunGroupRow),
            [
                {
                    "campaign_id": campaign_id,
                    "group_no": n,
                    **{k: v for k, v in g.items() if k != "key"},
                }
                for n, g in enumerate(ordered)
            ],
        )
        numbers = {g["key"]: n for n, g in enumerate(ordered)}
        # Both anti-joins below are hashed subplans only when the lines fit in work_mem
        # (100,000 lines: ~10 MB); with the default 4 MB each line would rescan the other side.
        analytic(self.session)
        rows = members.subquery("members")
        wanted = select(rows.c.contact_id, case(numbers, value=rows.c.key).label("group_no"))
        self.session.execute(
            delete(line)
            .where(line.campaign_id == campaign_id)
            .where(tuple_(line.contact_id, line.group_no).not_in(wanted))
            .execution_options(synchronize_session=False)
        )
        wanted_rows = wanted.subquery("wanted")
        kept = select(line.contact_id).where(line.campaign_id == campaign_id)
        self.session.execute(
            insert(line).from_select(
                ["campaign_id", "contact_id", "group_no"],
                select(
                    literal(campaign_id), wanted_rows.c.contact_id, wanted_rows.c.group_no
                ).where(wanted_rows.c.contact_id.not_in(kept)),
            )
        )

    def groups(self, campaign_id: str) -> list[DryRunGroup]:
        rows = self.session.scalars(
            select(DryRunGroupRow)
            .where(DryRunGroupRow.campaign_id == campaign_id)
            .order_by(DryRunGroupRow.allowed.desc(), DryRunGroupRow.code, DryRunGroupRow.group_no)
        )
        return [_group(r) for r in rows]

    def _lines(
        self,
        campaign_id: str,
        *,
        code: str | None,
        allowed: bool | None,
        codes: Sequence[str] | None = None,
        without: Sequence[str] | None = None,
    ) -> Any:
        """``codes``: only groups with one of these codes; ``without``: none of them."""
        g, line = DryRunGroupRow, DryRunLineRow
        query = (
            select(line.contact_id, g)
            .join(g, (g.campaign_id == line.campaign_id) & (g.group_no == line.group_no))
            .where(line.campaign_id == campaign_id)
        )
        if code:
            query = query.where(g.code == code)
        if allowed is not None:
            query = query.where(g.allowed.is_(allowed))
        if codes is not None:
            query = query.where(g.code.in_(list(codes)))
        if without:
            query = query.where(g.code.not_in(list(without)))
        return query

    def page(
        self,
        campaign_id: str,
        *,
        code: str | None = None,
        allowed: bool | None = None,
        codes: Sequence[str] | None = None,
        without: Sequence[str] | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> list[DryRunLine]:
        """Lines ordered by contact id, after ``after`` (keyset pagination)."""
        query = self._lines(campaign_id, code=code, allowed=allowed, codes=codes, without=without)
        if after:
            query = query.where(DryRunLineRow.contact_id > after)
        query = query.order_by(DryRunLineRow.contact_id).limit(limit)
        return [DryRunLine(cid, _group(g)) for cid, g in self.session.execute(query)]

    def stream(
        self,
        campaign_id: str,
        *,
        code: str | None = None,
        allowed: bool | None = None,
        codes: Sequence[str] | None = None,
        without: Sequence[str] | None = None,
    ) -> Iterator[DryRunLine]:
        """Every line, in pages of 5,000 (constant memory for a CSV export)."""
        after = None
        while True:
            page = self.page(
                campaign_id,
                code=code,
                allowed=allowed,
                codes=codes,
                without=without,
                after=after,
                limit=5000,
            )
            yield from page
            if len(page) < 5000:
                return
            after = page[-1].contact_id

    def eligible_ids(self, campaign_id: str, timing_codes: Sequence[str]) -> list[str]:
        """Contacts allowed now or held back only by timing (quiet hours, the cap)."""
        g, line = DryRunGroupRow, DryRunLineRow
        return list(
            self.session.scalars(
                select(line.contact_id)
                .join(g, (g.campaign_id == line.campaign_id) & (g.group_no == line.group_no))
                .where(line.campaign_id == campaign_id)
                .where(or_(g.allowed.is_(True), g.code.in_(list(timing_codes))))
                .order_by(line.contact_id)
            )
        )

    def count(self, campaign_id: str) -> int:
        return int(
            self.session.scalar(
                select(func.count())
                .select_from(DryRunLineRow)
                .where(DryRunLineRow.campaign_id == campaign_id)
            )
            or 0
        )

    def delete_for_contact(self, contact_id: str) -> int:
        """Erasure: the contact's lines go (the groups' counts stay: counts, no person)."""
        result = self.session.execute(
            delete(DryRunLineRow)
            .where(DryRunLineRow.contact_id == contact_id)
            .execution_options(synchronize_session=False)
        )
        return int(result.rowcount or 0)

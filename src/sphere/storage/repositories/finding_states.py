"""The life of each finding by its code: since when it exists and what the DPO decided.

``observe`` is called with every fresh computation of the findings (inline on a small
installation, in the snapshot job on a large one): it writes only what changed — a new
code, a code no longer found (``gone_at``), or a code found again after it was gone (a
new life: ``first_seen_at`` reset, the decision cleared). So a snapshot recomputed every
few minutes keeps an acknowledged finding acknowledged; its identity is its code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sphere.errors import InvalidInput
from sphere.storage.jobs_tables import FindingStateRow

STATES = ("open", "acknowledged", "resolved")


@dataclass(frozen=True, slots=True)
class FindingState:
    code: str
    first_seen_at: datetime
    gone_at: datetime | None
    state: str
    count: int  # affected objects when the state was decided
    note: str
    decided_by: str | None
    decided_at: datetime | None


def _state(row: FindingStateRow) -> FindingState:
    return FindingState(
        row.code,
        row.first_seen_at,
        row.gone_at,
        row.state,
        row.count,
        row.note,
        row.decided_by,
        row.decided_at,
    )


class FindingStateRepository:
    """Finding states (no personal data: a code, counts, a staff note)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def all(self) -> dict[str, FindingState]:
        return {r.code: _state(r) for r in self.session.scalars(select(FindingStateRow))}

    def observe(self, counts: Mapping[str, int], *, at: datetime) -> None:
        """The codes a computation made at ``at`` found (with their counts); writes only
        the rows whose life changed (nothing on an unchanged set). A computation older
        than a life's start does not end it."""
        rows = {r.code: r for r in self.session.scalars(select(FindingStateRow))}
        for code in counts:
            row = rows.get(code)
            if row is None:
                self.session.add(
                    FindingStateRow(code=code, first_seen_at=at, state="open", count=0, note="")
                )
            elif row.gone_at is not None and row.gone_at <= at:
                row.first_seen_at, row.gone_at = at, None
                row.state, row.count, row.note = "open", 0, ""
                row.decided_by, row.decided_at = None, None
        for code, row in rows.items():
            if code not in counts and row.gone_at is None and row.first_seen_at <= at:
                row.gone_at = at
        self.session.flush()

    def decide(
        self, code: str, *, state: str, count: int, note: str, by: str, at: datetime
    ) -> FindingState:
        if state not in STATES:
            raise InvalidInput(f"unknown finding state {state!r}")
        row = self.session.get(FindingStateRow, code)
        if row is None:
            row = FindingStateRow(code=code, first_seen_at=at)
            self.session.add(row)
        row.state, row.count, row.note, row.decided_by, row.decided_at = (
            state,
            count,
            note,
            by,
            at,
        )
        self.session.flush()
        return _state(row)

    def changed_since(self, since: datetime) -> tuple[int, int]:
        """(findings first seen, findings resolved) since ``since``: the home's change."""
        new = self.session.scalar(
            select(func.count())
            .select_from(FindingStateRow)
            .where(FindingStateRow.first_seen_at >= since, FindingStateRow.gone_at.is_(None))
        )
        resolved = self.session.scalar(
            select(func.count())
            .select_from(FindingStateRow)
            .where(FindingStateRow.state == "resolved", FindingStateRow.decided_at >= since)
        )
        return int(new or 0), int(resolved or 0)

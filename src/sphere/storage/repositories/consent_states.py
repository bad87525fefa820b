"""Consent states of many contacts at once, in SQL — the set-based twin of
``sphere.consent.state.current_state`` (which derives one contact's state in Python).

Same rules, per contact and purpose: entries recorded after ``now`` are ignored; the
latest entry wins, ties on ``recorded_at`` broken by ledger order (the id, a UUIDv7,
sorts in write order); ``withdrawn`` → ``withdrawn``; ``given`` with ``expires_at <=
now`` → ``none``; otherwise ``explicit`` or ``given``. A contact and purpose without an
entry has no row (state ``none``). An equivalence test compares both on random ledgers
(``tests/integration/storage/test_consent_states.py``), so the two cannot drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.orm import Session

from sphere.storage.tables import ConsentRow

VALID = ("given", "explicit")


def consent_states(
    now: datetime,
    *,
    purposes: tuple[str, ...] | None = None,
    name: str = "consent_states",
    uses: Sequence[tuple[str, str | None]] = (),
) -> Any:
    """A subquery of (contact_id, purpose, state, record_id, expires_at, guardian) at ``now``;
    give two of them in one query different ``name``s. ``uses`` — (data category,
    source or None) pairs — keeps only consents whose scope covers all of them, and
    withdrawals (``ConsentRecord.covers``; scopes are stored as ``,a,b,``)."""
    c = ConsentRow
    rank = (
        func.row_number()
        .over(partition_by=(c.contact_id, c.purpose), order_by=(c.recorded_at.desc(), c.id.desc()))
        .label("rank")
    )
    latest = select(
        c.contact_id, c.purpose, c.action, c.explicit, c.expires_at, c.id, c.guardian, rank
    ).where(c.recorded_at <= now)
    if purposes is not None:
        latest = latest.where(c.purpose.in_(purposes))
    if uses:
        covered = []
        for category, source in uses:
            covered.append(
                or_(c.data_categories.is_(None), c.data_categories.like(f"%,{category},%"))
            )
            if source is not None:
                covered.append(or_(c.sources.is_(None), c.sources.like(f"%,{source},%")))
        latest = latest.where(or_(c.action == "withdrawn", and_(*covered)))
    ranked = latest.subquery(f"{name}_ranked")
    state = case(
        (ranked.c.action == "withdrawn", "withdrawn"),
        (and_(ranked.c.expires_at.is_not(None), ranked.c.expires_at <= now), "none"),
        (ranked.c.explicit.is_(True), "explicit"),
        else_="given",
    ).label("state")
    return (
        select(
            ranked.c.contact_id,
            ranked.c.purpose,
            state,
            ranked.c.id.label("record_id"),
            ranked.c.expires_at,
            ranked.c.guardian,
        )
        .where(ranked.c.rank == 1)
        .subquery(name)
    )


def states_of(session: Session, now: datetime) -> dict[tuple[str, str], str]:
    """Every (contact, purpose) state at ``now`` (for tests and small sets)."""
    states = consent_states(now)
    return {
        (contact_id, purpose): state
        for contact_id, purpose, state in session.execute(
            select(states.c.contact_id, states.c.purpose, states.c.state)
        )
    }

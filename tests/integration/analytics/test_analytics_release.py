"""The release layer on SQLite and PostgreSQL: figures are noisy and thresholded, a
repeated release costs nothing, the accountant refuses once a month's budget is spent
(with a readable reason), and what was spent survives a new session."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sphere.analytics.release import (
    PrivacyBudgetSpent,
    Query,
    ReleasePolicy,
    months,
    release,
)
from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories.privacy_releases import PrivacyReleaseRepository

NOW = datetime(2026, 12, 3, 12, 0, tzinfo=UTC)
DEC = (date(2026, 12, 1), date(2026, 12, 3))
TABLE = {("2026-12-01", "lens"): 400, ("2026-12-01", "battery"): 3, ("2026-12-02", "lens"): 250}


def _query(calls: list[int]) -> Query:
    calls.append(1)
    return Query(tables={"volume": dict(TABLE)}, counts={"total": 653, "tiny": 2})


def test_release_is_noisy_thresholded_and_reused(session: Session) -> None:
    repo = PrivacyReleaseRepository(session)
    policy = ReleasePolicy()
    calls: list[int] = []
    first = release(
        repo,
        scope="listening",
        key="r1",
        window=DEC,
        compute=lambda: _query(calls),
        policy=policy,
        now=NOW,
    )
    assert ("2026-12-01", "battery") not in first.tables["volume"]  # 3 < threshold
    assert first.counts["tiny"] is None  # below k
    assert abs(first.tables["volume"][("2026-12-01", "lens")] - 400) < 100
    assert first.thresholds["volume"] >= policy.k
    assert first.spent_epsilon == pytest.approx(policy.epsilon)
    again = release(
        repo,
        scope="listening",
        key="r1",
        window=DEC,
        compute=lambda: _query(calls),
        policy=policy,
        now=NOW,
    )
    assert calls == [1]  # not recomputed, not re-noised
    assert again.tables == first.tables and again.counts == first.counts
    assert repo.spent("listening", "2026-12")[0] == pytest.approx(policy.epsilon)
    assert first.guarantee()["epsilon"] == policy.epsilon


def test_budget_is_refused_when_spent_and_other_months_go_on(session: Session) -> None:
    repo = PrivacyReleaseRepository(session)
    policy = ReleasePolicy(epsilon=0.5, budget_epsilon=1.0)
    calls: list[int] = []
    for key in ("a", "b"):
        release(
            repo,
            scope="listening",
            key=key,
            window=DEC,
            compute=lambda: _query(calls),
            policy=policy,
            now=NOW,
        )
    with pytest.raises(PrivacyBudgetSpent) as refused:
        release(
            repo,
            scope="listening",
            key="c",
            window=DEC,
            compute=lambda: _query(calls),
            policy=policy,
            now=NOW,
        )
    assert "privacy budget of 'listening' for 2026-12 is spent" in str(refused.value)
    assert "2027-01-01" in str(refused.value)
    assert calls == [1, 1]  # the refused release computed nothing
    # another scope and another month have their own budgets
    release(
        repo,
        scope="transparency",
        key="c",
        window=DEC,
        compute=lambda: _query(calls),
        policy=policy,
        now=NOW,
    )
    release(
        repo,
        scope="listening",
        key="nov",
        window=(date(2026, 11, 1), date(2026, 11, 30)),
        compute=lambda: _query(calls),
        policy=policy,
        now=NOW,
    )


def test_a_window_over_two_months_is_charged_to_both(session: Session) -> None:
    repo = PrivacyReleaseRepository(session)
    policy = ReleasePolicy()
    release(
        repo,
        scope="listening",
        key="x",
        window=(date(2026, 11, 20), date(2026, 12, 2)),
        compute=lambda: _query([]),
        policy=policy,
        now=NOW,
    )
    assert repo.spent("listening", "2026-11")[0] == pytest.approx(policy.epsilon)
    assert repo.spent("listening", "2026-12")[0] == pytest.approx(policy.epsilon)
    assert months(date(2026, 11, 20), date(2027, 1, 2)) == ("2026-11", "2026-12", "2027-01")


def test_spent_budget_is_persisted(fresh_engine: Engine) -> None:
    factory = make_session_factory(fresh_engine)
    policy = ReleasePolicy(epsilon=1.0, budget_epsilon=1.0)
    with session_scope(factory) as db:
        release(
            PrivacyReleaseRepository(db),
            scope="exports",
            key="one",
            window=DEC,
            compute=lambda: _query([]),
            policy=policy,
            now=NOW,
        )
    with session_scope(factory) as db, pytest.raises(PrivacyBudgetSpent):
        release(
            PrivacyReleaseRepository(db),
            scope="exports",
            key="two",
            window=DEC,
            compute=lambda: _query([]),
            policy=policy,
            now=NOW,
        )
    with session_scope(factory) as db:  # the stored release is still readable
        again = release(
            PrivacyReleaseRepository(db),
            scope="exports",
            key="one",
            window=DEC,
            compute=lambda: _query([]),
            policy=policy,
            now=NOW,
        )
        assert again.spent_epsilon == pytest.approx(1.0)

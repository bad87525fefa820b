"""Figures for the public transparency page — released through ``sphere.analytics``.

Per calendar month (the current month so far, refreshed weekly, and the last complete
month):

* requests answered: data-subject requests completed in the month (rejections not
  counted) — a noisy count, not shown below k;
* median time to answer, in days, over those requests — a DP median over 0–90 days,
  not shown for fewer than k requests;
* share of social posts kept only as anonymous aggregates — from two noisy counts
  (posts counted in ``aggregates`` with outcome ``anonymise`` vs. posts stored as
  personal data), a ratio of released values (post-processing costs no privacy).

Each figure is released with differential privacy (scope ``transparency``, ε and δ
stated on the page); a month whose budget is spent shows the refusal's reason instead.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.orm import Session

from sphere.analytics.release import (
    Median,
    PrivacyBudgetSpent,
    Query,
    Release,
    ReleasePolicy,
    release,
)
from sphere.domain.time import ensure_utc
from sphere.storage.repositories.oversight import transparency_counts
from sphere.storage.repositories.privacy_releases import PrivacyReleaseRepository

SCOPE = "transparency"
#: Candidate medians (days): a request must be answered within one month, extendable by
#: two (GDPR Art. 12(3)).
MEDIAN_CANDIDATES = tuple(float(d) for d in range(0, 91))


@dataclass(frozen=True, slots=True)
class TransparencyFigures:
    """One month's released figures (None = below k or not released)."""

    month: str
    requests_answered: int | None
    median_days_to_answer: float | None
    posts_aggregate_only: int | None
    posts_stored: int | None
    release: Release | None
    refusal: str | None = None

    @property
    def aggregate_share(self) -> float | None:
        """Share of the two released counts; None unless both passed the threshold (a
        count under it is not zero, so a ratio with it would mislead)."""
        a, s = self.posts_aggregate_only, self.posts_stored
        if a is None or s is None or a + s <= 0:
            return None
        return a / (a + s)

    def threshold(self, name: str) -> int | None:
        """The smallest released value of figure ``name`` (public: it follows from ε, δ, k)."""
        return None if self.release is None else self.release.thresholds.get(name)


def _month_start(day: date) -> datetime:
    return datetime(day.year, day.month, 1, tzinfo=UTC)


def _next_month(start: datetime) -> datetime:
    return (start + timedelta(days=32)).replace(day=1)


def month_figures(
    session: Session, *, month_start: datetime, now: datetime, policy: ReleasePolicy
) -> TransparencyFigures:
    """Released figures of the month starting at ``month_start`` (up to ``now`` if it is
    the current month; then the release is refreshed once per ISO week)."""
    end = _next_month(month_start)
    current = end > now
    # the current month up to the end of today (counters are per day)
    tomorrow = datetime(now.year, now.month, now.day, tzinfo=UTC) + timedelta(days=1)
    until = min(end, tomorrow)
    label = f"{month_start.year}-{month_start.month:02d}"
    if current:
        year, week, _ = now.isocalendar()
        key = f"transparency/{label}/to-{year}-W{week:02d}"
    else:
        key = f"transparency/{label}/final"

    def compute() -> Query:
        counts = transparency_counts(session, since=month_start, until=until)
        days = [
            (ensure_utc(done) - ensure_utc(received)).total_seconds() / 86400
            for received, done in counts.answered
            if done is not None
        ]
        return Query(
            counts={
                "requests_answered": len(counts.answered),
                "posts_aggregate_only": counts.posts_aggregate_only,
                "posts_stored": counts.posts_stored,
            },
            medians={"median_days": Median(days, MEDIAN_CANDIDATES)},
        )

    try:
        rel = release(
            PrivacyReleaseRepository(session),
            scope=SCOPE,
            key=key,
            window=(month_start.date(), (until - timedelta(microseconds=1)).date()),
            compute=compute,
            policy=policy,
            now=now,
        )
    except PrivacyBudgetSpent as refusal:
        return TransparencyFigures(label, None, None, None, None, None, str(refusal))
    return TransparencyFigures(
        month=label,
        requests_answered=rel.counts.get("requests_answered"),
        median_days_to_answer=rel.medians.get("median_days"),
        posts_aggregate_only=rel.counts.get("posts_aggregate_only"),
        posts_stored=rel.counts.get("posts_stored"),
        release=rel,
    )


def transparency_figures(
    session: Session, *, now: datetime, policy: ReleasePolicy
) -> list[TransparencyFigures]:
    """The current month so far and the last complete month, newest first."""
    this_month = _month_start(now.date())
    last_month = _month_start((this_month - timedelta(days=1)).date())
    return [
        month_figures(session, month_start=this_month, now=now, policy=policy),
        month_figures(session, month_start=last_month, now=now, policy=policy),
    ]

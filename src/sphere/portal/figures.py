"""Figures for the public transparency page — counts only, nothing about a person.

* requests answered: data-subject requests completed (rejections not counted);
* median time to answer, in days, over completed requests;
* share of social posts kept only as anonymous aggregates: posts whose decision was
  ``anonymise`` (counted in ``aggregates``) out of those plus the posts stored as
  personal data (``interactions``).
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sphere.domain.time import ensure_utc
from sphere.storage.repositories.oversight import transparency_counts


@dataclass(frozen=True, slots=True)
class TransparencyFigures:
    requests_answered: int
    median_days_to_answer: float | None
    posts_aggregate_only: int
    posts_stored: int

    @property
    def aggregate_share(self) -> float | None:
        total = self.posts_aggregate_only + self.posts_stored
        return None if total == 0 else self.posts_aggregate_only / total


def transparency_figures(session: Session) -> TransparencyFigures:
    counts = transparency_counts(session)
    days = [
        (ensure_utc(done) - ensure_utc(received)).total_seconds() / 86400
        for received, done in counts.answered
        if done is not None
    ]
    return TransparencyFigures(
        requests_answered=len(counts.answered),
        median_days_to_answer=round(statistics.median(days), 1) if days else None,
        posts_aggregate_only=counts.posts_aggregate_only,
        posts_stored=counts.posts_stored,
    )

"""Anonymous figures over the API — every one released by ``sphere.analytics`` (noise,
k-threshold, privacy budget) with its guarantee beside it.

``GET /api/v1/transparency`` (public): the transparency page's monthly figures.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel

from sphere.analytics.release import ReleasePolicy
from sphere.portal.figures import transparency_figures
from sphere.web.deps import DbSession, Runtime

router = APIRouter(tags=["figures"])


class MonthFiguresOut(BaseModel):
    month: str
    requests_answered: int | None
    median_days_to_answer: float | None
    posts_aggregate_only: int | None
    posts_stored: int | None
    refusal: str | None
    guarantee: dict[str, Any] | None


class TransparencyOut(BaseModel):
    months: list[MonthFiguresOut]


@router.get("/transparency")
def get_transparency(db: DbSession, runtime: Runtime) -> TransparencyOut:
    """Released figures of the current month so far and the last complete month. A
    value of null is below the k-threshold (or the month's privacy budget is spent:
    ``refusal`` says so)."""
    months = transparency_figures(
        db, now=runtime.clock.now(), policy=ReleasePolicy.from_settings(runtime.settings)
    )
    return TransparencyOut(
        months=[
            MonthFiguresOut(
                month=m.month,
                requests_answered=m.requests_answered,
                median_days_to_answer=m.median_days_to_answer,
                posts_aggregate_only=m.posts_aggregate_only,
                posts_stored=m.posts_stored,
                refusal=m.refusal,
                guarantee=None if m.release is None else m.release.guarantee(),
            )
            for m in months
        ]
    )

"""Anonymous figures over the API — every one released by ``sphere.analytics`` (noise,
k-threshold, privacy budget) with its guarantee beside it.

``GET /api/v1/transparency`` (public): the transparency page's monthly figures.
``GET /api/v1/listening?days=28`` (marketer, DPO, admin): the social-listening report.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from sphere.analytics.listening import WINDOWS, listening_report
from sphere.analytics.release import ReleasePolicy
from sphere.portal.figures import transparency_figures
from sphere.web.api.marketing import Planner
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


class DayCountOut(BaseModel):
    day: str
    posts: int


class ListeningOut(BaseModel):
    since: str
    until: str
    volume: list[DayCountOut]
    share_of_voice: dict[str, int]
    channels: dict[str, int]
    products: dict[str, int]
    sentiment: dict[str, int]
    refusal: str | None
    guarantee: dict[str, Any] | None


@router.get("/listening")
def get_listening(
    db: DbSession,
    runtime: Runtime,
    _who: Planner,
    days: Annotated[int, Query(description=f"one of {WINDOWS}")] = 28,
) -> ListeningOut:
    """Social listening over the last ``days`` days, released with noise and a
    k-threshold (absent keys are below the threshold); ``refusal`` when the month's
    privacy budget is spent."""
    days = days if days in WINDOWS else 28
    report = listening_report(
        db, days=days, now=runtime.clock.now(), policy=ReleasePolicy.from_settings(runtime.settings)
    )
    return ListeningOut(
        since=report.since.isoformat(),
        until=report.until.isoformat(),
        volume=[DayCountOut(day=d, posts=n) for d, n in report.volume],
        share_of_voice=report.share_of_voice,
        channels=report.channels,
        products=report.products,
        sentiment=report.sentiment,
        refusal=report.refusal,
        guarantee=None if report.release is None else report.release.guarantee(),
    )

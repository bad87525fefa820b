"""The catalogue of technical and organisational measures (GDPR Art. 32) and the
completeness of the record of processing (Art. 30(1)(a)-(g)) as JSON. The cockpit's
roles read; the DPO and the admin declare, change and review a declared measure.
A refused field: 422 naming it, nothing saved; every change is audited."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from sphere.accounts import Principal, Role
from sphere.cockpit.record_check import check_record
from sphere.governance.toms import (
    MeasureDraft,
    declare_measure,
    measure_dict,
    review_measure,
    update_measure,
)
from sphere.web._cockpit_service import actor_of, record_only, tom_catalogue
from sphere.web.deps import CsrfProtected, CurrentDpo, DbSession, Runtime, require_roles

router = APIRouter(tags=["security measures"])
Editor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
Key = Annotated[str, Path(min_length=3, max_length=80, pattern=r"^[a-z0-9-]+$")]


class MeasureIn(BaseModel):
    title: str = Field(max_length=200)
    kind: str = Field(max_length=40, description="technical or organisational")
    goal: str = Field(
        max_length=40,
        description="pseudonymisation_encryption, confidentiality, integrity, availability, "
        "resilience, testing, minimisation",
    )
    owner: str = Field(max_length=200, description="who is responsible (a function or team)")
    review_due: date | None = Field(None, description="the next review (Art. 32(1)(d))")
    description: str = Field("", max_length=4000)
    key: str = Field("", max_length=80, description="short name; default: from the title")


class ReviewIn(BaseModel):
    next_review: date | None = Field(None, description="the review after this one")


def _at(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=UTC) if day else None


def _draft(body: MeasureIn) -> MeasureDraft:
    values = body.model_dump()
    values["review_due"] = _at(body.review_due)
    return MeasureDraft(**values)


@router.get("/toms")
def get_toms(db: DbSession, runtime: Runtime, _who: CurrentDpo) -> dict[str, Any]:
    """Every measure: those Sphere implements, evidenced now, and the declared ones."""
    return tom_catalogue(db, runtime).to_dict()


@router.post("/toms", status_code=201, dependencies=[CsrfProtected])
def post_tom(body: MeasureIn, db: DbSession, runtime: Runtime, who: Editor) -> dict[str, Any]:
    now = runtime.clock.now()
    return measure_dict(declare_measure(db, _draft(body), actor=actor_of(who), at=now), now=now)


@router.put("/toms/{key}", dependencies=[CsrfProtected])
def put_tom(
    key: Key, body: MeasureIn, db: DbSession, runtime: Runtime, who: Editor
) -> dict[str, Any]:
    now = runtime.clock.now()
    measure = update_measure(db, key, _draft(body), actor=actor_of(who), at=now)
    return measure_dict(measure, now=now)


@router.post("/toms/{key}/review", dependencies=[CsrfProtected])
def post_review(
    key: Key, body: ReviewIn, db: DbSession, runtime: Runtime, who: Editor
) -> dict[str, Any]:
    now = runtime.clock.now()
    measure = review_measure(
        db, key, next_review=_at(body.next_review), actor=actor_of(who), at=now
    )
    return measure_dict(measure, now=now)


@router.get("/record/check")
def get_record_check(db: DbSession, runtime: Runtime, _who: CurrentDpo) -> dict[str, Any]:
    """Each field of Art. 30(1)(a)-(g) missing, per activity (empty: complete)."""
    gaps = check_record(record_only(db, runtime))
    return {"complete": not gaps, "missing": [g.to_dict() for g in gaps]}

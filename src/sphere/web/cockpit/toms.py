"""Cockpit pages of the technical and organisational measures (GDPR Art. 32): the
catalogue by goal of Art. 32(1) — the measures Sphere implements with their evidence,
checked on every view, and the declared ones with owner and review date — the form to
declare one, and a declared measure's page to change it or record its review. The
auditor sees everything and no forms. A refused field shows the form again with the
field marked and what was typed kept; nothing of it is saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal, Role
from sphere.governance.breach import BreachInputError
from sphere.governance.toms import (
    GOALS,
    KINDS,
    MeasureDraft,
    declare_measure,
    get_declared,
    review_measure,
    update_measure,
)
from sphere.web._cockpit_service import actor_of, tom_catalogue
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentDpo, DbSession, Runtime, require_roles
from sphere.web.runtime import WebRuntime

router = APIRouter(prefix="/cockpit", include_in_schema=False)
Editor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
Key = Annotated[str, Path(min_length=3, max_length=80, pattern=r"^[a-z0-9-]+$")]
Line = Annotated[str, Form(max_length=200)]
Code = Annotated[str, Form(max_length=40)]
Text = Annotated[str, Form(max_length=4000)]
Day = Annotated[str, Form(max_length=20)]


def _day(field: str, value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(value.strip()), time(0), tzinfo=UTC)
    except ValueError:
        raise BreachInputError(field, "not a date") from None


def _page(request: Request, runtime: WebRuntime, principal: Principal, db: Session,
          csrf_token: str, *, values: dict[str, Any] | None = None,
          error: BreachInputError | None = None) -> Response:  # fmt: skip
    catalogue = tom_catalogue(db, runtime)
    return render(
        request, runtime, "toms.html", principal=principal, csrf_token=csrf_token,
        active="security measures", catalogue=catalogue, goals=GOALS, kinds=KINDS,
        values=values or {"kind": "organisational"}, error=error,
        status_code=422 if error is not None else 200,
    )  # fmt: skip


@router.get("/toms")
def toms_page(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    return _page(request, runtime, dpo, db, csrf_token)


def _draft(runtime: WebRuntime, values: dict[str, Any]) -> MeasureDraft:
    return MeasureDraft(
        title=values["title"], kind=values["kind"], goal=values["goal"], owner=values["owner"],
        review_due=_day("review_due", values["review_due"]), description=values["description"],
    )  # fmt: skip


def _done(code: str, key: str, anchor: str = "") -> Response:
    query = urlencode({"done": code, "name": key})
    return RedirectResponse(f"/cockpit/toms?{query}{anchor}", status_code=303)


@router.post("/toms", dependencies=[CsrfProtected])
def declare(
    request: Request, runtime: Runtime, dpo: Editor, db: DbSession, csrf_token: CsrfToken,
    title: Line = "", kind: Code = "", goal: Code = "", owner: Line = "",
    review_due: Day = "", description: Text = "",
) -> Response:  # fmt: skip
    """Declare a measure; a refused field shows the form again with the field marked."""
    values = {"title": title, "kind": kind, "goal": goal, "owner": owner,
              "review_due": review_due, "description": description}  # fmt: skip
    try:
        measure = declare_measure(db, _draft(runtime, values), actor=actor_of(dpo),
                                  at=runtime.clock.now())  # fmt: skip
    except BreachInputError as error:
        db.rollback()
        return _page(request, runtime, dpo, db, csrf_token, values=values, error=error)
    return _done("tom-declared", measure.key, f"#{measure.key}")


def _edit(request: Request, runtime: WebRuntime, principal: Principal, db: Session,
          csrf_token: str, key: str, *, values: dict[str, Any] | None = None,
          error: BreachInputError | None = None) -> Response:  # fmt: skip
    measure = get_declared(db, key)
    if values is None:
        values = {"title": measure.title, "kind": measure.kind, "goal": measure.goal,
                  "owner": measure.owner, "description": measure.description,
                  "review_due": measure.review_due.date().isoformat()}  # fmt: skip
    return render(
        request, runtime, "tom_edit.html", principal=principal, csrf_token=csrf_token,
        active="security measures", measure=measure, goals=GOALS, kinds=KINDS,
        values=values, error=error, today=runtime.clock.now().date(),
        status_code=422 if error is not None else 200,
    )  # fmt: skip


@router.get("/toms/{key}")
def measure_page(
    key: Key, request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession,
    csrf_token: CsrfToken,
) -> Response:  # fmt: skip
    return _edit(request, runtime, dpo, db, csrf_token, key)


@router.post("/toms/{key}", dependencies=[CsrfProtected])
def change(
    key: Key, request: Request, runtime: Runtime, dpo: Editor, db: DbSession,
    csrf_token: CsrfToken, title: Line = "", kind: Code = "", goal: Code = "",
    owner: Line = "", review_due: Day = "", description: Text = "",
) -> Response:  # fmt: skip
    values = {"title": title, "kind": kind, "goal": goal, "owner": owner,
              "review_due": review_due, "description": description}  # fmt: skip
    try:
        update_measure(db, key, _draft(runtime, values), actor=actor_of(dpo),
                       at=runtime.clock.now())  # fmt: skip
    except BreachInputError as error:
        db.rollback()
        return _edit(request, runtime, dpo, db, csrf_token, key, values=values, error=error)
    return _done("tom-updated", key, f"#{key}")


@router.post("/toms/{key}/review", dependencies=[CsrfProtected])
def review(
    key: Key, request: Request, runtime: Runtime, dpo: Editor, db: DbSession,
    csrf_token: CsrfToken, next_review: Day = "",
) -> Response:  # fmt: skip
    """Record today's review and the date of the next one (Art. 32(1)(d))."""
    try:
        review_measure(db, key, next_review=_day("next_review", next_review),
                       actor=actor_of(dpo), at=runtime.clock.now())  # fmt: skip
    except BreachInputError as error:
        db.rollback()
        return _edit(request, runtime, dpo, db, csrf_token, key,
                     values={"next_review": next_review}, error=error)  # fmt: skip
    return _done("tom-reviewed", key, f"#{key}")

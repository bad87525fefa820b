"""Cockpit pages of the DPIA register (GDPR Art. 35, 36): the list (every purpose's state
and every DPIA), a DPIA's page — the WP248 criteria with their evidence, description,
risk register, the DPO's opinion, the prior consultation and the sign-off, any version —
and the form that edits the description and the risk register. The DPO gives the
opinion, the admin (the controller) signs off; the auditor sees everything and no form.
A refused step shows the page again with the field marked; nothing of it is saved."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal, Role
from sphere.domain.dpia import Criterion, Level, Risk, residual_high
from sphere.governance.dpia import (
    MAX_RISKS,
    OPINION_ROLES,
    SIGN_OFF_ROLES,
    DpiaChanges,
    DpiaInputError,
    change_dpia,
    criteria_of,
    dpia_status,
    get_dpia,
    list_dpias,
    open_dpia,
    record_consultation,
    record_opinion,
    review_overdue,
    sign_off,
)
from sphere.governance.dpia_criteria import assess_criteria
from sphere.governance.dpia_view import missing_for_sign_off
from sphere.governance.policy_versions import active_policy
from sphere.i18n.message import render
from sphere.storage.repositories.dpia_facts import measure_names
from sphere.web._cockpit_service import actor_of
from sphere.web.cockpit.pages import render as render_page
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentDpo, DbSession, Runtime, require_roles
from sphere.web.i18n import request_translator
from sphere.web.runtime import WebRuntime

router = APIRouter(prefix="/cockpit", include_in_schema=False)
Editor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
DpiaRef = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
Text = Annotated[str, Form(max_length=8000)]
BLANK_ROWS = 2  # empty rows the edit form offers for new risks


def _back(ref: str, done: str) -> Response:
    return RedirectResponse(f"/cockpit/dpia/{ref}?{urlencode({'done': done})}", status_code=303)


def _day(field: str, value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise DpiaInputError(field, "not a date") from None


@router.get("/dpia")
def dpia_list(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    return _list(request, runtime, dpo, db, csrf_token)


def _list(request: Request, runtime: WebRuntime, dpo: Principal, db: Any, csrf_token: str, *,
          error: DpiaInputError | None = None,
          values: dict[str, str] | None = None) -> Response:  # fmt: skip
    if error is not None:
        db.rollback()
    today = runtime.clock.now().date()
    policy = active_policy(db)
    return render_page(
        request, runtime, "dpias.html", principal=dpo, csrf_token=csrf_token, active="dpias",
        purposes=dpia_status(db, policy, today=today), dpias=list_dpias(db), today=today,
        overdue={d.reference for d in list_dpias(db) if review_overdue(d, today)},
        declared=[p.value for p in policy.purposes], measures=measure_names(db),
        error=error, values=values or {}, status_code=422 if error is not None else 200,
    )  # fmt: skip


@router.post("/dpia", dependencies=[CsrfProtected])
def create(
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    purpose: Annotated[str, Form(max_length=40)] = "",
    measure: Annotated[str, Form(max_length=200)] = "",
    title: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    try:
        dpia = open_dpia(db, active_policy(db), purpose, measure=measure or None,
                         title=title, actor=actor_of(dpo), role=dpo.role.value,
                         at=runtime.clock.now())  # fmt: skip
    except DpiaInputError as error:
        values = {"purpose": purpose, "measure": measure, "title": title}
        return _list(request, runtime, dpo, db, csrf_token, error=error, values=values)
    return RedirectResponse(f"/cockpit/dpia/{dpia.reference}/edit?done=dpia-opened",
                            status_code=303)  # fmt: skip


@router.get("/dpia/{ref}")
def dpia_page(
    ref: DpiaRef,
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> Response:
    return _detail(ref, request, runtime, dpo, db, csrf_token, version=version)


def _detail(ref: str, request: Request, runtime: WebRuntime, dpo: Principal, db: Any,
            csrf_token: str, *, version: int | None = None,
            error: DpiaInputError | None = None,
            values: dict[str, str] | None = None) -> Response:  # fmt: skip
    if error is not None:
        db.rollback()
    dpia = get_dpia(db, ref)
    shown = dpia.version(version) if version is not None else dpia.current
    policy = active_policy(db)
    tr = request_translator(request)
    criteria = [(c, [render(tr, e) for e in c.evidence])
                for c in criteria_of(db, policy, dpia, shown)]  # fmt: skip
    since: list[Criterion] = []  # criteria the data shows now that did not hold at sign-off
    if shown.signed_off and shown.criteria:
        frozen = {c.criterion for c in shown.criteria if c.met}
        since = [c.criterion for c in assess_criteria(db, policy, dpia.purpose,
                 measure=dpia.measure, declared=shown.declared)
                 if c.met and c.criterion not in frozen]  # fmt: skip
    today = runtime.clock.now().date()
    return render_page(
        request, runtime, "dpia.html", principal=dpo, csrf_token=csrf_token, active="dpias",
        dpia=dpia, shown=shown, criteria=criteria, since=since,
        met=sum(1 for c, _ in criteria if c.met), missing=missing_for_sign_off(shown),
        consultation_required=residual_high(shown.risks),
        overdue=review_overdue(dpia, today) and dpia.approved is shown,
        may_opine=dpo.role.value in OPINION_ROLES, may_sign=dpo.role.value in SIGN_OFF_ROLES,
        error=error, values=values or {}, status_code=422 if error is not None else 200,
    )  # fmt: skip


@router.get("/dpia/{ref}/edit")
def edit_page(
    ref: DpiaRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    return _edit(ref, request, runtime, dpo, db, csrf_token)


def _rows_of(risks: tuple[Risk, ...]) -> list[dict[str, str]]:
    return [{"risk": r.risk, "likelihood": str(r.likelihood), "severity": str(r.severity),
             "measures": r.measures, "residual_likelihood": str(r.residual_likelihood),
             "residual_severity": str(r.residual_severity)} for r in risks]  # fmt: skip


def _edit(ref: str, request: Request, runtime: WebRuntime, dpo: Principal, db: Any,
          csrf_token: str, *, error: DpiaInputError | None = None,
          values: dict[str, Any] | None = None) -> Response:  # fmt: skip
    if error is not None:
        db.rollback()
    dpia = get_dpia(db, ref)
    current = dpia.current
    if values is None:
        values = {"title": dpia.title, "description": current.description,
                  "necessity": current.necessity,
                  "assessed_on": current.assessed_on.isoformat() if current.assessed_on else "",
                  "review_on": current.review_on.isoformat() if current.review_on else "",
                  "declared": dict(current.declared), "rows": _rows_of(current.risks)}  # fmt: skip
    blank = {"risk": "", "likelihood": "", "severity": "", "measures": "",
             "residual_likelihood": "", "residual_severity": ""}  # fmt: skip
    rows = [*values["rows"], *([blank] * BLANK_ROWS)][:MAX_RISKS]
    return render_page(
        request, runtime, "dpia_edit.html", principal=dpo, csrf_token=csrf_token,
        active="dpias", dpia=dpia, values=values, rows=rows, levels=[int(v) for v in Level],
        criteria=[c.value for c in Criterion], error=error,
        status_code=422 if error is not None else 200,
    )  # fmt: skip


def _risks_from(form: FormData) -> tuple[list[dict[str, str]], list[Risk]]:
    """The register's rows as typed (kept for a refused form) and as risks (rows left
    empty are dropped, rows ticked "remove" too)."""
    typed: list[dict[str, str]] = []
    risks: list[Risk] = []
    names = ("risk", "likelihood", "severity", "measures", "residual_likelihood",
             "residual_severity")  # fmt: skip
    for n in range(1, MAX_RISKS + BLANK_ROWS + 1):
        row = {name: str(form.get(f"risk-{n}-{name}", ""))[:8000] for name in names}
        if not any(row[name].strip() for name in names) or form.get(f"risk-{n}-remove"):
            continue
        typed.append(row)
        where = f"risks[{len(typed)}]"
        levels = []
        for name in names[1:3] + names[4:]:
            try:
                levels.append(int(row[name]))
            except ValueError:
                raise DpiaInputError(f"{where}.{name}", "choose a level from 1 to 4") from None
        risks.append(Risk(row["risk"], levels[0], levels[1], row["measures"], levels[2],
                          levels[3]))  # fmt: skip
    return typed, risks


@router.post("/dpia/{ref}/edit", dependencies=[CsrfProtected])
async def save_edit(
    ref: DpiaRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    form = await request.form(max_fields=600, max_files=0)
    fields = ("title", "description", "necessity", "assessed_on", "review_on")
    text = {name: str(form.get(name, ""))[:8000] for name in fields}
    declared = {c.value: str(form.get(f"declared-{c.value}", ""))[:500] for c in Criterion}
    values: dict[str, Any] = {**text, "declared": declared, "rows": []}
    try:
        values["rows"], risks = _risks_from(form)
        changes = DpiaChanges(
            title=text["title"], description=text["description"], necessity=text["necessity"],
            risks=risks, declared=declared, assessed_on=_day("assessed_on", text["assessed_on"]),
            review_on=_day("review_on", text["review_on"]),
        )  # fmt: skip
        change_dpia(db, ref, changes, actor=actor_of(dpo), role=dpo.role.value,
                    at=runtime.clock.now())  # fmt: skip
    except DpiaInputError as error:
        return _edit(ref, request, runtime, dpo, db, csrf_token, error=error, values=values)
    return _back(ref, "dpia-changed")


@router.post("/dpia/{ref}/opinion", dependencies=[CsrfProtected])
def opinion(
    ref: DpiaRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    dpo_opinion: Text = "",
) -> Response:
    try:
        record_opinion(db, ref, dpo_opinion, actor=actor_of(dpo), role=dpo.role.value,
                       at=runtime.clock.now())  # fmt: skip
    except DpiaInputError as error:
        return _detail(ref, request, runtime, dpo, db, csrf_token, error=error,
                       values={"dpo_opinion": dpo_opinion})  # fmt: skip
    return _back(ref, "dpia-opinion")


@router.post("/dpia/{ref}/consultation", dependencies=[CsrfProtected])
def consultation(
    ref: DpiaRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    consultation_on: Annotated[str, Form(max_length=20)] = "",
    consultation_reference: Annotated[str, Form(max_length=100)] = "",
    consultation_outcome: Text = "",
) -> Response:
    values = {"consultation_on": consultation_on, "consultation_reference":
              consultation_reference, "consultation_outcome": consultation_outcome}  # fmt: skip
    try:
        record_consultation(db, ref, consulted_on=_day("consultation_on", consultation_on),
                            reference=consultation_reference, outcome=consultation_outcome,
                            actor=actor_of(dpo), role=dpo.role.value,
                            at=runtime.clock.now())  # fmt: skip
    except DpiaInputError as error:
        return _detail(ref, request, runtime, dpo, db, csrf_token, error=error, values=values)
    return _back(ref, "dpia-consultation")


@router.post("/dpia/{ref}/sign-off", dependencies=[CsrfProtected])
def sign(
    ref: DpiaRef,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    confirm: Annotated[str, Form(max_length=3)] = "",
) -> Response:
    try:
        if confirm != "yes":
            raise DpiaInputError("confirm", "tick the box to sign off")
        sign_off(db, active_policy(db), ref, actor=actor_of(dpo), role=dpo.role.value,
                 at=runtime.clock.now())  # fmt: skip
    except DpiaInputError as error:
        return _detail(ref, request, runtime, dpo, db, csrf_token, error=error)
    return _back(ref, "dpia-signed-off")

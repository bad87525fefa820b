"""The recipients register in the cockpit (GDPR Art. 28, 30(1)(d)-(e), 44-49): every
recipient, processor and sub-processor with its agreement, location and the safeguard of
a transfer; the DPO and the admin add, change and retire one here (the auditor and the
other roles read). A refused field shows the form again with the field marked and
nothing saved (rolled back)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal, Role
from sphere.domain import DataCategory, Purpose
from sphere.governance.breach import BreachInputError as FieldError
from sphere.governance.recipients import (
    MECHANISMS,
    ROLES,
    RecipientDraft,
    add_recipient,
    get_recipient,
    is_transfer,
    list_recipients,
    retire_recipient,
    update_recipient,
)
from sphere.web._cockpit_service import actor_of
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentDpo, DbSession, Runtime, require_roles
from sphere.web.runtime import WebRuntime

router = APIRouter(prefix="/cockpit", include_in_schema=False)
EDITORS = (Role.DPO, Role.ADMIN)
Editor = Annotated[Principal, Depends(require_roles(*EDITORS))]
RecipientId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]
Line = Annotated[str, Form(max_length=200)]
Code = Annotated[str, Form(max_length=40)]
Text = Annotated[str, Form(max_length=4000)]
Many = Annotated[list[str], Form(max_length=100)]
FIELDS = ("name", "role", "country", "location", "processor_of", "agreement_date",
          "agreement_scope", "transfer_mechanism", "scc_module", "tia_date",
          "tia_summary")  # fmt: skip


@router.get("/recipients")
def recipients_page(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    everyone = list_recipients(db, active_only=False)
    rows = [(r, is_transfer(r.country)) for r in everyone if r.retired_at is None]
    retired = [r for r in everyone if r.retired_at is not None]
    return render(request, runtime, "recipients.html", principal=dpo, csrf_token=csrf_token,
                  active="recipients", rows=rows, retired=retired,
                  can_edit=dpo.role in EDITORS)  # fmt: skip


def _day(field: str, value: str) -> datetime | None:
    if not value.strip():
        return None
    try:
        return datetime.combine(date.fromisoformat(value.strip()), time(0), tzinfo=UTC)
    except ValueError:
        raise FieldError(field, "a date such as 2026-03-01") from None


def _module(value: str) -> int | None:
    if not value.strip():
        return None
    if not value.strip().isdigit():
        raise FieldError("scc_module", "module 1, 2, 3 or 4")
    return int(value)


def _form(request: Request, runtime: WebRuntime, principal: Principal, csrf_token: str,
          db: Any, *, values: dict[str, Any], recipient_id: str | None,
          error: FieldError | None) -> Response:  # fmt: skip
    processors = [r.name for r in list_recipients(db) if r.role == "processor"
                  and (recipient_id is None or r.id != recipient_id)]  # fmt: skip
    return render(
        request, runtime, "recipient_form.html", principal=principal, csrf_token=csrf_token,
        active="recipients", values=values, error=error, recipient_id=recipient_id,
        roles=ROLES, mechanisms=MECHANISMS, processors=processors,
        purposes=[p.value for p in Purpose], categories=[c.value for c in DataCategory],
        status_code=422 if error is not None else 200,
    )  # fmt: skip


def _values_of(recipient_id: str, db: Any) -> dict[str, Any]:
    r = get_recipient(db, recipient_id)
    values: dict[str, Any] = {name: getattr(r, name) for name in FIELDS}
    for name in ("agreement_date", "tia_date"):
        values[name] = values[name].date().isoformat() if values[name] else ""
    values["scc_module"] = str(r.scc_module or "")
    values["purposes"], values["data_categories"] = list(r.purposes), list(r.data_categories)
    return values


@router.get("/recipients/new")
def new_recipient(
    request: Request, runtime: Runtime, dpo: Editor, db: DbSession, csrf_token: CsrfToken
) -> Response:
    return _form(request, runtime, dpo, csrf_token, db, values={"role": "processor"},
                 recipient_id=None, error=None)  # fmt: skip


@router.get("/recipients/{recipient_id}/edit")
def edit_recipient(
    recipient_id: RecipientId,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    values = _values_of(recipient_id, db)
    return _form(request, runtime, dpo, csrf_token, db, values=values,
                 recipient_id=recipient_id, error=None)  # fmt: skip


def _save(request: Request, runtime: WebRuntime, dpo: Principal, db: Any, csrf_token: str,
          recipient_id: str | None, values: dict[str, Any]) -> Response:  # fmt: skip
    try:
        draft = RecipientDraft(
            name=values["name"], role=values["role"], country=values["country"],
            location=values["location"], purposes=tuple(values["purposes"]),
            data_categories=tuple(values["data_categories"]),
            processor_of=values["processor_of"] or None,
            agreement_date=_day("agreement_date", values["agreement_date"]),
            agreement_scope=values["agreement_scope"],
            transfer_mechanism=values["transfer_mechanism"] or None,
            scc_module=_module(values["scc_module"]),
            tia_date=_day("tia_date", values["tia_date"]), tia_summary=values["tia_summary"],
        )  # fmt: skip
        at, actor = runtime.clock.now(), actor_of(dpo)
        if recipient_id is None:
            saved = add_recipient(db, draft, actor=actor, at=at)
        else:
            saved = update_recipient(db, recipient_id, draft, actor=actor, at=at)
    except FieldError as error:
        db.rollback()
        return _form(request, runtime, dpo, csrf_token, db, values=values,
                     recipient_id=recipient_id, error=error)  # fmt: skip
    query = urlencode({"done": "recipient-saved", "name": saved.name})
    return RedirectResponse(f"/cockpit/recipients?{query}", status_code=303)


@router.post("/recipients", dependencies=[CsrfProtected])
def create_recipient(
    request: Request, runtime: Runtime, dpo: Editor, db: DbSession, csrf_token: CsrfToken,
    name: Line = "", role: Code = "", country: Code = "", location: Line = "",
    processor_of: Line = "", agreement_date: Code = "", agreement_scope: Text = "",
    transfer_mechanism: Code = "", scc_module: Code = "", tia_date: Code = "",
    tia_summary: Text = "",
    purposes: Many = [],  # noqa: B006 - FastAPI copies form defaults
    data_categories: Many = [],  # noqa: B006
) -> Response:  # fmt: skip
    given = dict(locals())
    values = {k: given[k] for k in FIELDS}
    values.update(purposes=purposes, data_categories=data_categories)
    return _save(request, runtime, dpo, db, csrf_token, None, values)


@router.post("/recipients/{recipient_id}", dependencies=[CsrfProtected])
def change_recipient(
    recipient_id: RecipientId,
    request: Request, runtime: Runtime, dpo: Editor, db: DbSession, csrf_token: CsrfToken,
    name: Line = "", role: Code = "", country: Code = "", location: Line = "",
    processor_of: Line = "", agreement_date: Code = "", agreement_scope: Text = "",
    transfer_mechanism: Code = "", scc_module: Code = "", tia_date: Code = "",
    tia_summary: Text = "",
    purposes: Many = [],  # noqa: B006
    data_categories: Many = [],  # noqa: B006
) -> Response:  # fmt: skip
    given = dict(locals())
    values = {k: given[k] for k in FIELDS}
    values.update(purposes=purposes, data_categories=data_categories)
    return _save(request, runtime, dpo, db, csrf_token, recipient_id, values)


@router.post("/recipients/{recipient_id}/retire", dependencies=[CsrfProtected])
def retire(
    recipient_id: RecipientId,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    try:
        retired = retire_recipient(db, recipient_id, actor=actor_of(dpo), at=runtime.clock.now())
    except FieldError as error:
        db.rollback()
        values = _values_of(recipient_id, db)
        return _form(request, runtime, dpo, csrf_token, db, values=values,
                     recipient_id=recipient_id, error=error)  # fmt: skip
    query = urlencode({"done": "recipient-retired", "name": retired.name})
    return RedirectResponse(f"/cockpit/recipients?{query}", status_code=303)

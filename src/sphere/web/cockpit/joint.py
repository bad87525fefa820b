"""Joint controllership in the cockpit (GDPR Art. 26): per registered source the
arrangement with the platform (date, who answers which right, contact point, the essence
people see in the portal and on the transparency page) or why none is needed; a platform
with page statistics and none recorded is marked missing. The DPO and the admin record
one; the other roles read."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal, Role
from sphere.errors import NotFound
from sphere.governance.breach import BreachInputError as FieldError
from sphere.governance.joint import (
    PARTIES,
    RIGHT_ARTICLE,
    RIGHTS,
    ArrangementDraft,
    joint_overview,
    save_arrangement,
)
from sphere.web._cockpit_service import actor_of
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentDpo, DbSession, Runtime, require_roles
from sphere.web.runtime import WebRuntime

router = APIRouter(prefix="/cockpit", include_in_schema=False)
EDITORS = (Role.DPO, Role.ADMIN)
Editor = Annotated[Principal, Depends(require_roles(*EDITORS))]
SourceName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Line = Annotated[str, Form(max_length=500)]
Code = Annotated[str, Form(max_length=40)]
Text = Annotated[str, Form(max_length=4000)]


@router.get("/joint-controllers")
def joint_page(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    return render(request, runtime, "joint.html", principal=dpo, csrf_token=csrf_token,
                  active="joint controllers", rows=joint_overview(db), rights=RIGHTS,
                  right_article=RIGHT_ARTICLE, can_edit=dpo.role in EDITORS)  # fmt: skip


def _status(db: Any, source: str) -> Any:
    for status in joint_overview(db):
        if status.source == source:
            return status
    raise NotFound(f"no registered source {source}")


def _form(request: Request, runtime: WebRuntime, principal: Principal, csrf_token: str,
          source: str, channel: str, *, values: dict[str, Any],
          error: FieldError | None) -> Response:  # fmt: skip
    return render(
        request, runtime, "joint_form.html", principal=principal, csrf_token=csrf_token,
        active="joint controllers", source=source, channel=channel, values=values, error=error,
        rights=RIGHTS, parties=PARTIES, right_article=RIGHT_ARTICLE,
        status_code=422 if error is not None else 200,
    )  # fmt: skip


@router.get("/joint-controllers/{source}/edit")
def edit_joint(
    source: SourceName,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    status = _status(db, source)
    found = status.arrangement
    if found is None:
        values: dict[str, Any] = {"needed": status.state == "missing" or bool(status.platform),
                                  "platform": status.platform, "rights": {}}  # fmt: skip
    else:
        values = {"needed": found.needed, "platform": found.platform, "title": found.title,
                  "agreed_on": found.agreed_on.date().isoformat() if found.agreed_on else "",
                  "url": found.url, "contact_point": found.contact_point,
                  "rights": found.rights, "essence_en": found.essence_en,
                  "essence_de": found.essence_de}  # fmt: skip
    return _form(request, runtime, dpo, csrf_token, source, status.channel, values=values,
                 error=None)  # fmt: skip


@router.post("/joint-controllers/{source}", dependencies=[CsrfProtected])
def save_joint(
    source: SourceName,
    request: Request,
    runtime: Runtime,
    dpo: Editor,
    db: DbSession,
    csrf_token: CsrfToken,
    needed: Code = "yes",
    platform: Line = "",
    title: Line = "",
    agreed_on: Code = "",
    url: Line = "",
    contact_point: Line = "",
    essence_en: Text = "",
    essence_de: Text = "",
    right_information: Code = "",
    right_access: Code = "",
    right_rectification: Code = "",
    right_erasure: Code = "",
    right_restriction: Code = "",
    right_portability: Code = "",
    right_objection: Code = "",
) -> Response:
    given = dict(locals())
    rights = {r: given[f"right_{r}"] for r in RIGHTS}
    values = {"needed": needed != "no", "platform": platform, "title": title,
              "agreed_on": agreed_on, "url": url, "contact_point": contact_point,
              "rights": rights, "essence_en": essence_en, "essence_de": essence_de}  # fmt: skip
    channel = _status(db, source).channel
    try:
        day = None
        if agreed_on.strip():
            try:
                day = datetime.combine(date.fromisoformat(agreed_on.strip()), time(0), tzinfo=UTC)
            except ValueError:
                raise FieldError("agreed_on", "a date such as 2025-06-02") from None
        draft = ArrangementDraft(
            source=source, needed=needed != "no", platform=platform, title=title,
            agreed_on=day, url=url, contact_point=contact_point, rights=rights,
            essence_en=essence_en, essence_de=essence_de,
        )  # fmt: skip
        save_arrangement(db, draft, actor=actor_of(dpo), at=runtime.clock.now())
    except FieldError as error:
        db.rollback()
        return _form(request, runtime, dpo, csrf_token, source, channel, values=values,
                     error=error)  # fmt: skip
    query = urlencode({"done": "arrangement-saved", "name": source})
    return RedirectResponse(f"/cockpit/joint-controllers?{query}", status_code=303)

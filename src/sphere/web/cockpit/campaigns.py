"""A campaign under an approved measure, created in the browser (issue 16, point 3).

The marketer's path was: check a measure, submit it, the DPO approves it — and then a
campaign could only be created with the CLI or the API. This form asks what a campaign
adds to its measure: a name, the message (subject and text, no merge fields: no personal
data in the offer) and the quiet hours in the recipient's local time. It calls
``marketing.campaigns.create_campaign``, which refuses a campaign whose measure is not
approved (stored as ``refused`` with its reason, shown here); a created campaign goes to
its dry run.
"""

from __future__ import annotations

import re
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal
from sphere.errors import InvalidInput, NotFound
from sphere.marketing.campaigns import create_campaign
from sphere.marketing.measures import list_measures
from sphere.web._cockpit_service import actor_of
from sphere.web.api.marketing import Planner
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, DbSession, Runtime

router = APIRouter(prefix="/cockpit/marketing", include_in_schema=False)
Short = Annotated[str, Form(max_length=200)]
Body = Annotated[str, Form(max_length=5000)]
Clock = Annotated[str, Form(max_length=5)]
HH_MM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
DEFAULT_QUIET = ("20:00", "08:00")


def _page(
    request: Request,
    runtime: Runtime,
    who: Principal,
    db: DbSession,
    csrf_token: str,
    *,
    form: dict[str, str],
    error: str | None = None,
    refusal: dict[str, Any] | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        runtime,
        "campaign_new.html",
        principal=who,
        csrf_token=csrf_token,
        active="campaign dry run",
        status_code=status_code,
        measures=[m.name for m in list_measures(db, state="approved")],
        form=form,
        error=error,
        refusal=refusal,
    )


@router.get("/campaigns/new")
def campaign_form(
    request: Request,
    runtime: Runtime,
    who: Planner,
    db: DbSession,
    csrf_token: CsrfToken,
    measure: Annotated[str, Query(max_length=200)] = "",
) -> Response:
    """The form; ``?measure=NAME`` preselects an approved measure."""
    form = {"name": "", "measure": measure, "subject": "", "body": "",
            "quiet_start": DEFAULT_QUIET[0], "quiet_end": DEFAULT_QUIET[1]}  # fmt: skip
    return _page(request, runtime, who, db, csrf_token, form=form)


@router.post("/campaigns", dependencies=[CsrfProtected])
def campaign_create(
    request: Request,
    runtime: Runtime,
    who: Planner,
    db: DbSession,
    csrf_token: CsrfToken,
    name: Short,
    measure: Short,
    body: Body,
    subject: Short = "",
    quiet_start: Clock = DEFAULT_QUIET[0],
    quiet_end: Clock = DEFAULT_QUIET[1],
) -> Response:
    """Creates the campaign and opens its dry run; a refused one is shown with its reason."""
    form = {"name": name, "measure": measure, "subject": subject, "body": body,
            "quiet_start": quiet_start, "quiet_end": quiet_end}  # fmt: skip
    if not (HH_MM.match(quiet_start) and HH_MM.match(quiet_end)):
        error = "campaign.quiet_hours: times as HH:MM"
        return _page(request, runtime, who, db, csrf_token, form=form, error=error,
                     status_code=422)  # fmt: skip
    data = {
        "name": name,
        "measure": measure,
        "offer": {"subject": subject, "body": body},
        "quiet_hours": {"start": quiet_start, "end": quiet_end},
    }
    try:
        record = create_campaign(db, data, actor=actor_of(who), now=runtime.clock.now())
    except (InvalidInput, NotFound) as exc:
        return _page(request, runtime, who, db, csrf_token, form=form, error=str(exc),
                     status_code=422)  # fmt: skip
    if record.state == "refused":
        return _page(request, runtime, who, db, csrf_token, form=form,
                     refusal=dict(record.refusal), status_code=422)  # fmt: skip
    query = urlencode({"campaign": record.name, "done": "campaign-created", "name": record.name})
    return RedirectResponse(f"/cockpit/marketing/dry-run?{query}", status_code=303)

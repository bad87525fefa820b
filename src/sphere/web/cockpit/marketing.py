"""Staff views for marketers: the planning check of a measure against the stored data and
the dry run of a campaign.

Roles: ``marketer``, ``dpo`` and ``admin``. The planning check stores nothing; a dry run
records its audience and an audit entry (that is what makes a later send checkable), so
it is a POST with a CSRF token. Pages show verdicts, legal bases, consent counts, reasons
and contact public ids — never names or addresses. Mistakes in the form are shown on the
form (422), not as an error page.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from sphere.accounts import Principal
from sphere.domain import Addressing, Collection, DataCategory, Purpose, Visibility
from sphere.errors import InvalidInput, NotFound
from sphere.governance.policy_versions import active_policy
from sphere.marketing.campaigns import list_campaigns, runnable
from sphere.marketing.channel import OutreachChannel
from sphere.marketing.dry_run import stored_report
from sphere.marketing.measures import check_stored, parse_measure, result_dict
from sphere.marketing.planning import MeasureKind
from sphere.storage.repositories.dry_runs import DryRunRepository
from sphere.storage.repositories.marketing import MarketingRepository
from sphere.web._cockpit_service import actor_of
from sphere.web._jobs import dry_run_csv_lines, raise_if_failed, start_job
from sphere.web.api.marketing import Planner
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, DbSession, Runtime

router = APIRouter(prefix="/cockpit/marketing", include_in_schema=False)
LISTS = ("reached", "not_reached")
LIST_PAGE = 100

CHOICES: dict[str, tuple[str, ...]] = {
    "kind": tuple(m.value for m in MeasureKind),
    "purpose": tuple(m.value for m in Purpose),
    "category": tuple(m.value for m in DataCategory),
    "collection": tuple(m.value for m in Collection),
    "visibility": tuple(m.value for m in Visibility),
    "addressing": tuple(m.value for m in Addressing),
    "channel": tuple(m.value for m in OutreachChannel),
}
Text = Annotated[str, Form(max_length=200)]


def _check_page(
    request: Request,
    runtime: Runtime,
    who: Principal,
    csrf_token: str,
    *,
    form: dict[str, Any],
    result: dict[str, Any] | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    return render(
        request,
        runtime,
        "marketing_check.html",
        principal=who,
        csrf_token=csrf_token,
        active="planning check",
        status_code=status_code,
        choices=CHOICES,
        form=form,
        result=result,
        error=error,
    )


DEFAULT_FORM: dict[str, Any] = {
    "name": "",
    "kind": "campaign",
    "purpose": "direct_marketing",
    "categories": ["contact_data"],
    "collection": "manual",
    "visibility": "company_direct",
    "addressing": "direct",
    "channel": "email",
    "segment": "",
}


@router.get("/check")
def check_form(request: Request, runtime: Runtime, who: Planner, csrf_token: CsrfToken) -> Response:
    return _check_page(request, runtime, who, csrf_token, form=DEFAULT_FORM)


@router.post("/check", dependencies=[CsrfProtected])
def check(
    request: Request,
    runtime: Runtime,
    who: Planner,
    db: DbSession,
    csrf_token: CsrfToken,
    name: Text,
    kind: Text,
    purpose: Text,
    channel: Text,
    collection: Text,
    visibility: Text,
    addressing: Text,
    categories: Annotated[list[str] | None, Form(max_length=20)] = None,
    segment: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    form = {
        "name": name,
        "kind": kind,
        "purpose": purpose,
        "categories": categories or [],
        "collection": collection,
        "visibility": visibility,
        "addressing": addressing,
        "channel": channel,
        "segment": segment.strip(),
    }
    measure = {
        "name": name,
        "kind": kind,
        "purpose": purpose,
        "channel": channel,
        "data_items": [
            {
                "category": c,
                "collection": collection,
                "visibility": visibility,
                "addressing": addressing,
                "label": c.replace("_", " "),
            }
            for c in categories or []
        ],
        "audience": {"segment": segment.strip()} if segment.strip() else {},
    }
    try:
        spec = parse_measure(measure)
        result = check_stored(db, runtime.keyring, active_policy(db), spec, now=runtime.clock.now())
    except (InvalidInput, NotFound) as exc:
        return _check_page(
            request, runtime, who, csrf_token, form=form, error=str(exc), status_code=422
        )
    return _check_page(request, runtime, who, csrf_token, form=form, result=result_dict(result))


def _dry_run_page(
    request: Request,
    runtime: Runtime,
    who: Principal,
    db: DbSession,
    csrf_token: str,
    *,
    error: str | None = None,
    status_code: int = 200,
    selected: str | None = None,
    show: str = "",
    code: str = "",
    after: str = "",
) -> Response:
    """The form and, for the selected campaign, its last stored dry run: a summary per
    reason, the two lists (reached, not reached) a page at a time, filtered by reason."""
    context: dict[str, Any] = {"report": None, "pages": {}, "codes": [], "next": {}}
    record = MarketingRepository(db).find_campaign(selected) if selected else None
    if record is not None and record.dry_run_at is not None:
        report = stored_report(db, record)
        repo = DryRunRepository(db)
        lists = (show,) if show in LISTS else LISTS
        for name in lists:
            page = repo.page(
                record.id,
                allowed=name == "reached",
                code=code or None,
                after=after or None,
                limit=LIST_PAGE + 1,
            )
            context["pages"][name] = page[:LIST_PAGE]
            context["next"][name] = (
                page[LIST_PAGE - 1].contact_id if len(page) > LIST_PAGE else None
            )
        context.update(
            report=report,
            codes=sorted({g.code for g in report.groups}),
            dry_run_at=record.dry_run_at,
        )
    return render(
        request,
        runtime,
        "marketing_dry_run.html",
        principal=who,
        csrf_token=csrf_token,
        active="campaign dry run",
        status_code=status_code,
        campaigns=[c.name for c in list_campaigns(db)],
        error=error,
        selected=selected,
        show=show if show in LISTS else "",
        code=code,
        **context,
    )


@router.get("/dry-run")
def dry_run_form(
    request: Request,
    runtime: Runtime,
    who: Planner,
    db: DbSession,
    csrf_token: CsrfToken,
    campaign: Annotated[str | None, Query(max_length=200)] = None,
    show: Annotated[str, Query(pattern="^(reached|not_reached)?$")] = "",
    code: Annotated[str, Query(max_length=100)] = "",
    after: Annotated[str, Query(max_length=64, pattern=r"^[A-Za-z0-9-]*$")] = "",
) -> Response:
    """The form; ``?campaign=NAME`` preselects a campaign (the findings page links so)
    and shows its last dry run; ``show``, ``code`` and ``after`` page and filter it."""
    return _dry_run_page(request, runtime, who, db, csrf_token, selected=campaign, show=show,
                         code=code, after=after)  # fmt: skip


@router.post("/dry-run", dependencies=[CsrfProtected])
def run_dry_run(
    request: Request,
    runtime: Runtime,
    who: Planner,
    db: DbSession,
    csrf_token: CsrfToken,
    campaign: Text,
) -> Response:
    """Runs the dry run as a job: its lists at once when it ends within a moment, else
    the job's progress page."""
    try:
        runnable(db, campaign)
    except (InvalidInput, NotFound) as exc:
        return _dry_run_page(request, runtime, who, db, csrf_token, error=str(exc), status_code=422)
    job = start_job(db, runtime, "dry_run", {"campaign": campaign}, actor=actor_of(who))
    raise_if_failed(job)
    if job.state != "done":
        return RedirectResponse(f"/cockpit/jobs/{job.id}", status_code=303)
    return RedirectResponse(f"/cockpit/marketing/dry-run?{urlencode({'campaign': campaign})}",
                            status_code=303)  # fmt: skip


@router.get("/dry-run.csv")
def dry_run_csv(
    runtime: Runtime,
    _who: Planner,
    db: DbSession,
    campaign: Annotated[str, Query(min_length=1, max_length=200)],
    show: Annotated[str, Query(pattern="^(reached|not_reached)?$")] = "",
    code: Annotated[str, Query(max_length=100)] = "",
) -> Response:
    """The last dry run's lines as CSV (contact id, reached, code, reason, article, legal
    basis), streamed in pages: constant memory however large the audience."""
    record = MarketingRepository(db).get_campaign(campaign)
    return StreamingResponse(
        dry_run_csv_lines(runtime.session_factory, record.id, show=show, code=code),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="dry-run-{record.id[:8]}.csv"'},
    )

"""Staff views for marketers: the planning check of a measure against the stored data and
the dry run of a campaign.

Roles: ``marketer``, ``dpo`` and ``admin``. The planning check stores nothing; a dry run
records its audience and an audit entry (that is what makes a later send checkable), so
it is a POST with a CSRF token. Pages show verdicts, legal bases, consent counts, reasons
and contact public ids — never names or addresses. Mistakes in the form are shown on the
form (422), not as an error page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from starlette.responses import RedirectResponse, Response, StreamingResponse

from sphere.accounts import Principal
from sphere.domain import Addressing, Collection, DataCategory, Purpose, Visibility
from sphere.errors import InvalidInput, NotFound
from sphere.governance.policy_versions import active_policy
from sphere.marketing.campaigns import list_campaigns, runnable
from sphere.marketing.channel import OutreachChannel
from sphere.marketing.dry_run import LISTS, list_filter, stored_report
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
Flag = Annotated[str, Form(max_length=3, pattern="^(yes)?$")]


@dataclass(frozen=True, slots=True)
class KindForm:
    """What the form asks for one kind of measure — only what decides its check; the
    rest takes the value that kind of measure has (``fixed``)."""

    purposes: tuple[str, ...]
    asks_channel: bool  # outreach: who is contacted, and how
    asks_origin: bool  # data from social channels: how collected, where visible, whom addressed
    flags: tuple[str, ...]  # declarations the check reads (see planning.Measure)
    fixed: dict[str, str]
    categories: tuple[str, ...]  # preselected


KINDS: dict[str, KindForm] = {
    MeasureKind.CAMPAIGN.value: KindForm(
        purposes=(Purpose.DIRECT_MARKETING.value,),
        asks_channel=True,
        asks_origin=False,
        flags=("similar_products_only", "objection_notice_in_message"),
        fixed={"collection": "manual", "visibility": "company_direct", "addressing": "direct"},
        categories=("contact_data",),
    ),
    MeasureKind.LEAD_GENERATION.value: KindForm(
        purposes=(Purpose.DIRECT_MARKETING.value, Purpose.PUBLIC_MONITORING.value),
        asks_channel=True,
        asks_origin=True,
        flags=(),
        fixed={},
        categories=("contact_data", "general_content"),
    ),
    MeasureKind.ENRICHMENT.value: KindForm(
        purposes=(Purpose.ENRICHMENT.value, Purpose.PROFILING.value),
        asks_channel=False,
        asks_origin=True,
        flags=("combines_sources", "systematic_profiling"),
        fixed={"channel": OutreachChannel.WEBHOOK.value},  # into the CRM: nobody is contacted
        categories=("product_content",),
    ),
    MeasureKind.SERVICE_PROCESS.value: KindForm(
        purposes=(Purpose.SERVICE_PROVISION.value, Purpose.CUSTOMER_CARE.value),
        asks_channel=True,
        asks_origin=False,
        flags=(),
        fixed={"collection": "manual", "visibility": "company_direct", "addressing": "direct"},
        categories=("contact_data",),
    ),
}


def default_form(kind: str) -> dict[str, Any]:
    spec = KINDS.get(kind) or KINDS[MeasureKind.CAMPAIGN.value]
    form: dict[str, Any] = {
        "name": "",
        "kind": kind if kind in KINDS else MeasureKind.CAMPAIGN.value,
        "purpose": spec.purposes[0],
        "categories": list(spec.categories),
        "collection": "official_api",
        "visibility": "public",
        "addressing": "addressed",
        "channel": "email",
        "segment": "",
        "flags": [],
    }
    return form | spec.fixed


def measure_from_form(form: dict[str, Any]) -> dict[str, Any]:
    """The measure as the services read it (``marketing.measures.parse_measure``)."""
    spec = KINDS.get(form["kind"]) or KINDS[MeasureKind.CAMPAIGN.value]
    values = form | spec.fixed
    return {
        "name": values["name"],
        "kind": values["kind"],
        "purpose": values["purpose"],
        "channel": values["channel"],
        "data_items": [
            {
                "category": c,
                "collection": values["collection"],
                "visibility": values["visibility"],
                "addressing": values["addressing"],
                "label": c.replace("_", " "),
            }
            for c in values["categories"]
        ],
        "audience": {"segment": values["segment"]} if values["segment"] else {},
        "flags": {f: True for f in values["flags"] if f in spec.flags},
    }


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
        kinds=KINDS,
        spec=KINDS.get(form["kind"]) or KINDS[MeasureKind.CAMPAIGN.value],
        form=form,
        result=result,
        error=error,
    )


@router.get("/check")
def check_form(
    request: Request,
    runtime: Runtime,
    who: Planner,
    csrf_token: CsrfToken,
    kind: Annotated[str, Query(max_length=40)] = MeasureKind.CAMPAIGN.value,
) -> Response:
    """The form for one kind of measure (``?kind=``): it asks only what decides it."""
    return _check_page(request, runtime, who, csrf_token, form=default_form(kind))


class MeasureForm:
    """The check form's fields (the same for checking and for submitting)."""

    def __init__(
        self,
        name: Text,
        kind: Text,
        purpose: Text,
        channel: Annotated[str, Form(max_length=200)] = OutreachChannel.EMAIL.value,
        collection: Annotated[str, Form(max_length=200)] = "manual",
        visibility: Annotated[str, Form(max_length=200)] = "company_direct",
        addressing: Annotated[str, Form(max_length=200)] = "direct",
        categories: Annotated[list[str] | None, Form(max_length=20)] = None,
        segment: Annotated[str, Form(max_length=200)] = "",
        flags: Annotated[list[str] | None, Form(max_length=20)] = None,
    ) -> None:
        self.values: dict[str, Any] = {
            "name": name,
            "kind": kind,
            "purpose": purpose,
            "categories": categories or [],
            "collection": collection,
            "visibility": visibility,
            "addressing": addressing,
            "channel": channel,
            "segment": segment.strip(),
            "flags": flags or [],
        }


@router.post("/check", dependencies=[CsrfProtected])
def check(
    request: Request,
    runtime: Runtime,
    who: Planner,
    db: DbSession,
    csrf_token: CsrfToken,
    measure_form: Annotated[MeasureForm, Depends()],
) -> Response:
    form = measure_form.values
    try:
        spec = parse_measure(measure_from_form(form))
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
    reason, the three lists (reached; eligible but held by quiet hours or the frequency
    cap; not reached) a page at a time, filtered by reason."""
    context: dict[str, Any] = {"report": None, "pages": {}, "codes": [], "next": {}}
    record = MarketingRepository(db).find_campaign(selected) if selected else None
    if record is not None and record.dry_run_at is not None:
        report = stored_report(db, record)
        repo = DryRunRepository(db)
        lists = (show,) if show in LISTS else LISTS
        for name in lists:
            page = repo.page(
                record.id,
                **list_filter(name),
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
            # the planning check's "may be reached", to compare with "eligible"
            measure=MarketingRepository(db).get_measure(record.measure_id),
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
        can_create=True,
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
    show: Annotated[str, Query(pattern="^(reached|held|not_reached)?$")] = "",
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
    show: Annotated[str, Query(pattern="^(reached|held|not_reached)?$")] = "",
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

"""The cockpit home: the DPO's dashboard (``sphere.cockpit.dashboard``) and its charts.

The charts are SVG images drawn on the server (``sphere.web.charts``); the page shows
the same figures as tables.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.cockpit.dashboard import build_home
from sphere.cockpit.finding_states import with_state
from sphere.cockpit.findings import localize
from sphere.web._cockpit_service import home_trends, record_and_findings
from sphere.web.charts import CHART_CSP, line_chart
from sphere.web.cockpit.pages import landing_for, render
from sphere.web.deps import COCKPIT_ROLES, CsrfToken, CurrentDpo, CurrentStaff, DbSession, Runtime
from sphere.web.i18n import request_translator

router = APIRouter(prefix="/cockpit", include_in_schema=False)


@router.get("/")
def home(
    request: Request, runtime: Runtime, staff: CurrentStaff, db: DbSession, csrf_token: CsrfToken
) -> Response:
    if staff.role not in COCKPIT_ROLES:  # a bookmark or "back to the cockpit" link
        return RedirectResponse(landing_for(staff.role), status_code=303)
    record, view = record_and_findings(db, runtime)
    tr = request_translator(request)
    stated = with_state(db, [localize(f, tr) for f in view.findings])
    dashboard = build_home(
        db, record, stated, now=runtime.clock.now(), findings_as_of=view.as_of, trends=view.trends
    )
    return render(
        request,
        runtime,
        "home.html",
        principal=staff,
        csrf_token=csrf_token,
        active="home",
        home=dashboard,
        findings_view=view,
    )


@router.get("/charts/{name}.svg")
def chart(
    name: Annotated[str, Path(pattern="^(ingestion|requests|consent)$")],
    request: Request,
    runtime: Runtime,
    _dpo: CurrentDpo,
    db: DbSession,
) -> Response:
    """One chart of the home as an SVG image (same figures as the page's tables)."""
    translator = request_translator(request)
    lang, _ = translator.lang, translator.gettext
    series = home_trends(db, runtime).series[name]
    if name == "ingestion":
        svg = line_chart(
            series.buckets,
            [(_("Stored"), series.values["stored"]),
             (_("Counted anonymously, not stored"), series.values["counted"]),
             (_("Quarantined"), series.values["quarantined"])],
            weekly=False, lang=lang, gettext=_,
        )  # fmt: skip
    elif name == "requests":
        svg = line_chart(
            series.buckets,
            [(_("Received"), series.values["received"]),
             (_("Closed"), series.values["closed"])],
            secondary=[(_("Median days to close"), series.values["days_to_close"])],
            weekly=True, lang=lang, gettext=_,
        )  # fmt: skip
    else:
        svg = line_chart(
            series.buckets,
            [(_("Consents given"), series.values["given"]),
             (_("Consents withdrawn"), series.values["withdrawn"])],
            weekly=True, lang=lang, gettext=_,
        )  # fmt: skip
    return Response(
        svg,
        media_type="image/svg+xml",
        headers={
            "content-security-policy": CHART_CSP,
            "cache-control": "private, max-age=60",
            "vary": "Accept-Language, Cookie",  # worded in the reader's language
        },
    )

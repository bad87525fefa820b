"""``/transparency``: the privacy notice generated from the live record of processing
(``sphere.cockpit.build_record``: purposes, legal basis with article, data, sources,
recipients, retention) plus figures that earn trust (``sphere.portal.figures``),
released per month with differential privacy and a k-threshold (``sphere.analytics``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sphere.analytics.release import ReleasePolicy
from sphere.cockpit.record import build_record
from sphere.governance.policy_versions import active_policy
from sphere.portal.figures import transparency_figures
from sphere.web.deps import DbSession, Runtime

router = APIRouter(include_in_schema=False)


@router.get("/transparency")
def transparency(request: Request, runtime: Runtime, db: DbSession) -> Response:
    now = runtime.clock.now()
    record = build_record(db, active_policy(db), now=now)
    months = transparency_figures(db, now=now, policy=ReleasePolicy.from_settings(runtime.settings))
    return runtime.templates.TemplateResponse(
        request,
        "public/transparency.html",
        {"record": record, "months": months, "k": runtime.settings.release_k},
    )

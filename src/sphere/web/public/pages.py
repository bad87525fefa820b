"""``/transparency``: the privacy notice generated from the live record of processing
(``sphere.cockpit.build_record``: purposes, legal basis with article, data, sources,
recipients, retention) plus figures that earn trust (``sphere.portal.figures``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sphere.cockpit.record import build_record
from sphere.governance.policy_versions import active_policy
from sphere.portal.figures import transparency_figures
from sphere.web.deps import DbSession, Runtime

router = APIRouter(include_in_schema=False)


@router.get("/transparency")
def transparency(request: Request, runtime: Runtime, db: DbSession) -> Response:
    record = build_record(db, active_policy(db), now=runtime.clock.now())
    return runtime.templates.TemplateResponse(
        request,
        "public/transparency.html",
        {"record": record, "figures": transparency_figures(db)},
    )

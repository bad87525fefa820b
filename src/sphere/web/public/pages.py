"""``/transparency``: the privacy notice generated from the live record of processing
(``sphere.cockpit.build_record``: purposes, legal basis with article, data, sources,
recipients, transfers, retention), the essence of the joint-controller arrangements
(Art. 26(2)) plus figures that earn trust (``sphere.portal.figures``),
released per month with differential privacy and a k-threshold (``sphere.analytics``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sphere.analytics.release import ReleasePolicy
from sphere.cockpit.record import build_record
from sphere.governance.policy_versions import active_policy
from sphere.portal.figures import transparency_figures
from sphere.portal.joint import public_joint
from sphere.web.deps import DbSession, Runtime
from sphere.web.i18n import request_translator

router = APIRouter(include_in_schema=False)


@router.get("/transparency")
def transparency(request: Request, runtime: Runtime, db: DbSession) -> Response:
    now = runtime.clock.now()
    record = build_record(db, active_policy(db), now=now)
    months = transparency_figures(db, now=now, policy=ReleasePolicy.from_settings(runtime.settings))
    # Art. 13(1)(f): each transfer once, with its safeguard (from the recipients register)
    transfers = {t["recipient"]: t for a in record.activities for t in a.transfers}
    return runtime.templates.TemplateResponse(
        request,
        "public/transparency.html",
        {
            "record": record,
            "months": months,
            "k": runtime.settings.release_k,
            "transfers": list(transfers.values()),
            "joint": public_joint(db, request_translator(request)),  # Art. 26(2)
        },
    )

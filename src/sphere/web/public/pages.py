"""``/transparency``: what is processed, why, on which legal basis and for how long —
generated from the policy in force (GDPR Art. 13/14 information, in plain words)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sphere.web._policy_view import policy_in_force
from sphere.web.deps import DbSession, Runtime

router = APIRouter(include_in_schema=False)


@router.get("/transparency")
def transparency(request: Request, runtime: Runtime, db: DbSession) -> Response:
    return runtime.templates.TemplateResponse(
        request, "public/transparency.html", {"policy": policy_in_force(db)}
    )

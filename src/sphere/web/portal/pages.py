"""Portal placeholder page; says honestly that the portal is not built yet."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import Response

from sphere.web.deps import Runtime

router = APIRouter(prefix="/portal", include_in_schema=False)


@router.get("/")
def portal_home(request: Request, runtime: Runtime) -> Response:
    return runtime.templates.TemplateResponse(request, "portal/home.html", {})

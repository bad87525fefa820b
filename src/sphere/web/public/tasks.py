"""``/tasks/confirm/<token>``: the page a manual system's owner reaches from the e-mail
(``rights.systems.manual``). It shows what to do and whom it concerns, and takes the
owner's confirmation once: done, not found, or kept with a reason. The token is the
credential (random, only its hash stored, single use, expiring); an unknown, used or
expired one gets the same page, telling nothing about other tasks."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import Response

from sphere.errors import InvalidInput, NotFound
from sphere.rights.systems import confirm_manual, manual_view
from sphere.web.deps import DbSession, Runtime

router = APIRouter(include_in_schema=False)


def _invalid(request: Request, runtime: Runtime) -> Response:
    return runtime.templates.TemplateResponse(
        request, "public/manual_task.html", {"invalid": True, "here": "/transparency"},
        status_code=404,
    )  # fmt: skip


@router.get("/tasks/confirm/{token}")
def manual_task_page(request: Request, token: str, runtime: Runtime, db: DbSession) -> Response:
    systems = runtime.core.connected_systems()
    try:
        view = manual_view(db, runtime.keyring, systems, token, at=runtime.clock.now())
    except NotFound:
        return _invalid(request, runtime)
    return runtime.templates.TemplateResponse(
        request, "public/manual_task.html",
        {"view": view, "token": token, "here": request.url.path, "error": None},
    )  # fmt: skip


@router.post("/tasks/confirm/{token}")
def manual_task_confirm(
    request: Request,
    token: str,
    runtime: Runtime,
    db: DbSession,
    outcome: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    now = runtime.clock.now()
    try:
        task = confirm_manual(db, runtime.keyring, token, outcome, reason=reason, at=now)
    except NotFound:
        return _invalid(request, runtime)
    except InvalidInput:  # no choice, or "kept" without its reason: the form again
        try:
            view = manual_view(db, runtime.keyring, runtime.core.connected_systems(), token,
                               at=now)  # fmt: skip
        except NotFound:
            return _invalid(request, runtime)
        return runtime.templates.TemplateResponse(
            request, "public/manual_task.html",
            {"view": view, "token": token, "here": request.url.path, "error": True},
            status_code=422,
        )  # fmt: skip
    return runtime.templates.TemplateResponse(
        request, "public/manual_task.html", {"confirmed": task, "here": "/transparency"}
    )

"""Connected systems in the cockpit (issue 15): each system with its health (asked at
most once a minute, ``_systems_health``), the erasure tasks that wait, failed or were
dead-lettered, and the DPO's actions on them (retry now; requeue a dead-lettered task).
The request's own page shows its progress in every system, step by step. The auditor
reads only (no buttons, and the actions answer 403). Names, problems and errors come
from the definitions and the remote systems: the templates escape them like any text.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import APIRouter, Depends, Path, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal, Role
from sphere.errors import SphereError
from sphere.rights import crm_sync
from sphere.rights.art19 import told_per_request
from sphere.rights.requests import get_request
from sphere.rights.systems import (
    TaskState,
    get_task,
    request_steps,
    request_tasks,
    retry_now,
)
from sphere.storage.repositories.system_tasks import SystemTaskRepository
from sphere.web._cockpit_service import actor_of
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, CurrentDpo, DbSession, Runtime, require_roles
from sphere.web.runtime import WebRuntime

if TYPE_CHECKING:
    from sphere.connectors.registry import ConnectorSet

router = APIRouter(prefix="/cockpit", include_in_schema=False)
Actor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
TaskId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
RequestId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
OPEN = (TaskState.PENDING.value, TaskState.FAILED.value, TaskState.DEAD_LETTER.value)


def _systems_or_error(runtime: WebRuntime) -> tuple[ConnectorSet | None, str | None]:
    try:
        return runtime.core.connected_systems(), None
    except SphereError as exc:  # a broken definition: its file:line, shown on the page
        return None, str(exc)


@router.get("/systems")
def systems_page(
    request: Request, runtime: Runtime, dpo: CurrentDpo, db: DbSession, csrf_token: CsrfToken
) -> Response:
    systems, config_error = _systems_or_error(runtime)
    health = None
    if systems is not None:
        fresh = request.query_params.get("fresh") == "1"
        health = runtime.systems_health.get(
            systems.health,
            runtime.clock.now,
            fresh=fresh,
        )
    tasks = SystemTaskRepository(db).in_states(OPEN)
    counts: dict[str, dict[str, int]] = {}
    for task in tasks:
        counts.setdefault(task.system, dict.fromkeys(OPEN, 0))[task.state] += 1
    tasks.sort(key=lambda t: (OPEN.index(t.state) * -1, t.updated_at))  # dead letters first
    return render(
        request,
        runtime,
        "systems.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="connected systems",
        config_error=config_error,
        health=health,
        counts=counts,
        tasks=tasks,
        may_act=dpo.role in (Role.DPO, Role.ADMIN),
        crm=crm_sync.status(db, runtime.keyring, systems),
        crm_name=_crm_name(systems),
    )


def _crm_name(systems: ConnectorSet | None) -> str | None:
    target = systems.sync_target() if systems is not None else None
    return systems.definition(target).name if systems is not None and target else None


@router.post("/systems/crm-sync", dependencies=[CsrfProtected])
def sync_crm_now(runtime: Runtime, dpo: Actor) -> Response:
    """Dead-lettered entries get a fresh round and failed ones are due at once (after the
    cause was fixed), then the outbox is drained - after the answer, in transactions of
    their own (``sphere serve`` also drains every minute)."""
    systems, core, actor = runtime.core.connected_systems(), runtime.core, actor_of(dpo)

    def work() -> None:
        crm_sync.sync_now(core.factory, core.keyring, systems, now=core.clock.now, actor=actor)

    runtime.after_response.submit("crm sync", work)
    return RedirectResponse("/cockpit/systems#crm-sync", 303)


@router.post("/systems/tasks/{task_id}/retry", dependencies=[CsrfProtected])
def retry_task(task_id: TaskId, runtime: Runtime, dpo: Actor, db: DbSession) -> Response:
    """Attempt the task now (a dead-lettered one gets a fresh set of attempts first)."""
    retry_now(
        db,
        runtime.keyring,
        runtime.core.connected_systems(),
        task_id,
        at=runtime.clock.now(),
        actor=actor_of(dpo),
    )
    runtime.systems_health.forget()  # the attempt says something about the system's health
    return RedirectResponse("/cockpit/systems", 303)


@router.post("/requests/{request_id}/systems/{task_id}/retry", dependencies=[CsrfProtected])
def retry_from_request(
    request_id: RequestId, task_id: TaskId, runtime: Runtime, dpo: Actor, db: DbSession
) -> Response:
    task = get_task(db, task_id)
    if task.request_id != request_id:
        return RedirectResponse(f"/cockpit/requests/{request_id}/systems", 303)
    retry_now(
        db,
        runtime.keyring,
        runtime.core.connected_systems(),
        task_id,
        at=runtime.clock.now(),
        actor=actor_of(dpo),
    )
    runtime.systems_health.forget()
    return RedirectResponse(f"/cockpit/requests/{request_id}/systems", 303)


@router.get("/requests/{request_id}/systems")
def request_progress(
    request_id: RequestId,
    request: Request,
    runtime: Runtime,
    dpo: CurrentDpo,
    db: DbSession,
    csrf_token: CsrfToken,
) -> Response:
    """The request and, per connected system, its task step by step."""
    found = get_request(db, request_id)
    tasks = request_tasks(db, request_id)
    systems, _error = _systems_or_error(runtime)  # names for the cards; ids if none loads
    titles = {e["system"]: e["name"] for e in systems.inventory()} if systems else {}
    return render(
        request,
        runtime,
        "request_systems.html",
        principal=dpo,
        csrf_token=csrf_token,
        active="requests",
        r=found,
        tasks=tasks,
        titles=titles,
        steps=request_steps(db, request_id),
        told=told_per_request(db, [request_id]).get(request_id),
        may_act=dpo.role in (Role.DPO, Role.ADMIN),
    )

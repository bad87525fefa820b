"""DPIAs (GDPR Art. 35, 36) as JSON. The DPO cockpit's roles read everything (the
auditor too); the DPO and the admin open and change DPIAs and record a consultation;
only the DPO gives the DPO's opinion (Art. 35(2)) and only the admin — the controller —
signs off. A refused field (the role included) answers 422 with ``field: reason``;
nothing is saved then. Until a purpose's DPIA is signed off, processing for a purpose
the policy marks ``dpia_required`` is held."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from sphere.accounts import Principal, Role
from sphere.cockpit.dpia_pdf import dpia_to_pdf
from sphere.domain.dpia import Risk
from sphere.governance.dpia import (
    DpiaChanges,
    change_dpia,
    dpia_status,
    get_dpia,
    list_dpias,
    open_dpia,
    record_consultation,
    record_opinion,
    sign_off,
)
from sphere.governance.dpia_view import dpia_dict
from sphere.governance.policy_versions import active_policy
from sphere.i18n import translator
from sphere.web._cockpit_service import actor_of
from sphere.web.deps import CsrfProtected, CurrentDpo, DbSession, Runtime, require_roles
from sphere.web.i18n import request_translator

router = APIRouter(tags=["dpia"])
DpiaEditor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
DpiaRef = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]
PDF = "application/pdf"
Level = Annotated[int, Field(ge=1, le=4)]


class DpiaOut(BaseModel):
    purpose: str
    required: bool = Field(description="The policy marks the purpose dpia_required.")
    state: str = Field(description="approved, held (required, none signed off), not required.")
    dpia: str | None = Field(description="The purpose's DPIA, signed off or not.")
    reference: str | None = Field(description="The signed-off version: DPIA-2026-001 v2.")
    approved_at: datetime | None
    approved_by: str | None
    review_on: date | None = Field(description="Art. 35(11): review by this day.")
    review_overdue: bool


class OpenIn(BaseModel):
    purpose: str = Field(max_length=40)
    measure: str | None = Field(None, max_length=200, description="A marketing measure's name.")
    title: str = Field("", max_length=200)


class RiskIn(BaseModel):
    """One risk (Art. 35(7)(c), (d)): likelihood and severity 1 (negligible) to 4."""

    risk: str = Field(max_length=500)
    likelihood: Level
    severity: Level
    measures: str = Field(max_length=8000)
    residual_likelihood: Level
    residual_severity: Level


class DeclaredIn(BaseModel):
    criterion: str = Field(max_length=40, description="A WP248 criterion code.")
    reason: str = Field(max_length=500)


class ChangesIn(BaseModel):
    """Only the fields given change; ``risks`` replaces the whole register."""

    title: str | None = Field(None, max_length=200)
    description: str | None = Field(None, max_length=8000, description="Art. 35(7)(a)")
    necessity: str | None = Field(None, max_length=8000, description="Art. 35(7)(b)")
    risks: list[RiskIn] | None = Field(None, max_length=40)
    declared: list[DeclaredIn] | None = Field(None, max_length=9)
    assessed_on: date | None = None
    review_on: date | None = Field(None, description="Art. 35(11)")


class OpinionIn(BaseModel):
    opinion: str = Field(max_length=8000, description="The DPO's advice (Art. 35(2)).")


class ConsultationIn(BaseModel):
    consulted_on: date = Field(description="Art. 36(1): the day the authority was consulted.")
    reference: str = Field(max_length=100)
    outcome: str = Field("", max_length=8000, description="Its written advice (Art. 36(2)).")


def _one(db: Any, runtime: Any, ref: str, version: int | None = None) -> dict[str, Any]:
    policy = active_policy(db)
    return dpia_dict(db, policy, get_dpia(db, ref), today=runtime.clock.now().date(),
                     version=version)  # fmt: skip


@router.get("/dpia")
def get_status(db: DbSession, runtime: Runtime, _who: CurrentDpo) -> list[DpiaOut]:
    """Every declared purpose: is a DPIA required, signed off, or is processing held?"""
    rows = dpia_status(db, active_policy(db), today=runtime.clock.now().date())
    return [DpiaOut(**row) for row in rows]


@router.get("/dpias")
def get_dpias(db: DbSession, _who: CurrentDpo) -> list[dict[str, Any]]:
    """Every DPIA with its current and its signed-off version."""
    return [
        {"reference": d.reference, "purpose": d.purpose, "measure": d.measure, "title": d.title,
         "version": d.current.version, "state": d.current.state,
         "approved_version": d.approved.version if d.approved else None}
        for d in list_dpias(db)
    ]  # fmt: skip


@router.post("/dpias", status_code=201, dependencies=[CsrfProtected])
def post_dpia(body: OpenIn, db: DbSession, runtime: Runtime, who: DpiaEditor) -> dict[str, Any]:
    """Open the DPIA of a purpose or of a marketing measure (a draft)."""
    dpia = open_dpia(db, active_policy(db), body.purpose, measure=body.measure,
                     title=body.title, actor=actor_of(who), role=who.role.value,
                     at=runtime.clock.now())  # fmt: skip
    return _one(db, runtime, dpia.reference)


@router.get("/dpias/{ref}")
def get_one(
    ref: DpiaRef,
    db: DbSession,
    runtime: Runtime,
    _who: CurrentDpo,
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
) -> dict[str, Any]:
    """One DPIA: the criteria with their evidence, one version in full, all versions."""
    return _one(db, runtime, ref, version)


@router.patch("/dpias/{ref}", dependencies=[CsrfProtected])
def patch_dpia(
    ref: DpiaRef, body: ChangesIn, db: DbSession, runtime: Runtime, who: DpiaEditor
) -> dict[str, Any]:
    """Change the draft; after a sign-off the change makes the next version."""
    changes = DpiaChanges(
        title=body.title, description=body.description, necessity=body.necessity,
        risks=None if body.risks is None else tuple(Risk(**r.model_dump()) for r in body.risks),
        declared=None if body.declared is None else {d.criterion: d.reason for d in body.declared},
        assessed_on=body.assessed_on, review_on=body.review_on,
    )  # fmt: skip
    change_dpia(db, ref, changes, actor=actor_of(who), role=who.role.value,
                at=runtime.clock.now())  # fmt: skip
    return _one(db, runtime, ref)


@router.post("/dpias/{ref}/opinion", dependencies=[CsrfProtected])
def post_opinion(
    ref: DpiaRef, body: OpinionIn, db: DbSession, runtime: Runtime, who: DpiaEditor
) -> dict[str, Any]:
    """The DPO's opinion (Art. 35(2)); the DPO's role only."""
    record_opinion(db, ref, body.opinion, actor=actor_of(who), role=who.role.value,
                   at=runtime.clock.now())  # fmt: skip
    return _one(db, runtime, ref)


@router.post("/dpias/{ref}/consultation", dependencies=[CsrfProtected])
def post_consultation(
    ref: DpiaRef, body: ConsultationIn, db: DbSession, runtime: Runtime, who: DpiaEditor
) -> dict[str, Any]:
    """The prior consultation of the supervisory authority (Art. 36(1))."""
    record_consultation(db, ref, consulted_on=body.consulted_on, reference=body.reference,
                        outcome=body.outcome, actor=actor_of(who), role=who.role.value,
                        at=runtime.clock.now())  # fmt: skip
    return _one(db, runtime, ref)


@router.post("/dpias/{ref}/sign-off", dependencies=[CsrfProtected])
def post_sign_off(ref: DpiaRef, db: DbSession, runtime: Runtime, who: DpiaEditor) -> dict[str, Any]:
    """Sign the draft off (the admin: the controller); it releases the gate."""
    sign_off(db, active_policy(db), ref, actor=actor_of(who), role=who.role.value,
             at=runtime.clock.now())  # fmt: skip
    return _one(db, runtime, ref)


@router.get(
    "/dpias/{ref}/pdf",
    response_class=Response,
    responses={200: {"content": {PDF: {"schema": {"type": "string", "format": "binary"}}}}},
)
def get_pdf(
    ref: DpiaRef,
    request: Request,
    db: DbSession,
    runtime: Runtime,
    _who: CurrentDpo,
    version: Annotated[int | None, Query(ge=1, le=10_000)] = None,
    lang: Annotated[Literal["de", "en"] | None, Query()] = None,
) -> Response:
    """The DPIA as a PDF, in ``lang`` or the language of the one who asks."""
    tr = translator(lang, runtime.settings.timezone) if lang else request_translator(request)
    dpia = get_dpia(db, ref)
    body = dpia_to_pdf(db, active_policy(db), dpia, version=version,
                       controller=runtime.company_contact(), tr=tr,
                       today=runtime.clock.now().date())  # fmt: skip
    name = f"{dpia.reference}-v{version or dpia.current.version}.pdf"
    return Response(body, media_type=PDF,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

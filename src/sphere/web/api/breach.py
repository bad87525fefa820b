"""The breach register (GDPR Art. 33, 34) as JSON. The DPO cockpit's roles read it (the
auditor too); the DPO and the admin record, assess and notify. A refused field answers
422 with ``field: reason``; nothing is saved then."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import AwareDatetime, BaseModel, Field

from sphere.accounts import Principal, Role
from sphere.governance.breach import (
    Assessment,
    BreachDraft,
    assess_breach,
    breach_dict,
    close_breach,
    get_breach,
    list_breaches,
    notify_authority,
    notify_subjects,
    record_breach,
)
from sphere.governance.breach_texts import authority_notification, subject_message
from sphere.i18n import translator
from sphere.web._cockpit_service import actor_of
from sphere.web.deps import CsrfProtected, CurrentDpo, DbSession, Runtime, require_roles

router = APIRouter(tags=["breaches"])
BreachEditor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
Code = Annotated[str, Field(max_length=100)]
BreachRef = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class BreachIn(BaseModel):
    """An incident as staff describe it; organisational facts, no personal data."""

    title: str = Field(max_length=200)
    description: str = Field(max_length=4000, description="What happened (Art. 33(3)(a)).")
    started_at: AwareDatetime | None = None
    discovered_at: AwareDatetime | None = Field(
        None, description="Awareness: the 72-hour clock of Art. 33(1) starts here."
    )
    ended_at: AwareDatetime | None = None
    systems: list[Code] = Field(
        default=[], max_length=10, description="interactions, events, contacts, attributes"
    )
    kinds: list[Code] = Field(default=["confidentiality"], max_length=3, description="Art. 4(12)")
    sources: list[Code] = Field(
        default=[], max_length=100, description="Only these sources (empty: all)."
    )
    data_categories: list[Code] = Field(default=[], max_length=100)
    records_from: AwareDatetime | None = None
    records_to: AwareDatetime | None = None


class AssessmentIn(BaseModel):
    risk: Literal["unlikely", "risk", "high"]
    risk_reasons: str = Field(max_length=4000)
    consequences: str = Field(max_length=4000, description="Art. 33(3)(c)")
    measures: str = Field(max_length=4000, description="Art. 33(3)(d)")
    notify_authority: bool = Field(description="Art. 33(1): false only if no risk is likely.")
    authority_reason: str = Field("", max_length=4000)
    notify_subjects: bool = Field(False, description="Art. 34(1): true at a high risk.")
    subjects_reason: str = Field("", max_length=4000, description="Art. 34(3) exception")


class AuthorityNotificationIn(BaseModel):
    authority_reference: str = Field("", max_length=100)
    delay_reason: str = Field("", max_length=4000, description="After 72 hours (Art. 33(1)).")


@router.get("/breaches")
def get_breaches(
    db: DbSession, runtime: Runtime, _who: CurrentDpo, open_only: bool = False
) -> list[dict[str, Any]]:
    """Every breach, newest first, each with its Art. 33(1) clock."""
    now = runtime.clock.now()
    return [breach_dict(b, now=now) for b in list_breaches(db, open_only=open_only)]


@router.post("/breaches", status_code=201, dependencies=[CsrfProtected])
def post_breach(
    body: BreachIn, db: DbSession, runtime: Runtime, who: BreachEditor
) -> dict[str, Any]:
    """Record a breach; the people and records concerned are computed from the data."""
    draft = BreachDraft(**body.model_dump())
    now = runtime.clock.now()
    return breach_dict(record_breach(db, draft, actor=actor_of(who), at=now), now=now)


@router.get("/breaches/{breach}")
def get_one(breach: BreachRef, db: DbSession, runtime: Runtime, _who: CurrentDpo) -> dict[str, Any]:
    return breach_dict(get_breach(db, breach), now=runtime.clock.now())


@router.get("/breaches/{breach}/drafts")
def get_drafts(
    breach: BreachRef,
    db: DbSession,
    runtime: Runtime,
    _who: CurrentDpo,
    lang: Annotated[Literal["de", "en"], Query()] = "de",
) -> dict[str, str]:
    """The notification to the authority (Art. 33(3)) and the message to the people
    concerned (Art. 34(2)) as texts in ``lang``."""
    found = get_breach(db, breach)
    controller = runtime.company_contact()
    tr = translator(lang, runtime.settings.timezone)
    return {
        "authority": authority_notification(found, controller, tr).text,
        "people": subject_message(found, controller, tr).text,
    }


@router.post("/breaches/{breach}/assessment", dependencies=[CsrfProtected])
def post_assessment(
    breach: BreachRef, body: AssessmentIn, db: DbSession, runtime: Runtime, who: BreachEditor
) -> dict[str, Any]:
    """The risk assessment and the decisions to notify (Art. 33(1), 34(1))."""
    now = runtime.clock.now()
    found = assess_breach(db, breach, Assessment(**body.model_dump()), actor=actor_of(who), at=now)
    return breach_dict(found, now=now)


@router.post("/breaches/{breach}/authority-notification", dependencies=[CsrfProtected])
def post_authority_notification(
    breach: BreachRef,
    body: AuthorityNotificationIn,
    db: DbSession,
    runtime: Runtime,
    who: BreachEditor,
) -> dict[str, Any]:
    """Record that the authority was notified; after 72 hours with the reasons."""
    now = runtime.clock.now()
    found = notify_authority(db, breach, **body.model_dump(), actor=actor_of(who), at=now)
    return breach_dict(found, now=now)


@router.post("/breaches/{breach}/subject-notification", dependencies=[CsrfProtected])
def post_subject_notification(
    breach: BreachRef, db: DbSession, runtime: Runtime, who: BreachEditor
) -> dict[str, Any]:
    """Record that the people concerned were told; their portal shows the message."""
    now = runtime.clock.now()
    return breach_dict(notify_subjects(db, breach, actor=actor_of(who), at=now), now=now)


@router.post("/breaches/{breach}/close", dependencies=[CsrfProtected])
def post_close(
    breach: BreachRef, db: DbSession, runtime: Runtime, who: BreachEditor
) -> dict[str, Any]:
    now = runtime.clock.now()
    return breach_dict(close_breach(db, breach, actor=actor_of(who), at=now), now=now)

"""The recipients register (GDPR Art. 28, 30(1)(d)-(e), 44-49) as JSON: the DPO
cockpit's roles read it; the DPO and the admin register. A transfer outside the EU/EEA
without a mechanism, a processor without its agreement: 422 naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel, Field

from sphere.accounts import Principal, Role
from sphere.governance.recipients import (
    RecipientDraft,
    add_recipient,
    list_recipients,
    recipient_dict,
    retire_recipient,
    update_recipient,
)
from sphere.rights.art19 import notifications_of
from sphere.web._cockpit_service import actor_of
from sphere.web.deps import CsrfProtected, CurrentDpo, DbSession, Runtime, require_roles

router = APIRouter(tags=["recipients"])
Editor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]


Code = Annotated[str, Field(max_length=100)]
RecipientId = Annotated[str, Path(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9-]+$")]


class RecipientIn(BaseModel):
    name: str = Field(max_length=200)
    role: str = Field(max_length=40, description="processor, sub_processor, controller, authority")
    country: str = Field(max_length=2, description="ISO 3166-1 alpha-2")
    location: str = Field("", max_length=200, description="city or data centre")
    purposes: list[Code] = Field(default=[], max_length=100)
    data_categories: list[Code] = Field(default=[], max_length=100)
    processor_of: str | None = Field(None, max_length=200)
    agreement_date: date | None = Field(None, description="Art. 28(3)")
    agreement_scope: str = Field("", max_length=4000)
    transfer_mechanism: str | None = Field(
        None, max_length=40, description="adequacy, dpf, scc, bcr, derogation"
    )
    scc_module: int | None = None
    tia_date: date | None = None
    tia_summary: str = Field("", max_length=4000)


def _at(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=UTC) if day else None


@router.get("/recipients")
def get_recipients(db: DbSession, _who: CurrentDpo) -> list[dict[str, Any]]:
    return [recipient_dict(r) for r in list_recipients(db, active_only=False)]


def _draft(body: RecipientIn) -> RecipientDraft:
    values = body.model_dump()
    values["agreement_date"], values["tia_date"] = _at(body.agreement_date), _at(body.tia_date)
    values["purposes"] = tuple(body.purposes)
    values["data_categories"] = tuple(body.data_categories)
    return RecipientDraft(**values)


@router.get("/recipients/notifications")
def get_notifications(
    db: DbSession, _who: CurrentDpo, request_id: Annotated[str, Query(max_length=36)]
) -> list[dict[str, Any]]:
    """Art. 19: the recipients told of a rectification, erasure or restriction."""
    return [
        {"recipient": n.recipient_name, "recipient_id": n.recipient_id, "action": n.action,
         "notified_at": n.notified_at.isoformat(), "actor": n.actor}
        for n in notifications_of(db, request_id)
    ]  # fmt: skip


@router.post("/recipients", status_code=201, dependencies=[CsrfProtected])
def post_recipient(
    body: RecipientIn, db: DbSession, runtime: Runtime, who: Editor
) -> dict[str, Any]:
    draft = _draft(body)
    return recipient_dict(add_recipient(db, draft, actor=actor_of(who), at=runtime.clock.now()))


@router.put("/recipients/{recipient_id}", dependencies=[CsrfProtected])
def put_recipient(
    recipient_id: RecipientId, body: RecipientIn, db: DbSession, runtime: Runtime, who: Editor
) -> dict[str, Any]:
    """Change every field at once (checked like a new one; nothing saved on a refusal)."""
    at = runtime.clock.now()
    return recipient_dict(
        update_recipient(db, recipient_id, _draft(body), actor=actor_of(who), at=at)
    )


@router.post("/recipients/{recipient_id}/retire", dependencies=[CsrfProtected])
def post_retire(
    recipient_id: RecipientId, db: DbSession, runtime: Runtime, who: Editor
) -> dict[str, Any]:
    at = runtime.clock.now()
    return recipient_dict(retire_recipient(db, recipient_id, actor=actor_of(who), at=at))

"""The recipients register (GDPR Art. 28, 30(1)(d)-(e), 44-49) as JSON: the DPO
cockpit's roles read it; the DPO and the admin register. A transfer outside the EU/EEA
without a mechanism, a processor without its agreement: 422 naming the field."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends
from pydantic import BaseModel, Field

from sphere.accounts import Principal, Role
from sphere.governance.recipients import (
    RecipientDraft,
    add_recipient,
    list_recipients,
    recipient_dict,
)
from sphere.web._cockpit_service import actor_of
from sphere.web.deps import CsrfProtected, CurrentDpo, DbSession, Runtime, require_roles

router = APIRouter(tags=["recipients"])
Editor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]


Code = Annotated[str, Field(max_length=100)]


class RecipientIn(BaseModel):
    name: str = Field(max_length=200)
    role: str = Field(max_length=40, description="processor, sub_processor, controller, authority")
    country: str = Field(max_length=2, description="ISO 3166-1 alpha-2")
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


def _at(day: date | None) -> datetime | None:
    return datetime.combine(day, time(0), tzinfo=UTC) if day else None


@router.get("/recipients")
def get_recipients(db: DbSession, _who: CurrentDpo) -> list[dict[str, Any]]:
    return [recipient_dict(r) for r in list_recipients(db)]


@router.post("/recipients", status_code=201, dependencies=[CsrfProtected])
def post_recipient(
    body: RecipientIn, db: DbSession, runtime: Runtime, who: Editor
) -> dict[str, Any]:
    values = body.model_dump()
    values["agreement_date"], values["tia_date"] = _at(body.agreement_date), _at(body.tia_date)
    values["purposes"] = tuple(body.purposes)
    values["data_categories"] = tuple(body.data_categories)
    draft = RecipientDraft(**values)
    return recipient_dict(add_recipient(db, draft, actor=actor_of(who), at=runtime.clock.now()))

"""Joint controllership (GDPR Art. 26) as JSON: per registered source the arrangement or
why none is needed; the cockpit's roles read, the DPO and the admin record one. A
missing field: 422 naming it, nothing saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, Field

from sphere.accounts import Principal, Role
from sphere.governance.joint import (
    ArrangementDraft,
    arrangement_dict,
    joint_overview,
    save_arrangement,
    status_dict,
)
from sphere.web._cockpit_service import actor_of
from sphere.web.deps import CsrfProtected, CurrentDpo, DbSession, Runtime, require_roles

router = APIRouter(tags=["joint controllers"])
Editor = Annotated[Principal, Depends(require_roles(Role.DPO, Role.ADMIN))]
SourceName = Annotated[str, Path(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_-]+$")]
Party = Annotated[str, Field(max_length=20)]


class ArrangementIn(BaseModel):
    needed: bool = True
    platform: str = Field("", max_length=200)
    title: str = Field("", max_length=300)
    agreed_on: date | None = None
    url: str = Field("", max_length=500)
    contact_point: str = Field("", max_length=500)
    rights: dict[str, Party] = Field(
        default={}, max_length=20, description="right -> platform, company or both"
    )
    essence_en: str = Field("", max_length=4000, description="Art. 26(2) sentence 2")
    essence_de: str = Field("", max_length=4000)


@router.get("/joint-controllers")
def get_joint(db: DbSession, _who: CurrentDpo) -> list[dict[str, Any]]:
    return [status_dict(s) for s in joint_overview(db)]


@router.put("/joint-controllers/{source}", dependencies=[CsrfProtected])
def put_joint(
    source: SourceName, body: ArrangementIn, db: DbSession, runtime: Runtime, who: Editor
) -> dict[str, Any]:
    agreed = datetime.combine(body.agreed_on, time(0), tzinfo=UTC) if body.agreed_on else None
    draft = ArrangementDraft(
        source=source, needed=body.needed, platform=body.platform, title=body.title,
        agreed_on=agreed, url=body.url, contact_point=body.contact_point,
        rights=dict(body.rights), essence_en=body.essence_en, essence_de=body.essence_de,
    )  # fmt: skip
    at = runtime.clock.now()
    return arrangement_dict(save_arrangement(db, draft, actor=actor_of(who), at=at))

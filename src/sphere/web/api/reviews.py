"""Staff API of the review queue (``sphere.cockpit.reviews``, issue 13 point 4).

``GET /api/v1/reviews?state=open|replied|closed|all&lang=de|en`` — items with reason,
rule, article, special categories, where to answer and the reply template; never the
post's text unless the policy let the pipeline keep it minimised (Art. 9(2)(e)).
``POST /api/v1/reviews/{id}/state`` ``{"state": "replied"}`` — audited.
Roles: agent, dpo, admin; auditor reads.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Query
from pydantic import BaseModel

from sphere.accounts import Principal, Role
from sphere.cockpit.reviews import list_reviews, set_review_state
from sphere.web._cockpit_service import actor_of
from sphere.web.deps import CsrfProtected, DbSession, Runtime, require_roles

router = APIRouter(tags=["reviews"])
Reviewer = Annotated[
    Principal, Depends(require_roles(Role.AGENT, Role.DPO, Role.ADMIN, Role.AUDITOR))
]
ItemId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]


class StateBody(BaseModel):
    state: Literal["open", "replied", "closed"]


@router.get("/reviews")
def get_reviews(
    runtime: Runtime,
    db: DbSession,
    _who: Reviewer,
    state: Annotated[Literal["open", "replied", "closed", "all"], Query()] = "open",
    lang: Annotated[Literal["de", "en"], Query()] = "en",
) -> dict[str, Any]:
    """Items of the review queue, newest first (at most 200)."""
    views = list_reviews(
        db, runtime.keyring, language=lang, state=None if state == "all" else state
    )
    return {
        "items": [
            {
                "id": v.item.id,
                "created_at": v.item.created_at.isoformat(),
                "expires_at": v.item.expires_at.isoformat(),
                "state": v.item.state,
                "channel": v.item.channel,
                "post_ref": v.item.post_ref,
                "addressing": v.item.addressing,
                "visibility": v.item.visibility,
                "known_customer": v.item.contact_id is not None,
                "contact_id": v.item.contact_id,
                "outcome": v.item.outcome,
                "rule": v.item.rule_id,
                "article": v.item.article,
                "reason": v.item.reason,
                "special_categories": list(v.item.categories),
                "categories_label": v.topic,
                "text": v.item.text,
                "text_basis": v.item.text_basis,
                "reply_template": {"language": v.template_language, "text": v.template},
            }
            for v in views
        ]
    }


@router.post("/reviews/{item_id}/state", dependencies=[CsrfProtected])
def post_state(
    item_id: ItemId, body: StateBody, runtime: Runtime, db: DbSession, who: Reviewer
) -> dict[str, str]:
    set_review_state(db, item_id, body.state, actor=actor_of(who), at=runtime.clock.now())
    return {"id": item_id, "state": body.state}

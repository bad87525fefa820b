"""``/cockpit/reviews``: the review queue for the service team and the DPO
(``sphere.cockpit.reviews``). German and English: ``?lang=de|en``, else the
``sphere_lang`` cookie or ``Accept-Language``. Roles: agent, dpo, admin (act), auditor
(reads)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from starlette.responses import RedirectResponse, Response

from sphere.accounts import Principal, Role
from sphere.cockpit.reviews import list_reviews, review_counts, set_review_state
from sphere.i18n import N_
from sphere.i18n.catalogs import load
from sphere.storage.repositories.reviews import STATES
from sphere.web._cockpit_service import actor_of
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, DbSession, Runtime, require_roles
from sphere.web.i18n import LANGUAGES, pick_language

router = APIRouter(prefix="/cockpit", include_in_schema=False)
REVIEW_ROLES = (Role.AGENT, Role.DPO, Role.ADMIN, Role.AUDITOR)
Reviewer = Annotated[Principal, Depends(require_roles(*REVIEW_ROLES))]
ItemId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]

# English wording, marked for the catalogues; the page reads it through gettext in
# the language chosen (?lang=de|en, else the request's).
WORDS: dict[str, str] = {
    "title": N_("Review queue"),
    "lead": N_(
        "Posts addressed to us that could not be stored as they are: they need the person's "
        "explicit consent (for example health data, Art. 9(1) GDPR) or a person's decision. "
        "Nothing is lost: answer with the template on the channel named, then mark the item. The "
        "text of the post is not kept unless the policy allows it (Art. 9(2)(e) GDPR, public posts"
        " only); items are deleted after 30 days."
    ),
    "state": N_("State"),
    "open": N_("open"),
    "replied": N_("replied"),
    "closed": N_("closed"),
    "all": N_("all"),
    "received": N_("Received"),
    "where": N_("Where to answer"),
    "why": N_("Why it was not stored"),
    "category": N_("Special categories"),
    "contact": N_("Known customer"),
    "yes": N_("yes"),
    "no": N_("no (pseudonymous)"),
    "template": N_("Reply template"),
    "kept_text": N_("Kept text (minimised)"),
    "mark_replied": N_("Mark as replied"),
    "mark_closed": N_("Close"),
    "reopen": N_("Reopen"),
    "none": N_("No items in this state."),
    "unreadable": N_("no longer readable (key destroyed)"),
    "counts": N_("Open: {open} · replied: {replied} · closed: {closed}"),
    "direct": N_("private message"),
    "addressed": N_("addressed to us"),
    "public": N_("public"),
    "company_public": N_("on our page"),
    "restricted": N_("followers only"),
    "private_message": N_("private message"),
    "company_direct": N_("private message to us"),
}


def words(lang: str) -> dict[str, str]:
    """The page's texts in ``lang`` (``str.format`` placeholders, no ``%``)."""
    catalogue = load(lang)
    texts = {key: catalogue.gettext(text) for key, text in WORDS.items()}
    texts["switch"] = "Deutsch" if lang == "en" else "English"
    return texts


@router.get("/reviews")
def reviews_page(
    request: Request,
    runtime: Runtime,
    who: Reviewer,
    db: DbSession,
    csrf_token: CsrfToken,
    state: Annotated[str, Query(max_length=10)] = "open",
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    language = lang if lang in LANGUAGES else pick_language(request)
    state = state if state in (*STATES, "all") else "open"
    views = list_reviews(
        db, runtime.keyring, language=language, state=None if state == "all" else state
    )
    counts = review_counts(db)
    return render(
        request,
        runtime,
        "reviews.html",
        principal=who,
        csrf_token=csrf_token,
        active="review queue",
        views=views,
        counts={s: counts.get(s, 0) for s in STATES},
        state=state,
        states=(*STATES, "all"),
        t=words(language),
        lang=language,
        other_lang="de" if language == "en" else "en",
        can_act=not who.role.is_read_only,
    )


@router.post("/reviews/{item_id}/state", dependencies=[CsrfProtected])
def change_state(
    item_id: ItemId,
    runtime: Runtime,
    who: Reviewer,
    db: DbSession,
    state: Annotated[str, Form(max_length=10)],
    lang: Annotated[str, Form(max_length=5)] = "en",
) -> Response:
    set_review_state(db, item_id, state, actor=actor_of(who), at=runtime.clock.now())
    lang = lang if lang in LANGUAGES else "en"
    return RedirectResponse(f"/cockpit/reviews?lang={lang}", status_code=303)

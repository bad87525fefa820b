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
from sphere.storage.repositories.reviews import STATES
from sphere.web._cockpit_service import actor_of
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfProtected, CsrfToken, DbSession, Runtime, require_roles
from sphere.web.i18n import pick_language

router = APIRouter(prefix="/cockpit", include_in_schema=False)
REVIEW_ROLES = (Role.AGENT, Role.DPO, Role.ADMIN, Role.AUDITOR)
Reviewer = Annotated[Principal, Depends(require_roles(*REVIEW_ROLES))]
ItemId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9-]+$")]

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Review queue",
        "lead": "Posts addressed to us that could not be stored as they are: they need "
        "the person's explicit consent (for example health data, Art. 9(1) GDPR) or a "
        "person's decision. Nothing is lost: answer with the template on the channel "
        "named, then mark the item. The text of the post is not kept unless the policy "
        "allows it (Art. 9(2)(e) GDPR, public posts only); items are deleted after 30 days.",
        "state": "State",
        "open": "open",
        "replied": "replied",
        "closed": "closed",
        "all": "all",
        "received": "Received",
        "where": "Where to answer",
        "why": "Why it was not stored",
        "category": "Special categories",
        "contact": "Known customer",
        "yes": "yes",
        "no": "no (pseudonymous)",
        "template": "Reply template",
        "kept_text": "Kept text (minimised)",
        "mark_replied": "Mark as replied",
        "mark_closed": "Close",
        "reopen": "Reopen",
        "none": "No items in this state.",
        "switch": "Deutsch",
        "unreadable": "no longer readable (key destroyed)",
        "counts": "Open: {open} · replied: {replied} · closed: {closed}",
        "direct": "private message",
        "addressed": "addressed to us",
        "public": "public",
        "company_public": "on our page",
        "restricted": "followers only",
        "private_message": "private message",
        "company_direct": "private message to us",
    },
    "de": {
        "title": "Prüfliste",
        "lead": "Beiträge an uns, die nicht so gespeichert werden durften, wie sie sind: "
        "Sie brauchen die ausdrückliche Einwilligung der Person (z. B. Gesundheitsdaten, "
        "Art. 9 Abs. 1 DSGVO) oder die Entscheidung eines Menschen. Nichts geht verloren: "
        "Antworten Sie mit der Vorlage auf dem genannten Kanal und markieren Sie den "
        "Eintrag. Der Text des Beitrags wird nur gespeichert, wenn die Richtlinie es "
        "erlaubt (Art. 9 Abs. 2 lit. e DSGVO, nur öffentliche Beiträge); Einträge werden "
        "nach 30 Tagen gelöscht.",
        "state": "Status",
        "open": "offen",
        "replied": "beantwortet",
        "closed": "erledigt",
        "all": "alle",
        "received": "Eingegangen",
        "where": "Wo antworten",
        "why": "Warum nicht gespeichert",
        "category": "Besondere Kategorien",
        "contact": "Bekannter Kunde",
        "yes": "ja",
        "no": "nein (pseudonym)",
        "template": "Antwortvorlage",
        "kept_text": "Gespeicherter Text (minimiert)",
        "mark_replied": "Als beantwortet markieren",
        "mark_closed": "Erledigt",
        "reopen": "Wieder öffnen",
        "none": "Keine Einträge in diesem Status.",
        "switch": "English",
        "unreadable": "nicht mehr lesbar (Schlüssel vernichtet)",
        "counts": "Offen: {open} · beantwortet: {replied} · erledigt: {closed}",
        "direct": "Direktnachricht",
        "addressed": "an uns gerichtet",
        "public": "öffentlich",
        "company_public": "auf unserer Seite",
        "restricted": "nur für Follower",
        "private_message": "private Nachricht",
        "company_direct": "Direktnachricht an uns",
    },
}


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
    language = lang if lang in TEXT else pick_language(request)
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
        t=TEXT[language],
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
    lang = lang if lang in TEXT else "en"
    return RedirectResponse(f"/cockpit/reviews?lang={lang}", status_code=303)

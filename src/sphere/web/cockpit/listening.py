"""``/cockpit/listening``: social listening for marketing, built only from released
(noisy, thresholded) anonymous counts (``sphere.analytics.listening``). German and
English: ``?lang=de|en``, else the ``sphere_lang`` cookie or ``Accept-Language``.

Roles: ``marketer``, ``dpo``, ``admin`` (the same as the planning check)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from starlette.responses import Response

from sphere.analytics.listening import WINDOWS, listening_report
from sphere.analytics.release import ReleasePolicy
from sphere.i18n import N_
from sphere.i18n.catalogs import load
from sphere.web.api.marketing import Planner
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfToken, DbSession, Runtime
from sphere.web.i18n import LANGUAGES, pick_language

router = APIRouter(prefix="/cockpit", include_in_schema=False)

# English wording, marked for the catalogues; the page reads it through gettext in
# the language chosen (?lang=de|en, else the request's).
WORDS: dict[str, str] = {
    "title": N_("Social listening"),
    "lead": N_(
        "What public posts that did not address us say about our market: volume, share of voice, "
        "channels, products and sentiment. Built only from anonymous counts, released with "
        "differential privacy: every figure carries a little random noise and groups of fewer than"
        " {k} posts are not shown."
    ),
    "window": N_("Period"),
    "days": N_("last {n} days"),
    "volume": N_("Posts per day"),
    "voice": N_("Share of voice"),
    "company": N_("about us"),
    "other": N_("about the market"),
    "channels": N_("Channels"),
    "products": N_("Products mentioned"),
    "sentiment": N_("Sentiment"),
    "positive": N_("positive"),
    "neutral": N_("neutral"),
    "negative": N_("negative"),
    "none": N_("Nothing to show: fewer than {k} posts (or too few for the noise threshold)."),
    "guarantee": N_(
        "Differential privacy: ε = {eps}, δ = {delta:.1e} for this report ({n} tables); smallest "
        "group shown: {threshold} posts; k = {k}. Budget used this month: ε {spent} of {budget}."
    ),
    "refused": N_("Not released: {reason}"),
    "posts": N_("posts"),
}


def words(lang: str) -> dict[str, str]:
    """The page's texts in ``lang`` (``str.format`` placeholders, no ``%``)."""
    catalogue = load(lang)
    texts = {key: catalogue.gettext(text) for key, text in WORDS.items()}
    texts["switch"] = "Deutsch" if lang == "en" else "English"
    return texts


@router.get("/listening")
def listening_page(
    request: Request,
    runtime: Runtime,
    who: Planner,
    db: DbSession,
    csrf_token: CsrfToken,
    days: Annotated[int, Query()] = 28,
    lang: Annotated[str | None, Query(max_length=5)] = None,
) -> Response:
    language = lang if lang in LANGUAGES else pick_language(request)
    days = days if days in WINDOWS else 28
    report = listening_report(
        db,
        days=days,
        now=runtime.clock.now(),
        policy=ReleasePolicy.from_settings(runtime.settings),
    )
    return render(
        request,
        runtime,
        "listening.html",
        principal=who,
        csrf_token=csrf_token,
        active="social listening",
        report=report,
        t=words(language),
        lang=language,
        other_lang="de" if language == "en" else "en",
        days=days,
        windows=WINDOWS,
        k=runtime.settings.release_k,
    )

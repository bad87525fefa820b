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
from sphere.web.api.marketing import Planner
from sphere.web.cockpit.pages import render
from sphere.web.deps import CsrfToken, DbSession, Runtime
from sphere.web.i18n import pick_language

router = APIRouter(prefix="/cockpit", include_in_schema=False)

TEXT: dict[str, dict[str, str]] = {
    "en": {
        "title": "Social listening",
        "lead": "What public posts that did not address us say about our market: volume, "
        "share of voice, channels, products and sentiment. Built only from anonymous "
        "counts, released with differential privacy: every figure carries a little "
        "random noise and groups of fewer than {k} posts are not shown.",
        "window": "Period",
        "days": "last {n} days",
        "volume": "Posts per day",
        "voice": "Share of voice",
        "company": "about us",
        "other": "about the market",
        "channels": "Channels",
        "products": "Products mentioned",
        "sentiment": "Sentiment",
        "positive": "positive",
        "neutral": "neutral",
        "negative": "negative",
        "none": "Nothing to show: fewer than {k} posts (or too few for the noise threshold).",
        "guarantee": "Differential privacy: ε = {eps}, δ = {delta:.1e} for this report "
        "({n} tables); smallest group shown: {threshold} posts; k = {k}. Budget used this "
        "month: ε {spent} of {budget}.",
        "refused": "Not released: {reason}",
        "switch": "Deutsch",
        "posts": "posts",
    },
    "de": {
        "title": "Social Listening",
        "lead": "Was öffentliche Beiträge, die sich nicht an uns richten, über unseren Markt "
        "sagen: Volumen, Share of Voice, Kanäle, Produkte und Stimmung. Nur aus anonymen "
        "Zählungen, veröffentlicht mit Differential Privacy: jede Zahl trägt ein wenig "
        "Zufallsrauschen, und Gruppen mit weniger als {k} Beiträgen werden nicht gezeigt.",
        "window": "Zeitraum",
        "days": "letzte {n} Tage",
        "volume": "Beiträge pro Tag",
        "voice": "Share of Voice",
        "company": "über uns",
        "other": "über den Markt",
        "channels": "Kanäle",
        "products": "Erwähnte Produkte",
        "sentiment": "Stimmung",
        "positive": "positiv",
        "neutral": "neutral",
        "negative": "negativ",
        "none": "Nichts zu zeigen: weniger als {k} Beiträge (oder zu wenige für die "
        "Rauschschwelle).",
        "guarantee": "Differential Privacy: ε = {eps}, δ = {delta:.1e} für diesen Bericht "
        "({n} Tabellen); kleinste gezeigte Gruppe: {threshold} Beiträge; k = {k}. Diesen "
        "Monat verbrauchtes Budget: ε {spent} von {budget}.",
        "refused": "Nicht veröffentlicht: {reason}",
        "switch": "English",
        "posts": "Beiträge",
    },
}


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
    language = lang if lang in TEXT else pick_language(request)
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
        t=TEXT[language],
        lang=language,
        other_lang="de" if language == "en" else "en",
        days=days,
        windows=WINDOWS,
        k=runtime.settings.release_k,
    )

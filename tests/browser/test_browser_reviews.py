"""The review queue in a real browser as a service agent: German and English, 1280 and
390 px, hostile kept text escaped, no console errors under the CSP, no horizontal
scrolling on a phone. Screenshots go to ``$SPHERE_SCREENSHOT_DIR`` if set."""

from __future__ import annotations

import os
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import AGENT_USER, DPO_PASSWORD, PSEUDONYM_SECRET

pytestmark = pytest.mark.browser
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)> Nach der Chemo <PERSON_1>'


@pytest.fixture(scope="module")
def reviews(live_server: Any) -> list[str]:
    """Two items as the pipeline opens them: a public post (text kept under Art. 9(2)(e),
    hostile on purpose) and a private message (no text)."""
    from sphere.domain.time import utcnow
    from sphere.settings import load_settings
    from sphere.storage.crypto import Keyring
    from sphere.storage.db import make_engine, make_session_factory, session_scope
    from sphere.storage.repositories.reviews import ReviewRepository

    home = Path(live_server.log).parent
    settings = load_settings(env="dev", home=home, pseudonym_secret=PSEUDONYM_SECRET)
    keyring = Keyring.from_settings(settings)
    engine = make_engine(f"sqlite:///{(home / 'sphere.db').as_posix()}")
    ids = []
    try:
        with session_scope(make_session_factory(engine)) as db:
            now = utcnow()
            for n, (visibility, addressing, language, text) in enumerate(
                [
                    ("public", "addressed", "de", HOSTILE),
                    ("private_message", "direct", "en", None),
                ]
            ):
                subject = f"pseudo:browser-review-{n}"
                ids.append(
                    ReviewRepository(db).add(
                        ref_key=f"{n:064d}",
                        created_at=now,
                        expires_at=now + timedelta(days=30),
                        channel="mastodon",
                        visibility=visibility,
                        addressing=addressing,
                        language=language,
                        contact_id=None,
                        subject_id=subject,
                        decision_id=None,
                        outcome="needs_consent",
                        rule_id="special-category.needs-explicit-consent",
                        article="GDPR Art. 9(1), Art. 9(2)(a)",
                        reason="Special-category data (for example health) needs the "
                        "person's explicit consent.",
                        categories=["health"],
                        post_ref_ciphertext=keyring.encrypt_for(db, subject, f"mastodon:98{n}"),
                        text_ciphertext=keyring.encrypt_for(db, subject, text) if text else None,
                        text_basis="art9_2_e" if text else None,
                    )
                )
    finally:
        engine.dispose()
    return ids


def _log_in_as_agent(page: Any, server: Any) -> None:
    page.goto(f"{server.url}/cockpit/login")
    page.get_by_label("User name").fill(AGENT_USER)
    page.get_by_label("Password").fill(DPO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r".*/cockpit/.*"))


@pytest.mark.parametrize(
    ("lang", "heading", "button", "topic"),
    [
        ("en", "Review queue", "Mark as replied", "health"),
        ("de", "Prüfliste", "Als beantwortet markieren", "Gesundheit"),
    ],
)
@pytest.mark.parametrize("width", [1280, 390])
def test_review_queue_page(
    browser: Any,
    live_server: Any,
    reviews: list[str],
    lang: str,
    heading: str,
    button: str,
    topic: str,
    width: int,
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    dialogs: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        _log_in_as_agent(page, live_server)
        nav = page.get_by_role("navigation", name="Cockpit sections")
        assert nav.get_by_role("link", name="Review queue").count() == 1
        page.goto(f"{live_server.url}/cockpit/reviews?lang={lang}&state=all")
        assert page.get_by_role("heading", name=heading, exact=True).is_visible()
        for item_id in reviews:
            card = page.locator(f"#review-{item_id}")
            assert card.is_visible()
            assert topic in card.locator(".categories").inner_text()
            assert card.locator("blockquote.template").inner_text().strip()
        kept = page.locator(f"#review-{reviews[0]} .kept-text").inner_text()
        assert "<script>" in kept  # shown as text, not run
        assert page.locator(f"#review-{reviews[1]} .kept-text").count() == 0
        assert page.get_by_role("button", name=button).count() >= 1
        scroll = page.evaluate("document.documentElement.scrollWidth")
        assert scroll <= width + 1, f"horizontal scrolling at {width}px ({scroll})"
        target = os.environ.get("SPHERE_SCREENSHOT_DIR")
        if target:
            Path(target).mkdir(parents=True, exist_ok=True)
            page.screenshot(path=f"{target}/reviews-{lang}-{width}.png", full_page=True)
        assert errors == [] and dialogs == []
    finally:
        context.close()

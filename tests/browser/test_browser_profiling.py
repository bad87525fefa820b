"""The portal's Art. 15(1)(h) statement in a real browser: German and English, 1280 and
390 px, values escaped, no console errors under the CSP, no horizontal scrolling on a
phone. Screenshots go to ``$SPHERE_SCREENSHOT_DIR`` if set."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import OTTO, PSEUDONYM_SECRET
from tests.browser.test_browser_portal import portal_log_in

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def otto_profile(live_server: Any) -> str:
    """An interest and a score for Otto, as enrichment and scoring store them."""
    from sphere.domain import AttributeKind, LegalBasis, Purpose
    from sphere.domain.time import utcnow
    from sphere.settings import load_settings
    from sphere.storage.crypto import Keyring
    from sphere.storage.db import make_engine, make_session_factory, session_scope
    from sphere.storage.entities import NewAttribute, SourceRef, SourceType
    from sphere.storage.repositories.attributes import AttributeRepository

    home = Path(live_server.log).parent
    keyring = Keyring.from_settings(
        load_settings(env="dev", home=home, pseudonym_secret=PSEUDONYM_SECRET)
    )
    engine = make_engine(f"sqlite:///{(home / 'sphere.db').as_posix()}")
    contact_id = live_server.subjects[OTTO]
    try:
        with session_scope(make_session_factory(engine)) as db:
            attributes = AttributeRepository(db, keyring)
            common = {
                "contact_id": contact_id,
                "kind": AttributeKind.DERIVED,
                "purpose": Purpose.PROFILING,
                "legal_basis": LegalBasis.CONSENT,
                "policy_version": "2026.1",
                "rule_id": "marketing.with-consent",
            }
            interest = attributes.add(
                NewAttribute(
                    name="interest",
                    value="<b>telephoto</b>",
                    explanation="2 posts mention the Tele 70-200",
                    **common,
                ),
                at=utcnow(),
            )
            score = {
                "model": "tele_affinity",
                "total": 1.0,
                "intercept": 0.0,
                "contributions": [
                    {
                        "feature": "interest:telephoto",
                        "value": 1,
                        "weight": 1.0,
                        "contribution": 1.0,
                    }
                ],
                "drives_automated_decision": False,
            }
            attributes.add(
                NewAttribute(
                    name="score:tele_affinity",
                    value=json.dumps(score),
                    explanation="tele_affinity = 1.00 (interest:telephoto 1.00)",
                    derived_from=(SourceRef(SourceType.ATTRIBUTE, interest.id),),
                    **common,
                ),
                at=utcnow(),
            )
    finally:
        engine.dispose()
    return contact_id


def test_portal_states_profiling_in_both_languages_and_widths(
    browser: Any, live_server: Any, otto_profile: str
) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    try:
        portal_log_in(page, live_server, OTTO)
        for lang, title in (
            ("en", "Profiling and automated decisions"),
            ("de", "Profiling und automatisierte Entscheidungen"),
        ):
            context.add_cookies([{"name": "sphere_lang", "value": lang, "url": live_server.url}])
            for width in (1280, 390):
                page.set_viewport_size({"width": width, "height": 900})
                page.goto(f"{live_server.url}/portal/overview")
                section = page.locator("#profiling")
                assert title in section.locator("h2").inner_text()
                logic = section.locator(".profiling-logic").inner_text()
                assert "<b>telephoto</b>" in logic  # escaped, shown as text
                assert "tele_affinity" in logic
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= width + 1, f"horizontal scrolling at {width}px ({scroll})"
                target = os.environ.get("SPHERE_SCREENSHOT_DIR")
                if target:
                    Path(target).mkdir(parents=True, exist_ok=True)
                    section.screenshot(path=f"{target}/portal-profiling-{lang}-{width}.png")
        assert errors == []
    finally:
        context.close()

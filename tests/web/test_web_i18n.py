"""No English on a German page: every portal and public page (logged out and in, the
error pages, a used log-in link) is fetched with ``Accept-Language: de`` and with ``en``;
a text or attribute that is the same on both and reads as English is an untranslated
string. Content that is not ours (names, posts, handles) sits in ``translate="no"``."""

from __future__ import annotations

import io
import re
import zipfile
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.engine import Engine

from sphere.domain.time import FrozenClock
from sphere.rights.erasure import erase_contact
from sphere.settings import Settings
from sphere.storage.db import session_scope
from sphere.storage.portal_tables import PortalFarewellRow
from tests.factories import COMPANY_YAML
from tests.web.conftest import csrf_in, sent_links
from tests.web.test_web_portal import LENA, portal_login
from tests.web.test_web_portal import subjects as subjects  # noqa: PLC0414 - the fixture

# Words that occur in English sentences and in no German one.
ENGLISH = re.compile(
    r"\b(the|and|of|to|your|you|is|are|for|with|not|this|that|we|our|on|by|at|from|"
    r"back|log|sign|page|found|request|data|please|here|no|yes|more)\b",
    re.IGNORECASE,
)
# Words the same in both languages (names of products and networks).
NEUTRAL = {"Sphere", "Mastodon", "Bluesky", "Facebook", "Instagram", "JSON-LD", "DPV", "W3C"}
WORD = re.compile(r"[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß-]{3,}")
ATTRIBUTES = ("title", "aria-label", "placeholder", "alt", "data-label")
SKIPPED = {"script", "style", "code"}


class Texts(HTMLParser):
    """The visible texts and readable attributes of a page, outside ``translate="no"``."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._stack: list[tuple[str, bool]] = []

    def _skipping(self) -> bool:
        return any(skip for _tag, skip in self._stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        skip = values.get("translate") == "no" or tag in SKIPPED
        if tag not in {"br", "hr", "img", "input", "meta", "link", "wbr"}:
            self._stack.append((tag, skip))
        if self._skipping() or skip:
            return
        for name in ATTRIBUTES:
            if values.get(name):
                self.texts.append(str(values[name]).strip())

    def handle_endtag(self, tag: str) -> None:
        while self._stack:
            open_tag, _skip = self._stack.pop()
            if open_tag == tag:
                break

    def handle_data(self, data: str) -> None:
        text = " ".join(data.split())
        if text and not self._skipping():
            self.texts.append(text)


def texts_of(html: str) -> list[str]:
    parser = Texts()
    parser.feed(html)
    return parser.texts


def reads_as_words(text: str) -> bool:
    """A text with an English word or any word of four letters or more that is not a
    name the same in both languages (numbers, dates, codes and "·" pass)."""
    words = [w for w in WORD.findall(text) if w not in NEUTRAL]
    return bool(ENGLISH.search(text) or words)


def untranslated(german: str, english: str) -> list[str]:
    """Texts of the German page that the English page has too and that are words."""
    same = set(texts_of(german)) & set(texts_of(english))
    return sorted(t for t in same if reads_as_words(t))


def test_the_checker_sees_untranslated_text() -> None:
    en = '<p>Your data</p><p title="Back to the start">x</p><p translate="no">a post of you</p>'
    de = '<p>Your data</p><p title="Back to the start">x</p><p translate="no">a post of you</p>'
    assert untranslated(de, en) == ["Back to the start", "Your data"]
    assert untranslated("<p>Ihre Daten</p>", "<p>Your data</p>") == []


def _pages(client: TestClient, app: FastAPI, lang: str) -> dict[str, str]:
    """Every portal and public page as one person sees them in ``lang``."""
    client.cookies.clear()
    client.headers["Accept-Language"] = lang
    pages: dict[str, str] = {}
    for path in ("/transparency", "/portal/login", "/nope", "/portal/receipts/x.jsonld"):
        pages[path] = client.get(path).text
    login = client.get("/portal/login")
    pages["/portal/login (not an address)"] = client.post(
        "/portal/login", data={"email": "lena", "csrf_token": csrf_in(login.text)}
    ).text
    handle = client.post(
        "/portal/login/handle",
        data={"channel": "mastodon", "handle": "someone", "csrf_token": csrf_in(login.text)},
    )
    pages["/portal/login/handle"] = handle.text
    pages["/portal/login/handle/check"] = client.post(
        "/portal/login/handle/check", data={"csrf_token": csrf_in(handle.text)}
    ).text
    portal_login(client, app, LENA)
    used = sent_links(app)[-1].rsplit("/", 1)[1]
    confirm = client.get(f"/portal/login/{used}")
    pages["/portal/login/<used link>"] = confirm.text
    pages["/portal/session (used link)"] = client.post(
        "/portal/session", data={"token": used, "csrf_token": csrf_in(confirm.text)}
    ).text
    requests = client.get("/portal/requests")
    pages["/portal/requests (erasure asked)"] = client.post(
        "/portal/requests", data={"type": "erasure", "csrf_token": csrf_in(requests.text)}
    ).text
    for kind in ("access", "objection"):
        opened = client.post(
            "/portal/requests", data={"type": kind, "csrf_token": csrf_in(requests.text)}
        )
        pages[f"/portal/requests ({kind} opened)"] = opened.text
    consents = client.get("/portal/consents")
    for action in ("withdraw", "grant"):
        pages[f"/portal/consents ({action})"] = client.post(
            "/portal/consents",
            data={
                "purpose": "direct_marketing",
                "action": action,
                "csrf_token": csrf_in(consents.text),
            },
        ).text
    for path in ("/portal/overview", "/portal/consents", "/portal/requests", "/portal/receipts"):
        pages[path] = client.get(path).text
    pages["/portal/requests/does-not-exist"] = client.get("/portal/requests/x").text
    return pages


def test_no_english_string_remains_on_a_german_page(
    client: TestClient,
    app: FastAPI,
    subjects: dict[str, str],
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
) -> None:
    settings.resolved_company_file.parent.mkdir(parents=True, exist_ok=True)
    settings.resolved_company_file.write_text(
        COMPANY_YAML + "privacy_contact: datenschutz@optiklinse.example\n", encoding="utf-8"
    )
    english = _pages(client, app, "en")
    german = _pages(client, app, "de")
    assert german.keys() == english.keys()
    for path, html in german.items():
        assert '<html lang="de">' in html, path
        # every page names the company and how to reach its data protection officer
        assert "Optiklinse GmbH" in html and "mailto:datenschutz@optiklinse.example" in html, path
    found = {p: untranslated(german[p], english[p]) for p in german}
    assert {p: texts for p, texts in found.items() if texts} == {}


@pytest.mark.parametrize("lang", ["de", "en"])
def test_the_switch_link_overrides_the_browser(
    client: TestClient, lang: str, subjects: dict[str, str]
) -> None:
    other = "en" if lang == "de" else "de"
    client.headers["Accept-Language"] = other
    client.get(f"/portal/lang/{lang}?next=/portal/login")
    assert f'<html lang="{lang}">' in client.get("/portal/login").text
    assert f'<html lang="{lang}">' in client.get("/transparency").text


def test_after_erasure_the_next_click_says_what_happened(
    client: TestClient,
    app: FastAPI,
    subjects: dict[str, str],
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
) -> None:
    portal_login(client, app, LENA)
    client.cookies.set("sphere_lang", "de")
    runtime = app.state.runtime
    with session_scope(runtime.session_factory) as db:
        erase_contact(db, runtime.keyring, subjects[LENA], at=clock.now(), actor="dpo")
    page = client.get("/portal/overview", follow_redirects=False)
    assert page.status_code == 410
    assert "Ihre Daten sind gelöscht" in page.text and "Art. 17 DSGVO" in page.text
    assert LENA not in page.text
    assert client.get("/portal/overview", follow_redirects=False).status_code == 303  # once
    with session_scope(runtime.session_factory) as db:  # no trace but the hash
        assert db.scalar(select(func.count()).select_from(PortalFarewellRow)) == 1


def test_the_export_summary_is_in_the_persons_language(
    client: TestClient, app: FastAPI, subjects: dict[str, str]
) -> None:
    portal_login(client, app, LENA)
    client.cookies.set("sphere_lang", "de")
    page = client.get("/portal/requests")
    answer = client.post("/portal/export", data={"csrf_token": csrf_in(page.text)})
    summary = zipfile.ZipFile(io.BytesIO(answer.content)).read("summary.html").decode()
    assert '<html lang="de">' in summary
    assert "Was wir über Sie speichern" in summary and "E-Mail-Adresse" in summary
    assert "<td>Direktwerbung</td><td>erteilt</td>" in summary
    assert "Art. 17 DSGVO" in summary and "GDPR" not in summary
    assert "von Ihnen angegeben" in summary and "the controller" not in summary

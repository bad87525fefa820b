"""Basic accessibility checks of every portal, cockpit and public page (WCAG 2.1 AA in
the parts a parser can see): a page language, a title, a label for every form field,
a CSRF field in every form that posts, alt text on images — and text/background colour pairs of
``static/sphere.css`` with a contrast ratio of at least 4.5:1 (WCAG 1.4.3).

Keyboard reachability and the phone layout need a real browser: see
``tests/browser/test_browser_portal.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.consent.ledger import grant
from sphere.domain import IdentityKind, Purpose
from sphere.domain.time import FrozenClock
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories.contacts import ContactRepository
from sphere.web.runtime import TEMPLATE_DIR
from tests.web.conftest import PASSWORD, csrf_in, sent_links
from tests.web.test_web_portal import portal_login

SUBJECT = "mia.probe@example.net"
FIELD_TAGS = ("input", "select", "textarea")
UNLABELLED_INPUT_TYPES = ("hidden", "submit", "button", "reset", "image")
CSS = TEMPLATE_DIR.parent / "static" / "sphere.css"


@dataclass
class PageFacts:
    """What the parser saw of one page."""

    lang: str | None = None
    title: str = ""
    label_for: set[str] = field(default_factory=set)
    fields: list[dict[str, str | None]] = field(default_factory=list)
    wrapped_fields: int = 0
    forms: list[dict[str, object]] = field(default_factory=list)
    images_without_alt: list[str] = field(default_factory=list)


class FactParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.facts = PageFacts()
        self._in_title = False
        self._label_depth = 0
        self._form: dict[str, object] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.facts.lang = a.get("lang")
        elif tag == "title":
            self._in_title = True
        elif tag == "label":
            self._label_depth += 1
            if a.get("for"):
                self.facts.label_for.add(str(a["for"]))
        elif tag == "form":
            self._form = {"method": (a.get("method") or "get").lower(), "csrf": False}
            self.facts.forms.append(self._form)
        elif tag == "img" and not a.get("alt") and a.get("alt") != "":
            self.facts.images_without_alt.append(str(a.get("src")))
        if tag in FIELD_TAGS:
            if self._form is not None and a.get("name") == "csrf_token" and a.get("value"):
                self._form["csrf"] = True
            if tag == "input" and (a.get("type") or "text") in UNLABELLED_INPUT_TYPES:
                return
            if self._label_depth:
                self.facts.wrapped_fields += 1
                return
            self.facts.fields.append(a)

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        elif tag == "label":
            self._label_depth -= 1
        elif tag == "form":
            self._form = None

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.facts.title += data


def problems_of(html: str) -> list[str]:
    """Accessibility problems of one HTML page, as short sentences (empty: none found)."""
    parser = FactParser()
    parser.feed(html)
    facts = parser.facts
    found = []
    if not (facts.lang or "").strip():
        found.append("<html> has no lang")
    if not facts.title.strip():
        found.append("no <title>")
    for attrs in facts.fields:
        labelled = (attrs.get("id") in facts.label_for) or any(
            (attrs.get(key) or "").strip() for key in ("aria-label", "aria-labelledby")
        )
        if not labelled:
            found.append(f"field {attrs.get('name')!r} has no label")
    for number, form in enumerate(facts.forms):
        if form["method"] != "get" and not form["csrf"]:  # a GET search changes nothing
            found.append(f"form #{number} ({form['method']}) has no CSRF field")
    found.extend(f"image {src} has no alt" for src in facts.images_without_alt)
    return found


def test_checker_finds_each_kind_of_problem() -> None:
    """The checker itself: a broken page yields every problem, a good page none."""
    broken = (
        "<html><head></head><body><form method='post'><input name='q'>"
        "<select name='s'></select><textarea name='t'></textarea></form>"
        "<img src='/x.png'></body></html>"
    )
    found = problems_of(broken)
    assert found == [
        "<html> has no lang",
        "no <title>",
        "field 'q' has no label",
        "field 's' has no label",
        "field 't' has no label",
        "form #0 (post) has no CSRF field",
        "image /x.png has no alt",
    ]
    good = (
        '<html lang="en"><head><title>T</title></head><body><form method="post">'
        '<input type="hidden" name="csrf_token" value="abc"><label for="q">Q</label>'
        '<input id="q" name="q"><select aria-label="S" name="s"></select>'
        '<label>T <textarea name="t"></textarea></label><img src="/x.png" alt=""></form>'
        "</body></html>"
    )
    assert problems_of(good) == []


@pytest.fixture
def subject(settings: Settings, fresh_engine: Engine, clock: FrozenClock) -> str:
    """One customer with an e-mail on file and a marketing consent."""
    keyring = Keyring.from_settings(settings)
    with session_scope(make_session_factory(fresh_engine)) as db:
        contacts = ContactRepository(db, keyring)
        contact = contacts.create(at=clock.now())
        contacts.add_identity(contact.id, IdentityKind.EMAIL, SUBJECT, at=clock.now())
        grant(db, contact.id, Purpose.DIRECT_MARKETING, channel="web", at=clock.now(), actor="t")
        return contact.id


def _assert_accessible(pages: dict[str, str]) -> None:
    report = {path: problems_of(html) for path, html in pages.items()}
    assert {path: found for path, found in report.items() if found} == {}


def test_public_and_login_pages(client: TestClient, app: FastAPI, subject: str) -> None:
    pages = {}
    for path in ("/transparency", "/cockpit/login", "/portal/login", "/nope"):
        pages[path] = client.get(path).text
    login = client.get("/portal/login")
    sent = client.post("/portal/login", data={"email": SUBJECT, "csrf_token": csrf_in(login.text)})
    pages["/portal/login (sent)"] = sent.text
    token_path = "/portal/login/" + sent_links(app)[-1].rsplit("/", 1)[1]
    pages["/portal/login/<token>"] = client.get(token_path).text
    handle = client.post(
        "/portal/login/handle",
        data={"channel": "mastodon", "handle": "someone", "csrf_token": csrf_in(login.text)},
    )
    assert handle.status_code == 200 and "sphere-login-" in handle.text
    pages["/portal/login/handle (phrase)"] = handle.text
    assert len(pages) == 7
    _assert_accessible(pages)


@pytest.mark.parametrize("lang", ["en", "de"])
def test_portal_pages(client: TestClient, app: FastAPI, subject: str, lang: str) -> None:
    portal_login(client, app, SUBJECT)
    client.get(f"/portal/lang/{lang}?next=/portal/overview")
    requests = client.get("/portal/requests")
    client.post(
        "/portal/requests",
        data={"type": "erasure", "confirmed": "yes", "csrf_token": csrf_in(requests.text)},
    )
    pages = {
        path: client.get(path).text
        for path in ("/portal/overview", "/portal/consents", "/portal/requests", "/portal/receipts")
    }
    assert f'<html lang="{lang}">' in pages["/portal/overview"]
    assert 'id="my-requests"' in pages["/portal/requests"]  # the table is really there
    _assert_accessible(pages)


def test_cockpit_pages(
    client: TestClient, app: FastAPI, subject: str, make_user: Callable[..., str]
) -> None:
    portal_login(client, app, SUBJECT)  # a request in the queue shows its action forms
    requests = client.get("/portal/requests")
    client.post(
        "/portal/requests",
        data={"type": "erasure", "confirmed": "yes", "csrf_token": csrf_in(requests.text)},
    )
    client.cookies.clear()
    make_user("dpo@example.com", Role.DPO)
    form = client.get("/cockpit/login")
    client.post(
        "/cockpit/login",
        data={
            "username": "dpo@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_in(form.text),
        },
    )
    paths = [
        "/cockpit/",
        "/cockpit/policy",
        "/cockpit/record",
        "/cockpit/findings",
        "/cockpit/inventories",
        "/cockpit/audit",
        "/cockpit/policy/versions",
        "/cockpit/whatif",
        "/cockpit/requests",
        f"/cockpit/contacts/{subject}/timeline",
        "/cockpit/contacts",
        "/cockpit/marketing/check",
        "/cockpit/marketing/dry-run",
    ]
    pages = {}
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        pages[path] = response.text
    assert "Reason to reject" in pages["/cockpit/requests"]
    rule = re.search(r'<option value="([^"]+)"', pages["/cockpit/whatif"])
    assert rule is not None
    preview = client.post(
        "/cockpit/whatif",
        data={"disable_rule": rule.group(1), "csrf_token": csrf_in(pages["/cockpit/whatif"])},
    )
    assert preview.status_code == 200
    pages["/cockpit/whatif (preview)"] = preview.text
    found = client.post(
        "/cockpit/contacts",
        data={"q": SUBJECT, "csrf_token": csrf_in(pages["/cockpit/contacts"])},
    )
    assert found.status_code == 200 and "1 contact found" in found.text
    pages["/cockpit/contacts (search)"] = found.text
    _assert_accessible(pages)


# --- colour contrast -------------------------------------------------------------------

HEADER_ONLY = (".site-header", ".link-button", ".button-secondary")
HEX = re.compile(r"#(?:[0-9a-fA-F]{6}|[0-9a-fA-F]{3})\b")


def _rgb(colour: str) -> tuple[float, float, float]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return r, g, b


def relative_luminance(colour: str) -> float:
    """WCAG 2.1 relative luminance of an sRGB hex colour."""

    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast_ratio(first: str, second: str) -> float:
    high, low = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


@dataclass(frozen=True)
class Rule:
    selector: str
    declarations: dict[str, str]


def css_rules(css: str) -> list[Rule]:
    """Flat list of rules (media blocks unwrapped), comments removed."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"@media[^{]*\{((?:[^{}]*\{[^{}]*\})*)\s*\}", r"\1", css)
    rules = []
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        declarations = {}
        for part in body.split(";"):
            if ":" in part:
                name, value = part.split(":", 1)
                declarations[name.strip()] = value.strip()
        rules.append(Rule(" ".join(selector.split()), declarations))
    return rules


def _resolve(value: str, variables: dict[str, str]) -> str | None:
    """A declared colour as a hex value (var() resolved), or None (inherit, transparent…)."""
    match = re.fullmatch(r"var\((--[\w-]+)\)", value.strip())
    if match:
        value = variables.get(match.group(1), "")
    found = HEX.search(value)
    return found.group(0) if found else None


def colour_pairs(css: str) -> list[tuple[str, str, str]]:
    """(selector, text colour, background) for every rule that sets a text colour.

    A rule that sets no background is read against the background it sits on: the page
    (``body``) by default, the dark header for selectors inside ``.site-header`` and for
    the buttons only the headers use (``HEADER_ONLY``: cockpit "sign out", portal "log out").
    """
    rules = css_rules(css)
    variables = {
        name: value
        for rule in rules
        if rule.selector == ":root"
        for name, value in rule.declarations.items()
        if name.startswith("--")
    }
    body = next(r for r in rules if r.selector == "body")
    page = _resolve(body.declarations["background"], variables)
    header = next(r for r in rules if r.selector == ".site-header")
    header_bg = _resolve(header.declarations["background"], variables)
    assert page and header_bg
    pairs = []
    for rule in rules:
        text = _resolve(rule.declarations.get("color", ""), variables)
        if text is None:
            continue
        own = rule.declarations.get("background-color") or rule.declarations.get("background")
        background = _resolve(own, variables) if own else None
        if background is not None:
            pairs.append((rule.selector, text, background))
            continue
        in_header = any(marker in rule.selector for marker in HEADER_ONLY)
        pairs.append((rule.selector, text, header_bg if in_header else page))
    return pairs


def test_contrast_formula_matches_known_values() -> None:
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#fff", "#fff") == pytest.approx(1.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


def test_css_parser_sees_the_colour_pairs() -> None:
    pairs = colour_pairs(CSS.read_text(encoding="utf-8"))
    selectors = {selector for selector, _text, _bg in pairs}
    assert "body" in selectors and ".alert" in selectors and ".skip-link" in selectors
    assert len(pairs) >= 15


def test_text_colours_meet_wcag_aa_contrast() -> None:
    pairs = colour_pairs(CSS.read_text(encoding="utf-8"))
    weak = {
        f"{selector}: {text} on {background}": round(contrast_ratio(text, background), 2)
        for selector, text, background in pairs
        if contrast_ratio(text, background) < 4.5
    }
    assert weak == {}

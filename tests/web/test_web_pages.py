"""Pages: security headers, cockpit navigation and policy table, transparency page,
escaping of every rendered value, OpenAPI."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.i18n import translator
from sphere.i18n.glossary import article, term
from sphere.policy import default_policy, default_policy_path
from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories.policies import PolicyVersionRepository
from sphere.web.runtime import TEMPLATE_DIR

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "frame-ancestors 'none'; base-uri 'none'; form-action 'self'; object-src 'none'"
)
SCRIPT = "<script>alert('x')</script>"


@pytest.mark.parametrize(
    "path",
    ["/transparency", "/cockpit/login", "/api/v1/health", "/static/sphere.css", "/nope"],
    ids=["public", "login", "api", "static", "404"],
)
def test_security_headers_everywhere(client: TestClient, path: str) -> None:
    headers = client.get(path).headers
    assert headers["content-security-policy"] == CSP
    assert "'unsafe-inline'" not in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert "camera=()" in headers["permissions-policy"]
    assert headers["x-frame-options"] == "DENY"
    assert headers["strict-transport-security"].startswith("max-age=")
    if not path.startswith("/static/"):
        assert headers["cache-control"] == "no-store"


def test_no_inline_script_or_style_in_templates() -> None:
    # The one script element allowed: the vendored htmx file, loaded from /static.
    loader = '<script src="/static/vendor/htmx-2.0.11.min.js" defer></script>'
    for template in TEMPLATE_DIR.rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        if template.name == "htmx.html":
            assert text.count("<script") == 1 and loader in text, template
            text = text.replace(loader, "")
        assert "<script" not in text, template
        assert "<style" not in text and " style=" not in text, template
        assert not re.search(r"\son[a-z]+\s*=", text), template  # no onclick= handlers


def test_every_input_has_a_label(client: TestClient) -> None:
    page = client.get("/cockpit/login").text
    for field in ("username", "password"):
        assert f'<label for="{field}">' in page
        assert f'id="{field}"' in page


def test_cockpit_home_navigation_is_honest(
    client: TestClient, make_user: Callable[..., str], api_login: Callable[..., str]
) -> None:
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    page = client.get("/cockpit/").text
    for section in ("Record of processing", "Inventories", "Findings", "Requests", "Audit"):
        assert section in page
    assert 'href="/cockpit/requests"' in page  # the request queue is built now
    for href in ("policy", "record", "inventories", "findings", "audit", "whatif"):
        assert f'href="/cockpit/{href}"' in page
    assert 'aria-label="Cockpit sections"' in page


def test_cockpit_policy_page_lists_purposes_and_rules(
    client: TestClient, make_user: Callable[..., str], api_login: Callable[..., str]
) -> None:
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    page = client.get("/cockpit/policy").text
    policy = default_policy()
    assert policy.version in page
    assert "shipped default" in page
    for rule in policy.rules:
        assert f"<code>{rule.id}</code>" in page
    assert "Art. 6(1)(f) GDPR" in page  # citations through the glossary (issue 16)
    assert '<th scope="col">Legal basis</th>' in page


def test_transparency_is_public_and_generated_from_policy(client: TestClient) -> None:
    response = client.get("/transparency")
    assert response.status_code == 200
    policy = default_policy()
    en = translator("en")
    for purpose, spec in policy.purposes.items():
        assert term(en, "purpose", purpose) in response.text
        assert f"{spec.retention_days} days" in response.text
        assert article(en, spec.legal_basis) in response.text
    assert "DPIA" not in response.text  # internal columns stay in the cockpit


@pytest.fixture
def hostile_policy(fresh_engine: Engine) -> None:
    """Activate a policy whose free-text fields carry markup (as a hostile editor might)."""
    text = default_policy_path().read_text(encoding="utf-8")
    text = text.replace(
        "description: Answer customers who address the company.",
        f'description: "{SCRIPT} & <b>bold</b>"',
    )
    with session_scope(make_session_factory(fresh_engine)) as db:
        repo = PolicyVersionRepository(db)
        stored = repo.store(text, version="hostile", applied_by="test")
        repo.activate(stored.id)


@pytest.mark.usefixtures("hostile_policy")
def test_markup_in_values_is_shown_as_text(
    client: TestClient, make_user: Callable[..., str], api_login: Callable[..., str]
) -> None:
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    for path in ("/transparency", "/cockpit/policy"):
        page = client.get(path).text
        assert SCRIPT not in page and "<b>bold</b>" not in page, path
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &lt;b&gt;" in page, path
    assert "stored (active)" in client.get("/cockpit/policy").text


def test_every_template_escapes(app: FastAPI) -> None:
    env = app.state.runtime.templates.env
    assert env.autoescape is True
    html = env.get_template("public/error.html").render(
        title=SCRIPT, status=500, message=SCRIPT, correlation_id=SCRIPT
    )
    assert "<script>" not in html and html.count("&lt;script&gt;") == 4  # <title>, h1, p, code
    html = env.get_template("cockpit/login.html").render(
        error=SCRIPT, csrf_token='"><script>', principal=None
    )
    assert "<script>" not in html


def test_openapi_lists_the_api_and_no_cdn_docs(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    for path in (
        "/api/v1/health",
        "/api/v1/auth/login",
        "/api/v1/auth/logout",
        "/api/v1/me",
        "/api/v1/policy/default",
        "/api/v1/policy/validate",
        "/api/v1/policy/diff",
    ):
        assert path in spec["paths"], path
    assert not any(p.startswith("/cockpit") for p in spec["paths"])
    assert client.get("/docs").status_code == 404


def test_static_css_is_served_and_checked_in(client: TestClient) -> None:
    response = client.get("/static/sphere.css")
    assert response.status_code == 200
    assert ":focus-visible" in response.text  # visible keyboard focus
    assert "@media (max-width" in response.text  # phone layout
    assert Path(TEMPLATE_DIR.parent / "static" / "sphere.css").is_file()


def test_marketer_sees_403_page_not_data(
    client: TestClient, make_user: Callable[..., str], api_login: Callable[..., str]
) -> None:
    make_user("marketer@example.com", Role.MARKETER)
    api_login("marketer@example.com")
    page = client.get("/cockpit/policy")
    assert page.status_code == 403
    assert "<table" not in page.text

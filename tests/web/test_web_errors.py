"""web/errors.py: SphereError categories → status; JSON under /api, HTML elsewhere;
unexpected errors → 500 with a correlation id and nothing internal, in body or log."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sphere.accounts import AccessDenied, NotAuthenticated
from sphere.errors import (
    AuditError,
    ConfigurationError,
    ConsentError,
    InvalidInput,
    NotFound,
    PolicyError,
    PolicyViolation,
)

SECRET = "jane.doe@example.com"  # stands for personal data inside an internal error

CASES = [
    (NotFound("contact c-1 not found"), 404, "not_found"),
    (InvalidInput("field x is malformed"), 422, "invalid_input"),
    (PolicyError("unknown key", file="p.yaml", line=3, column=5), 422, "policy_error"),
    (PolicyViolation("no consent for purpose 'profiling'"), 422, "policy_violation"),
    (ConsentError("consent withdrawn"), 409, "consent_error"),
    (NotAuthenticated("log-in required"), 401, "not_authenticated"),
    (AccessDenied("role 'agent' may not do this"), 403, "forbidden"),
]
IDS = ["not-found", "invalid", "policy-error", "violation", "consent", "auth", "denied"]


@pytest.fixture
def raising_app(app: FastAPI) -> FastAPI:
    def raiser(kind: str) -> None:
        if kind == "boom":
            raise RuntimeError(f"database said: duplicate {SECRET}")
        if kind == "audit":
            raise AuditError(f"chain broken near {SECRET}")
        if kind == "config":
            raise ConfigurationError("no database")
        raise dict(zip(IDS, (case[0] for case in CASES), strict=True))[kind]

    app.add_api_route("/api/v1/_raise/{kind}", raiser)
    app.add_api_route("/_raise/{kind}", raiser)
    return app


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [(kind, status, code) for kind, (_exc, status, code) in zip(IDS, CASES, strict=True)],
    ids=IDS,
)
def test_api_errors_are_json(raising_app: FastAPI, kind: str, status: int, code: str) -> None:
    with TestClient(raising_app, base_url="https://testserver") as client:
        response = client.get(f"/api/v1/_raise/{kind}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == code


def test_policy_error_keeps_its_location(raising_app: FastAPI) -> None:
    with TestClient(raising_app, base_url="https://testserver") as client:
        error = client.get("/api/v1/_raise/policy-error").json()["error"]
    assert error == {
        "code": "policy_error",
        "message": "unknown key",
        "file": "p.yaml",
        "line": 3,
        "column": 5,
    }


@pytest.mark.parametrize(
    ("kind", "status"),
    [("not-found", 404), ("consent", 409), ("denied", 403), ("violation", 422)],
)
def test_html_errors_are_pages(raising_app: FastAPI, kind: str, status: int) -> None:
    with TestClient(raising_app, base_url="https://testserver") as client:
        response = client.get(f"/_raise/{kind}")
    assert response.status_code == status
    assert response.headers["content-type"].startswith("text/html")
    assert "<h1>" in response.text


@pytest.mark.parametrize("kind", ["boom", "audit", "config"])
@pytest.mark.parametrize("prefix", ["/api/v1", ""], ids=["api", "html"])
def test_internal_errors_hide_details(
    raising_app: FastAPI, kind: str, prefix: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR, logger="sphere.web")
    with TestClient(
        raising_app, base_url="https://testserver", raise_server_exceptions=False
    ) as client:
        response = client.get(f"{prefix}/_raise/{kind}")
    assert response.status_code == 500
    assert SECRET not in response.text
    assert "Traceback" not in response.text and "RuntimeError" not in response.text
    if prefix:
        correlation_id = response.json()["error"]["correlation_id"]
    else:
        assert "Reference for support" in response.text
        correlation_id = response.text.split("<code>")[1].split("</code>")[0]
    assert len(correlation_id) == 32
    assert correlation_id in caplog.text  # operators can find the stack trace
    assert SECRET not in caplog.text  # but the log never holds the exception message
    assert response.headers["content-security-policy"].startswith("default-src 'self'")


def test_unknown_routes(client: TestClient) -> None:
    api = client.get("/api/v1/nothing-here")
    assert api.status_code == 404 and api.json()["error"]["code"] == "not_found"
    page = client.get("/nothing-here")
    assert page.status_code == 404 and "text/html" in page.headers["content-type"]


def test_request_validation_is_422_with_locations(client: TestClient) -> None:
    response = client.post("/api/v1/auth/login", json={"username": "x"})
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert ["body", "password"] in [p["location"] for p in problems]


@pytest.mark.parametrize("kind", ["denied", "violation", "boom"])
def test_htmx_errors_are_retargeted_to_main(raising_app: FastAPI, kind: str) -> None:
    """An error answering an htmx request replaces <main>, so it is read, not lost."""
    with TestClient(raising_app, base_url="https://testserver") as client:
        plain = client.get(f"/_raise/{kind}")
        htmx = client.get(f"/_raise/{kind}", headers={"HX-Request": "true"})
        api = client.get(f"/api/v1/_raise/{kind}", headers={"HX-Request": "true"})
    assert "hx-retarget" not in plain.headers
    assert htmx.status_code == plain.status_code >= 400
    assert htmx.headers["hx-retarget"] == "#main"
    assert htmx.headers["hx-reselect"] == "#main"
    assert htmx.headers["hx-reswap"] == "outerHTML"
    assert '<main id="main"' in htmx.text
    assert "hx-retarget" not in api.headers  # JSON clients handle errors themselves


def test_vendored_htmx_is_served_same_origin(client: TestClient) -> None:
    """The pages load htmx from /static (the CSP allows only 'self'), never a CDN."""
    page = client.get("/portal/login")
    assert '<script src="/static/vendor/htmx-2.0.11.min.js" defer></script>' in page.text
    assert "<script>" not in page.text and "unpkg" not in page.text
    script = client.get("/static/vendor/htmx-2.0.11.min.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    assert script.text.startswith("var htmx=function()")
    assert "script-src 'self';" in script.headers["content-security-policy"]

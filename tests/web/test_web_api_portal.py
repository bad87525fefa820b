"""The portal's JSON API (``/api/v1/portal/me/…``): log-in through the one-time link, every
endpoint, the portal cookie as the only authentication, CSRF on unsafe methods, nobody
reaching another subject's ids, no route taking a contact id, the same wording and
effect as the pages, and a schemathesis run as a logged-in subject."""

from __future__ import annotations

import html
import io
import json
import re
import zipfile
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import schemathesis
from fastapi import FastAPI
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine

from sphere.accounts import Role
from sphere.consent.ledger import grant
from sphere.domain import AttributeKind, IdentityKind, LegalBasis, Purpose
from sphere.domain.time import FrozenClock
from sphere.rights.requests import RequestType, open_request
from sphere.runtime import audited_session_factory
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import session_scope
from sphere.storage.entities import NewAttribute
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.contacts import ContactRepository
from tests.web.conftest import BASE_URL, csrf_in, sent_links

API = "/api/v1/portal/me"
LENA = "lena.api@example.com"
OTTO = "otto.api@example.org"
INTEREST = "mountain bikes"
ERROR_CODES = {401: "not_authenticated", 403: "forbidden", 404: "not_found"}


@pytest.fixture
def subjects(settings: Settings, fresh_engine: Engine, clock: FrozenClock) -> dict[str, str]:
    """Two customers with an e-mail on file and a direct-marketing consent each; Lena
    also has an interest derived under that consent (so withdrawal deletes something)."""
    keyring = Keyring.from_settings(settings)
    ids = {}
    with session_scope(audited_session_factory(settings, fresh_engine)) as db:
        contacts = ContactRepository(db, keyring)
        for address in (LENA, OTTO):
            contact = contacts.create(at=clock.now())
            contacts.add_identity(contact.id, IdentityKind.EMAIL, address, at=clock.now())
            consent = grant(
                db, contact.id, Purpose.DIRECT_MARKETING, channel="web", at=clock.now(), actor="t"
            )
            ids[address] = contact.id
            if address == LENA:
                AttributeRepository(db, keyring).add(
                    NewAttribute(
                        contact_id=contact.id,
                        kind=AttributeKind.DERIVED,
                        name="interest",
                        value=INTEREST,
                        purpose=Purpose.DIRECT_MARKETING,
                        legal_basis=LegalBasis.CONSENT,
                        policy_version="test",
                        rule_id="test.with-consent",
                        explanation="posts about trail rides",
                        consent_id=consent.id,
                    ),
                    at=clock.now(),
                )
    return ids


def portal_login(client: TestClient, app: FastAPI, address: str) -> str:
    """Ask for a link with the portal form, open it, press "Log in" (the one-time link
    flow a script follows too); returns the CSRF token from GET /me/session."""
    page = client.get("/portal/login")
    sent = client.post("/portal/login", data={"email": address, "csrf_token": csrf_in(page.text)})
    assert sent.status_code == 200
    link = sent_links(app)[-1]
    path = link.split("127.0.0.1:8000", 1)[1]
    confirm = client.get(path)
    done = client.post(
        "/portal/session",
        data={"token": path.rsplit("/", 1)[1], "csrf_token": csrf_in(confirm.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text
    session = client.get(f"{API}/session")
    assert session.status_code == 200, session.text
    return str(session.json()["csrf_token"])


@pytest.fixture
def lena(client: TestClient, app: FastAPI, subjects: dict[str, str]) -> tuple[TestClient, str]:
    """A client logged in as Lena and her CSRF token."""
    return client, portal_login(client, app, LENA)


@pytest.fixture
def other_client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, base_url=BASE_URL) as second:
        yield second


def portal_operations(app: FastAPI) -> list[tuple[str, str]]:
    """(method, path) of every ``/me`` operation (the subject's own) in the OpenAPI spec."""
    spec = app.openapi()
    return [
        (method.upper(), path)
        for path, operations in spec["paths"].items()
        if path.startswith(f"{API}/")
        for method in operations
    ]


def concrete(path: str) -> str:
    return (
        path.replace("{purpose}", "direct_marketing")
        .replace("{request_id}", "x1")
        .replace("{receipt_id}", "x1")
    )


def assert_error(response: Any, status: int) -> None:
    assert response.status_code == status, (response.request.url, response.text)
    body = response.json()
    assert body["ok"] is False
    assert body["error"]["code"] == ERROR_CODES[status]
    assert body["error"]["message"]


def assert_invalid(response: Any) -> None:
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] in ("invalid_input", "refused")


# --- session and authentication -----------------------------------------------------


def test_session_gives_the_pages_csrf_token_and_the_expiry(
    lena: tuple[TestClient, str], clock: FrozenClock
) -> None:
    client, csrf = lena
    body = client.get(f"{API}/session").json()
    assert body["csrf_header"] == "X-CSRF-Token"
    # the same token the portal pages embed in their forms (bound to the portal cookie)
    assert body["csrf_token"] == csrf_in(client.get("/portal/consents").text)
    expires = (clock.now() + timedelta(minutes=30)).isoformat().replace("+00:00", "Z")
    assert body["expires_at"] == expires


def test_every_route_needs_a_portal_session(
    client: TestClient,
    app: FastAPI,
    subjects: dict[str, str],
    make_token: Callable[..., str],
) -> None:
    operations = portal_operations(app)
    assert len(operations) == 11
    staff = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    for method, path in operations:
        body = {"action": "withdraw"} if "consents" in path else {"type": "access"}
        # no cookie at all — and a staff API token is no portal session either
        for headers in ({}, staff):
            response = client.request(method, concrete(path), json=body, headers=headers)
            assert_error(response, 401)
            assert response.headers["content-type"] == "application/json"


def test_expired_and_logged_out_sessions_get_401(
    lena: tuple[TestClient, str], app: FastAPI, clock: FrozenClock
) -> None:
    client, csrf = lena
    clock.advance(timedelta(minutes=31))
    assert_error(client.get(f"{API}/data"), 401)
    client.cookies.clear()
    csrf = portal_login(client, app, LENA)
    assert client.delete(f"{API}/session", headers={"X-CSRF-Token": csrf}).status_code == 204
    assert_error(client.get(f"{API}/session"), 401)
    page = client.get("/portal/overview", follow_redirects=False)
    assert page.headers["location"] == "/portal/login"


def test_unsafe_routes_need_the_csrf_token_of_the_portal_cookie(
    lena: tuple[TestClient, str],
    app: FastAPI,
    make_token: Callable[..., str],
) -> None:
    client, csrf = lena
    unbound = "0" * 64  # well-formed, but not the HMAC of this portal cookie
    unsafe = [(m, p) for m, p in portal_operations(app) if m not in ("GET", "HEAD")]
    assert {p for _, p in unsafe} == {
        f"{API}/session",
        f"{API}/consents/{{purpose}}",
        f"{API}/requests",
        f"{API}/export",
    }
    bearer = f"Bearer {make_token(Role.DPO)}"
    for method, path in unsafe:
        body = {"action": "withdraw"} if "consents" in path else {"type": "access"}
        for headers in (
            {},  # missing
            {"X-CSRF-Token": csrf[:-1] + ("0" if csrf[-1] != "0" else "1")},  # wrong
            {"X-CSRF-Token": unbound, "Authorization": bearer},  # Bearer does not exempt
        ):
            response = client.request(method, concrete(path), json=body, headers=headers)
            assert_error(response, 403)
    # nothing happened: the consent is still on, no request opened, still logged in
    consents = client.get(f"{API}/consents").json()["consents"]
    assert [c["is_on"] for c in consents if c["purpose"] == "direct_marketing"] == [True]
    assert client.get(f"{API}/requests").json()["requests"] == []


# --- what we hold --------------------------------------------------------------------


def test_data_is_grouped_by_purpose_like_the_overview_page(lena: tuple[TestClient, str]) -> None:
    client, _ = lena
    body = client.get(f"{API}/data", params={"lang": "en"}).json()
    assert body["lang"] == "en"
    groups = {g["purpose"]: g for g in body["groups"]}
    assert list(groups) == ["provided", "direct_marketing"]
    assert groups["provided"]["title"] == "Your contact details"
    assert [i["item"] for i in groups["provided"]["items"]] == [f"E-mail address: {LENA}"]
    (interest,) = groups["direct_marketing"]["items"]
    assert interest["item"] == f"Interest: {INTEREST}"
    assert interest["legal_basis"] == "art6_1_a"
    assert interest["article"] == "Art. 6(1)(a) GDPR"
    assert interest["basis"] == "Art. 6(1)(a) GDPR – your consent"
    assert interest["explanation"] == "posts about trail rides"
    page = html.unescape(client.get("/portal/overview").text)
    for group in body["groups"]:
        assert group["title"] in page
        for item in group["items"]:
            assert item["label"] in page and item["value"] in page and item["basis"] in page
            assert item["deleted"] in page
    german = client.get(f"{API}/data", params={"lang": "de"}).json()
    assert german["groups"][0]["title"] == "Ihre Kontaktdaten"
    assert "Ihre Einwilligung" in german["groups"][1]["items"][0]["basis"]
    # without ?lang the portal's choice applies: Accept-Language
    chosen = client.get(f"{API}/data", headers={"Accept-Language": "de-DE"}).json()
    assert chosen["lang"] == "de"
    assert_invalid(client.get(f"{API}/data", params={"lang": "fr"}))


# --- consents ------------------------------------------------------------------------


def page_notice(page: str, purpose: str) -> str:
    found = re.search(rf'id="notice-{purpose}">(.*?)</p>', page, re.S)
    assert found is not None
    return html.unescape(found.group(1))


@pytest.mark.parametrize("lang", ["en", "de"])
def test_consents_show_the_pages_notice(lena: tuple[TestClient, str], lang: str) -> None:
    client, _ = lena
    body = client.get(f"{API}/consents", params={"lang": lang}).json()
    assert body["lang"] == lang
    switch = next(c for c in body["consents"] if c["purpose"] == "direct_marketing")
    assert switch["is_on"] is True and switch["state"] == "given"
    cited = {"en": "Art. 6(1)(a) GDPR", "de": "Art. 6 Abs. 1 lit. a DSGVO"}[lang]
    assert switch["article"] == cited and switch["retention_days"] == 730
    page = client.get("/portal/consents", headers={"Accept-Language": lang}).text
    assert switch["notice"] == page_notice(page, "direct_marketing")


def test_withdraw_via_api_changes_the_pages(
    lena: tuple[TestClient, str], clock: FrozenClock
) -> None:
    client, csrf = lena
    clock.advance(timedelta(seconds=1))  # the ledger orders entries by time
    assert INTEREST in client.get("/portal/overview").text
    response = client.post(
        f"{API}/consents/direct_marketing",
        json={"action": "withdraw", "lang": "en"},
        headers={"X-CSRF-Token": csrf},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["action"] == "withdraw"
    assert body["derived_removed"] == 1
    assert body["receipt_id"] is None
    assert body["consent"]["is_on"] is False and body["consent"]["state"] == "withdrawn"
    assert body["message"] == "Consent withdrawn; 1 derived item deleted."
    page = client.get("/portal/consents").text
    card = page.split('id="consent-direct_marketing"', 1)[1].split("</section>", 1)[0]
    assert "Off" in card and "Give consent" in card and "Withdraw consent" not in card
    assert INTEREST not in client.get("/portal/overview").text
    data = client.get(f"{API}/data").json()
    assert [g["purpose"] for g in data["groups"]] == ["provided"]
    receipts = client.get(f"{API}/receipts").json()["receipts"]
    assert receipts[-1]["status"] == "dpv:ConsentWithdrawn"


def test_grant_records_the_exact_notice_shown(
    lena: tuple[TestClient, str], clock: FrozenClock
) -> None:
    client, csrf = lena
    headers = {"X-CSRF-Token": csrf}
    clock.advance(timedelta(seconds=1))  # the ledger orders entries by time
    client.post(f"{API}/consents/direct_marketing", json={"action": "withdraw"}, headers=headers)
    clock.advance(timedelta(seconds=1))
    shown = next(
        c
        for c in client.get(f"{API}/consents", params={"lang": "de"}).json()["consents"]
        if c["purpose"] == "direct_marketing"
    )
    response = client.post(
        f"{API}/consents/direct_marketing",
        json={"action": "grant", "lang": "de", "notice_sha256": shown["notice_sha256"]},
        headers=headers,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["consent"]["is_on"] is True and body["derived_removed"] == 0
    assert body["message"] == "Einwilligung erfasst."
    receipt = client.get(f"{API}/receipts/{body['receipt_id']}")
    assert receipt.headers["content-type"] == "application/ld+json"
    record = receipt.json()
    assert record["dpv:hasNotice"]["dct:identifier"] == f"sha256:{shown['notice_sha256']}"
    assert record["dpv:hasConsentStatus"]["@id"] == "dpv:ConsentGiven"


@pytest.mark.parametrize(
    ("purpose", "body"),
    [
        ("direct_marketing", {"action": "grant"}),  # no language: which notice was shown?
        ("direct_marketing", {"action": "grant", "lang": "en", "notice_sha256": "0" * 64}),
        ("customer_care", {"action": "grant", "lang": "en"}),  # not based on consent
        ("no_such_purpose", {"action": "withdraw"}),  # not a purpose at all
        ("direct_marketing", {"action": "switch"}),  # neither grant nor withdraw
        ("direct_marketing", {"action": "grant", "lang": "fr"}),  # no such language
    ],
    ids=["grant-without-lang", "stale-notice", "no-switch", "unknown-purpose", "bad-action", "fr"],
)
def test_consent_changes_that_are_refused(
    lena: tuple[TestClient, str], purpose: str, body: dict[str, str]
) -> None:
    client, csrf = lena
    response = client.post(f"{API}/consents/{purpose}", json=body, headers={"X-CSRF-Token": csrf})
    assert_invalid(response)
    consents = client.get(f"{API}/consents").json()["consents"]
    assert [c["is_on"] for c in consents if c["purpose"] == "direct_marketing"] == [True]


# --- requests and export ---------------------------------------------------------------


def test_open_and_read_own_requests(lena: tuple[TestClient, str], clock: FrozenClock) -> None:
    client, csrf = lena
    listing = client.get(f"{API}/requests").json()
    assert listing == {
        "requests": [],
        "types": ["access", "erasure", "objection", "rectification", "restriction"],
    }
    opened = client.post(
        f"{API}/requests", json={"type": "erasure"}, headers={"X-CSRF-Token": csrf}
    )
    assert opened.status_code == 201, opened.text
    request = opened.json()
    assert request["type"] == "erasure" and request["state"] == "identity_verified"
    assert request["channel"] == "portal" and request["overdue"] is False
    received = datetime.fromisoformat(request["received_at"])
    assert received == clock.now()
    assert 28 <= (datetime.fromisoformat(request["due_at"]) - received).days <= 31
    assert "contact_id" not in request
    assert client.get(f"{API}/requests/{request['id']}").json() == request
    assert [r["id"] for r in client.get(f"{API}/requests").json()["requests"]] == [request["id"]]
    assert "Erase my data (Art. 17)" in client.get("/portal/requests").text


@pytest.mark.parametrize(
    "body",
    [{"type": "portability"}, {"type": "delete_everything"}, {}],
    ids=["portability-is-export", "unknown", "missing"],
)
def test_request_types_outside_the_portal_list_are_refused(
    lena: tuple[TestClient, str], body: dict[str, str]
) -> None:
    client, csrf = lena
    assert_invalid(client.post(f"{API}/requests", json=body, headers={"X-CSRF-Token": csrf}))
    assert client.get(f"{API}/requests").json()["requests"] == []


def test_export_returns_the_zip_and_a_completed_request(lena: tuple[TestClient, str]) -> None:
    client, csrf = lena
    response = client.post(f"{API}/export", headers={"X-CSRF-Token": csrf})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["identities"][0]["value"] == LENA
    request = client.get(f"{API}/requests/{response.headers['x-sphere-request-id']}").json()
    assert request["type"] == RequestType.PORTABILITY.value and request["state"] == "completed"


# --- receipts --------------------------------------------------------------------------


def test_receipts_match_the_pages_download(lena: tuple[TestClient, str]) -> None:
    client, _ = lena
    (receipt,) = client.get(f"{API}/receipts").json()["receipts"]
    assert receipt["purpose"] == "direct_marketing"
    assert receipt["status"] == "dpv:ConsentGiven"
    assert receipt["indicated_at"] == receipt["record"]["dpv:isIndicatedAtTime"]["@value"]
    one = client.get(f"{API}/receipts/{receipt['id']}")
    assert one.status_code == 200
    page_download = client.get(f"/portal/receipts/{receipt['id']}.jsonld")
    assert one.json() == page_download.json() == receipt["record"]


# --- nobody reaches another subject ----------------------------------------------------


@pytest.fixture
def otto_ids(
    app: FastAPI,
    other_client: TestClient,
    subjects: dict[str, str],
    settings: Settings,
    fresh_engine: Engine,
    clock: FrozenClock,
) -> dict[str, str]:
    """Otto's request id and receipt id (as he sees them himself)."""
    with session_scope(audited_session_factory(settings, fresh_engine)) as db:
        request = open_request(
            db,
            Keyring.from_settings(settings),
            subjects[OTTO],
            RequestType.ACCESS,
            at=clock.now(),
            actor="test",
        )
    portal_login(other_client, app, OTTO)
    (receipt,) = other_client.get(f"{API}/receipts").json()["receipts"]
    assert other_client.get(f"{API}/requests/{request.id}").status_code == 200
    return {"request": request.id, "receipt": receipt["id"], "contact": subjects[OTTO]}


def test_another_subjects_ids_answer_404_like_unknown_ones(
    lena: tuple[TestClient, str], otto_ids: dict[str, str]
) -> None:
    client, _ = lena
    unknown_request = client.get(f"{API}/requests/00000000-0000-0000-0000-000000000000")
    unknown_receipt = client.get(f"{API}/receipts/00000000-0000-0000-0000-000000000000")
    for path, unknown in (
        (f"{API}/requests/{otto_ids['request']}", unknown_request),
        (f"{API}/receipts/{otto_ids['receipt']}", unknown_receipt),
    ):
        response = client.get(path)
        assert_error(response, 404)
        assert response.json() == unknown.json()
    # an id in the query is ignored: it is always Lena's data
    for path in ("data", "consents", "requests", "receipts", "session"):
        response = client.get(f"{API}/{path}", params={"contact_id": otto_ids["contact"]})
        assert response.status_code == 200
        assert otto_ids["contact"] not in response.text
        assert OTTO not in response.text
        assert otto_ids["request"] not in response.text and otto_ids["receipt"] not in response.text
    assert LENA in client.get(f"{API}/data", params={"contact_id": otto_ids["contact"]}).text


def _schema_properties(spec: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return set(schema.get("properties", {}))


def test_no_portal_route_takes_a_contact_or_subject_id(app: FastAPI) -> None:
    spec = app.openapi()
    forbidden = {"contact_id", "subject_id", "contact", "subject", "contactid", "subjectid"}
    paths = {p: ops for p, ops in spec["paths"].items() if p.startswith("/api/v1/portal")}
    assert len([p for p in paths if p.startswith(f"{API}/")]) == 9
    for path, operations in paths.items():
        assert "contact" not in path.lower() and "subject" not in path.lower(), path
        for method, operation in operations.items():
            names = {p["name"].lower() for p in operation.get("parameters", [])}
            assert not names & forbidden, (method, path, names)
            for content in operation.get("requestBody", {}).get("content", {}).values():
                fields = {f.lower() for f in _schema_properties(spec, content["schema"])}
                assert not fields & forbidden, (method, path, fields)


# --- the spec, fuzzed as a logged-in subject --------------------------------------------


def test_portal_api_conforms_to_its_spec_as_a_logged_in_subject(
    app: FastAPI, lena: tuple[TestClient, str]
) -> None:
    client, csrf = lena
    cookie = app.state.runtime.portal_cookie
    headers = {
        "Cookie": f"{cookie}={client.cookies[cookie]}",
        "X-CSRF-Token": csrf,
    }
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [
        op
        for op in (result.ok() for result in schema.get_all_operations())
        if op.path.startswith(f"{API}/")
        and not (op.method.upper() == "DELETE" and op.path.endswith("/session"))  # log-out last
    ]
    assert len(operations) == 10
    failures: list[str] = []
    statuses: set[int] = set()
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            suppress_health_check=list(HealthCheck),
            derandomize=True,
            database=None,
        )
        def check(case) -> None:  # noqa: ANN001
            response = case.call(headers=headers)
            statuses.add(response.status_code)
            if response.status_code >= 500:
                failures.append(f"{case.method} {case.path}: {response.status_code}")
                return
            case.validate_response(
                response,
                checks=[
                    status_code_conformance,
                    content_type_conformance,
                    response_schema_conformance,
                ],
            )

        check()
    assert failures == []
    assert {200, 201}.issubset(statuses)  # it did get through as Lena, not only 4xx
    assert client.delete(f"{API}/session", headers={"X-CSRF-Token": csrf}).status_code == 204

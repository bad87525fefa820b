"""The data-subject portal: one-time link log-in, pages, consents, export, requests, and
that nobody reaches another subject's data by changing an id or a token."""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Callable
from datetime import timedelta

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.engine import Engine

from sphere.consent.ledger import grant
from sphere.domain import IdentityKind, Purpose
from sphere.domain.time import FrozenClock
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories.contacts import ContactRepository
from tests.web.conftest import BASE_URL, csrf_in, sent_links

LENA = "lena.beispiel@example.com"
OTTO = "otto.muster@example.org"


@pytest.fixture
def subjects(settings: Settings, fresh_engine: Engine, clock: FrozenClock) -> dict[str, str]:
    """Two customers with an e-mail on file and a marketing consent each."""
    keyring = Keyring.from_settings(settings)
    ids = {}
    with session_scope(make_session_factory(fresh_engine)) as db:
        contacts = ContactRepository(db, keyring)
        for address in (LENA, OTTO):
            contact = contacts.create(at=clock.now())
            contacts.add_identity(contact.id, IdentityKind.EMAIL, address, at=clock.now())
            grant(
                db, contact.id, Purpose.DIRECT_MARKETING, channel="web", at=clock.now(), actor="t"
            )
            ids[address] = contact.id
    return ids


def portal_login(client: TestClient, app: FastAPI, address: str) -> None:
    page = client.get("/portal/login")
    assert page.status_code == 200
    sent = client.post("/portal/login", data={"email": address, "csrf_token": csrf_in(page.text)})
    assert sent.status_code == 200
    link = sent_links(app)[-1]
    path = link.split("127.0.0.1:8000", 1)[1]
    confirm = client.get(path)
    token = path.rsplit("/", 1)[1]
    done = client.post(
        "/portal/session",
        data={"token": token, "csrf_token": csrf_in(confirm.text)},
        follow_redirects=False,
    )
    assert done.status_code == 303, done.text


@pytest.fixture
def lena(client: TestClient, app: FastAPI, subjects: dict[str, str]) -> TestClient:
    portal_login(client, app, LENA)
    return client


def test_unknown_address_gets_same_answer_and_no_link(
    client: TestClient, app: FastAPI, subjects: dict[str, str]
) -> None:
    page = client.get("/portal/login")
    answer = client.post(
        "/portal/login", data={"email": "nobody@example.net", "csrf_token": csrf_in(page.text)}
    )
    assert answer.status_code == 200
    assert sent_links(app) == []
    known = client.post("/portal/login", data={"email": LENA, "csrf_token": csrf_in(page.text)})
    assert known.text == answer.text
    assert len(sent_links(app)) == 1


def test_link_is_single_use_and_cookie_is_strict(
    client: TestClient, app: FastAPI, subjects: dict[str, str]
) -> None:
    page = client.get("/portal/login")
    client.post("/portal/login", data={"email": LENA, "csrf_token": csrf_in(page.text)})
    token = sent_links(app)[-1].rsplit("/", 1)[1]
    confirm = client.get(f"/portal/login/{token}")
    csrf = csrf_in(confirm.text)
    first = client.post(
        "/portal/session", data={"token": token, "csrf_token": csrf}, follow_redirects=False
    )
    cookie = first.headers["set-cookie"]
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    assert "HttpOnly" in cookie and "Max-Age=1800" in cookie
    client.cookies.clear()
    confirm = client.get(f"/portal/login/{token}")
    again = client.post(
        "/portal/session", data={"token": token, "csrf_token": csrf_in(confirm.text)}
    )
    assert again.status_code == 404


def test_link_expires_after_15_minutes(
    client: TestClient, app: FastAPI, clock: FrozenClock, subjects: dict[str, str]
) -> None:
    page = client.get("/portal/login")
    client.post("/portal/login", data={"email": LENA, "csrf_token": csrf_in(page.text)})
    token = sent_links(app)[-1].rsplit("/", 1)[1]
    clock.advance(timedelta(minutes=16))
    confirm = client.get(f"/portal/login/{token}")
    late = client.post(
        "/portal/session", data={"token": token, "csrf_token": csrf_in(confirm.text)}
    )
    assert late.status_code == 404


def test_links_are_rate_limited_per_address(
    client: TestClient, app: FastAPI, subjects: dict[str, str]
) -> None:
    page = client.get("/portal/login")
    csrf = csrf_in(page.text)
    for _ in range(3):
        assert client.post("/portal/login", data={"email": LENA, "csrf_token": csrf}).is_success
    refused = client.post("/portal/login", data={"email": LENA, "csrf_token": csrf})
    assert refused.status_code == 429
    assert len(sent_links(app)) == 3


def test_pages_require_portal_session(client: TestClient) -> None:
    for path in ("/portal/overview", "/portal/consents", "/portal/requests", "/portal/receipts"):
        response = client.get(path, follow_redirects=False)
        assert response.status_code == 303
        assert response.headers["location"] == "/portal/login"


def test_overview_groups_by_purpose_and_language_switches(lena: TestClient) -> None:
    page = lena.get("/portal/overview", headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert page.status_code == 200
    assert '<html lang="de">' in page.text
    assert "Alles, was wir über Sie speichern" in page.text
    assert LENA in page.text
    switched = lena.get("/portal/lang/en?next=/portal/overview")
    assert '<html lang="en">' in switched.text
    assert "Everything we hold about you" in switched.text


def test_withdraw_and_grant_consent_with_notice(lena: TestClient) -> None:
    page = lena.get("/portal/consents")
    assert "Direct marketing" in page.text
    assert "Withdraw consent" in page.text
    notice = page.text.split('class="notice-text"', 1)[1]
    assert "Art. 6(1)(a) GDPR" in notice.split("</p>", 1)[0]
    withdrawn = lena.post(
        "/portal/consents",
        data={
            "purpose": "direct_marketing",
            "action": "withdraw",
            "csrf_token": csrf_in(page.text),
        },
    )
    assert withdrawn.status_code == 200
    assert "Consent withdrawn" in withdrawn.text
    receipts = lena.get("/portal/receipts")
    assert "Direct marketing: consent withdrawn, " in receipts.text


def test_consent_change_needs_csrf(lena: TestClient) -> None:
    refused = lena.post(
        "/portal/consents", data={"purpose": "direct_marketing", "action": "withdraw"}
    )
    assert refused.status_code == 403


def test_export_downloads_zip_and_records_request(lena: TestClient) -> None:
    page = lena.get("/portal/requests")
    response = lena.post("/portal/export", data={"csrf_token": csrf_in(page.text)})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    data = json.loads(archive.read("data.json"))
    assert data["identities"][0]["value"] == LENA
    assert "completed" in lena.get("/portal/requests").text


def test_erasure_request_shows_state_and_deadline(lena: TestClient) -> None:
    page = lena.get("/portal/requests")
    asked = lena.post(
        "/portal/requests", data={"type": "erasure", "csrf_token": csrf_in(page.text)}
    )
    assert "Erase your data?" in asked.text and "cannot be undone" in asked.text
    assert 'name="confirmed" value="yes"' in asked.text
    assert "You have no requests." in lena.get("/portal/requests").text  # nothing opened yet
    opened = lena.post(
        "/portal/requests",
        data={"type": "erasure", "confirmed": "yes", "csrf_token": csrf_in(page.text)},
    )
    assert opened.status_code == 200
    assert "Erase my data (Art. 17)" in opened.text
    assert "identity verified, being handled" in opened.text
    steps = opened.text.split('<ol class="steps"', 1)[1].split("</ol>", 1)[0]
    assert '<li class="done">received</li>' in steps
    assert '<li class="current" aria-current="step">identity verified</li>' in steps


def test_rectification_details_reach_the_dpo_encrypted_and_escaped(
    lena: TestClient,
    fresh_engine: Engine,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    correction = 'My phone is +49 30 7654321, not the old one <b>"x"</b>'
    page = lena.get("/portal/requests")
    assert '<label for="request-details">' in page.text
    opened = lena.post(
        "/portal/requests",
        data={"type": "rectification", "details": correction, "csrf_token": csrf_in(page.text)},
    )
    assert opened.status_code == 200
    too_long = lena.post(
        "/portal/requests",
        data={"type": "access", "details": "x" * 2001, "csrf_token": csrf_in(page.text)},
    )
    assert too_long.status_code == 422
    with fresh_engine.connect() as db:  # stored as ciphertext only
        from sqlalchemy import text

        stored = db.execute(text("select details_ciphertext from dsr_requests")).scalars().all()
    assert len(stored) == 1 and b"7654321" not in bytes(stored[0])
    lena.cookies.clear()
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    queue = lena.get("/cockpit/requests")
    assert queue.status_code == 200
    assert "My phone is +49 30 7654321" in queue.text  # the DPO reads it in the queue
    assert "<b>" not in queue.text and "&lt;b&gt;" in queue.text  # as text, never markup


def test_another_subjects_ids_and_tokens_get_nothing(
    client: TestClient, app: FastAPI, subjects: dict[str, str], make_request: Callable[..., str]
) -> None:
    otto_request = make_request(subjects[OTTO])
    portal_login(client, app, OTTO)
    otto_receipt = client.get("/portal/receipts").text.split("/portal/receipts/", 1)[1]
    otto_receipt = otto_receipt.split(".jsonld", 1)[0]
    client.cookies.clear()
    portal_login(client, app, LENA)
    lena_id = subjects[LENA]
    otto_id = subjects[OTTO]
    probes = [
        f"/portal/receipts/{otto_receipt}.jsonld",
        f"/portal/requests/{otto_request}",
        f"/portal/overview?contact_id={otto_id}",
        f"/portal/overview/{otto_id}",
        f"/portal/consents?contact={otto_id}",
    ]
    for path in probes:
        response = client.get(path)
        assert otto_id not in response.text, path
        assert OTTO not in response.text, path
        assert otto_receipt not in response.text or response.status_code == 404, path
    assert client.get(f"/portal/receipts/{otto_receipt}.jsonld").status_code == 404
    # the overview ignores any id in the URL: it is Lena's
    assert LENA in client.get(f"/portal/overview?contact_id={otto_id}").text
    assert lena_id  # a guessable id never logs anyone in:
    fresh = TestClient(app, base_url=BASE_URL)
    for path in (f"/portal/login/{otto_id}", f"/portal/login/{otto_request}"):
        confirm = fresh.get(path)
        token = path.rsplit("/", 1)[1]
        denied = fresh.post(
            "/portal/session", data={"token": token, "csrf_token": csrf_in(confirm.text)}
        )
        assert denied.status_code == 404
    page = client.get("/portal/consents")
    client.post(
        "/portal/consents",
        data={
            "purpose": "direct_marketing",
            "action": "withdraw",
            "csrf_token": csrf_in(page.text),
        },
    )
    otto_session = TestClient(app, base_url=BASE_URL)
    portal_login(otto_session, app, OTTO)
    assert "Withdraw consent" in otto_session.get("/portal/consents").text


@pytest.fixture
def make_request(
    settings: Settings, fresh_engine: Engine, clock: FrozenClock
) -> Callable[..., str]:
    from sphere.rights.requests import RequestType, open_request

    def make(contact_id: str) -> str:
        with session_scope(make_session_factory(fresh_engine)) as db:
            request = open_request(
                db,
                Keyring.from_settings(settings),
                contact_id,
                RequestType.ACCESS,
                at=clock.now(),
                actor="test",
            )
            return request.id

    return make


def test_cockpit_queue_completes_erasure_and_transparency_counts_it(
    client: TestClient,
    app: FastAPI,
    subjects: dict[str, str],
    make_user: Callable[..., str],
    fresh_engine: Engine,
) -> None:
    from tests.web.conftest import PASSWORD

    portal_login(client, app, LENA)
    page = client.get("/portal/requests")
    client.post(
        "/portal/requests",
        data={"type": "erasure", "confirmed": "yes", "csrf_token": csrf_in(page.text)},
    )
    client.cookies.clear()
    make_user("dpo@example.com")
    form = client.get("/cockpit/login")
    client.post(
        "/cockpit/login",
        data={
            "username": "dpo@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_in(form.text),
        },
    )
    queue = client.get("/cockpit/requests")
    assert queue.status_code == 200 and "erasure" in queue.text
    request_id = queue.text.split("/cockpit/requests/", 1)[1].split("/", 1)[0]
    # an erasure is confirmed first, with what it deletes in numbers
    asked = client.post(
        f"/cockpit/requests/{request_id}/complete", data={"csrf_token": csrf_in(queue.text)}
    )
    assert asked.status_code == 200 and "Erase and destroy the key" in asked.text
    assert "records about this person will be deleted" in asked.text
    assert "erasure" in client.get("/cockpit/requests").text  # still open
    done = client.post(
        f"/cockpit/requests/{request_id}/complete",
        data={"csrf_token": csrf_in(queue.text), "confirmed": "yes"},
    )
    assert done.status_code == 200 and "The erasure was carried out" in done.text
    with session_scope(make_session_factory(fresh_engine)) as db:
        from sphere.storage.repositories.oversight import transparency_counts

        assert len(transparency_counts(db).answered) == 1  # counted …
    public = client.get("/transparency").text
    # … and released only through the k-threshold: one request is never published
    assert 'id="fig-answered-1">too few to publish' in public
    assert "Art. 6(1)(a) GDPR" in public

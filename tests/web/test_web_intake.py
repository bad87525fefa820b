"""Webhook intake end to end (in-process hand-off, no NATS): signatures before parsing,
refusals audited and counted with nothing stored, bad bodies quarantined encrypted."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from sphere.audit.chain import verify
from sphere.audit.keys import load_audit_keys
from sphere.domain.time import FrozenClock
from sphere.governance.sources import add_source
from sphere.intake.signatures import meta_signature, signed_header, x_signature
from sphere.settings import Settings
from sphere.storage.db import make_session_factory, session_scope
from sphere.web.app import create_app
from sphere.web.config import WebSettings
from sphere.web.intake_app import create_intake_app
from tests.factories import COMPANY_YAML, mastodon_status
from tests.web.conftest import BASE_URL

FB_SECRET, X_SECRET, FORUM_SECRET, OLD_FORUM_SECRET = (
    "fb-app",
    "x-consumer",
    "forum-new",
    "forum-old",
)
X_FIXTURE = Path(__file__).parents[1] / "fixtures" / "channels" / "x" / "account_activity.jsonl"
INTAKE_YAML = f"""\
sources:
  fb:
    kind: meta
    secrets: [{FB_SECRET}]
    verify_token: env:TEST_FB_VERIFY_TOKEN
  xacc:
    kind: x
    secrets: [{X_SECRET}]
  forum:
    kind: signed
    secrets: [{FORUM_SECRET}, {OLD_FORUM_SECRET}]
  masto:
    kind: signed
    secrets: [masto-secret]
"""
FB_COMMENT = {
    "object": "page",
    "entry": [
        {
            "id": "1234567890",
            "time": 1777900000,
            "changes": [
                {
                    "field": "feed",
                    "value": {
                        "item": "comment",
                        "verb": "add",
                        "post_id": "1234567890_1111",
                        "comment_id": "1111_3333",
                        "parent_id": "1234567890_1111",
                        "created_time": 1777900000,
                        "from": {"id": "5550001", "name": "Erika Beispiel"},
                        "message": "Wo bleibt meine Reparatur? Auftrag 4711",
                    },
                }
            ],
        }
    ],
}


@pytest.fixture(params=["full", "intake-only"])
def app_client(
    request: pytest.FixtureRequest,
    settings: Settings,
    web_settings: WebSettings,
    fresh_engine: Engine,
    clock: FrozenClock,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[TestClient]:
    monkeypatch.setenv("TEST_FB_VERIFY_TOKEN", "fb-verify-token")
    settings.home.mkdir(parents=True, exist_ok=True)
    (settings.home / "company.yaml").write_text(COMPANY_YAML, encoding="utf-8")
    (settings.home / "intake.yaml").write_text(INTAKE_YAML, encoding="utf-8")
    with session_scope(make_session_factory(fresh_engine)) as session:
        for name, channel in (("fb", "facebook"), ("xacc", "x"), ("forum", "forum"),
                              ("masto", "mastodon")):  # fmt: skip
            add_source(
                session,
                name,
                channel=channel,
                collection="official_api",
                actor="test",
                at=clock.now(),
            )
    # The full app and the intake-only app (sphere serve --intake-only) answer alike.
    app = (
        create_app(settings, web=web_settings, engine=fresh_engine, clock=clock)
        if request.param == "full"
        else create_intake_app(settings, engine=fresh_engine, clock=clock)
    )
    with TestClient(app, base_url=BASE_URL) as client:
        yield client


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())


def _refusals(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as connection:
        rows = connection.execute(
            text("SELECT details FROM audit_entries WHERE action = 'intake.refused' ORDER BY seq")
        ).scalars()
        return [json.loads(r) if isinstance(r, str) else r for r in rows]


def _post(client: TestClient, source: str, body: bytes, headers: dict[str, str]):  # noqa: ANN202
    return client.post(
        f"/api/v1/intake/{source}",
        content=body,
        headers={"content-type": "application/json", **headers},
    )


def test_meta_subscription_check(app_client: TestClient) -> None:
    params = {"hub.mode": "subscribe", "hub.verify_token": "fb-verify-token",
              "hub.challenge": "1158201444"}  # fmt: skip
    answer = app_client.get("/api/v1/intake/fb", params=params)
    assert answer.status_code == 200 and answer.text == "1158201444"
    refused = app_client.get("/api/v1/intake/fb", params={**params, "hub.verify_token": "x"})
    assert refused.status_code == 403


def test_x_crc_check(app_client: TestClient) -> None:
    answer = app_client.get("/api/v1/intake/xacc", params={"crc_token": "test"})
    assert answer.status_code == 200
    assert answer.json()["response_token"].startswith("sha256=")


def test_signed_meta_delivery_is_stored_once(
    app_client: TestClient, fresh_engine: Engine, settings: Settings
) -> None:
    body = json.dumps(FB_COMMENT).encode()
    headers = {"X-Hub-Signature-256": meta_signature(FB_SECRET, body)}
    first = _post(app_client, "fb", body, headers)
    assert first.status_code == 200, first.text
    assert first.json() == {"ok": True, "records": 1, "new": 1}
    assert _count(fresh_engine, "interactions") == 1
    again = _post(app_client, "fb", body, headers)  # Meta retries deliveries
    assert again.status_code == 200 and again.json()["new"] == 0
    assert _count(fresh_engine, "interactions") == 1
    with session_scope(make_session_factory(fresh_engine)) as session:
        assert verify(session, keys=load_audit_keys(settings)).ok


def test_x_account_activity_delivery(app_client: TestClient, fresh_engine: Engine) -> None:
    for line in X_FIXTURE.read_text(encoding="utf-8").splitlines()[:1]:
        body = line.encode()
        response = _post(
            app_client, "xacc", body, {"x-twitter-webhooks-signature": x_signature(X_SECRET, body)}
        )
        assert response.status_code == 200, response.text
    assert _count(fresh_engine, "interactions") == 1


def test_generic_signed_webhook_rotation_window_and_replay(
    app_client: TestClient, fresh_engine: Engine, clock: FrozenClock
) -> None:
    now = int(clock.now().timestamp())
    record = {
        "post_id": "p-1",
        "thread_id": "t-1",
        "created_at": "2026-05-01T10:00:00Z",
        "author_id": "u-1",
        "body": "Frage zum Makro 100",
        "visibility": "public",
    }
    body = json.dumps(record).encode()
    signed_by_old = signed_header(OLD_FORUM_SECRET, body, timestamp=now)
    assert _post(app_client, "forum", body, {"Sphere-Signature": signed_by_old}).status_code == 200
    replay = _post(app_client, "forum", body, {"Sphere-Signature": signed_by_old})
    assert replay.status_code == 401 and "replay" in replay.json()["error"]["message"]
    stale = signed_header(FORUM_SECRET, body, timestamp=now - 3600)
    assert _post(app_client, "forum", body, {"Sphere-Signature": stale}).status_code == 401
    reasons = [r["reason"] for r in _refusals(fresh_engine)]
    assert reasons == ["replayed", "timestamp_outside_window"]
    counters = app_client.get("/api/v1/intake/counters").json()
    assert counters["forum"] == {"accepted": 1, "replayed": 1, "timestamp_outside_window": 1}


@pytest.mark.parametrize(
    ("source", "headers", "status", "reason"),
    [
        ("fb", {}, 401, "signature_missing"),
        ("fb", {"X-Hub-Signature-256": "sha256=" + "0" * 64}, 401, "signature_mismatch"),
        ("xacc", {"x-twitter-webhooks-signature": "sha256=abc"}, 401, "signature_malformed"),
        ("nope", {}, 404, "unknown_source"),
    ],
    ids=["missing", "wrong", "malformed", "unknown-source"],
)
def test_refusals_store_nothing(
    app_client: TestClient,
    fresh_engine: Engine,
    source: str,
    headers: dict[str, str],
    status: int,
    reason: str,
) -> None:
    body = json.dumps(FB_COMMENT).encode()
    response = _post(app_client, source, body, headers)
    assert response.status_code == status
    assert response.json()["ok"] is False
    assert _count(fresh_engine, "interactions") == 0
    assert _count(fresh_engine, "quarantine") == 0
    assert [r["reason"] for r in _refusals(fresh_engine)] == [reason]
    expected_source = "-" if reason == "unknown_source" else source
    assert _refusals(fresh_engine)[0]["source"] == expected_source


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"object": "page", "entry": [', 400, "not_json"),
        (b"\xff\xfe not utf-8", 400, "not_json"),
        (b'{"object": "instagram", "entry": []}', 422, "invalid_input"),
        (b'{"hello": "world"}', 422, "invalid_input"),
    ],
    ids=["truncated-json", "not-utf8", "instagram-not-read-yet", "unknown-shape"],
)
def test_bad_bodies_with_valid_signature_are_quarantined(
    app_client: TestClient, fresh_engine: Engine, body: bytes, status: int, code: str
) -> None:
    response = _post(
        app_client, "fb", body, {"X-Hub-Signature-256": meta_signature(FB_SECRET, body)}
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["code"] == code
    assert _count(fresh_engine, "quarantine") == 1
    assert _count(fresh_engine, "interactions") == 0
    with fresh_engine.connect() as connection:
        stored = connection.execute(text("SELECT payload_ciphertext FROM quarantine")).scalar_one()
    assert body[:10] not in bytes(stored)  # encrypted at rest


def test_too_large_body_is_refused_before_reading_it_all(
    app_client: TestClient, fresh_engine: Engine
) -> None:
    body = b'{"pad": "' + b"x" * 1_100_000 + b'"}'
    response = _post(
        app_client, "fb", body, {"X-Hub-Signature-256": meta_signature(FB_SECRET, body)}
    )
    assert response.status_code == 413
    assert [r["reason"] for r in _refusals(fresh_engine)] == ["too_large"]
    assert _count(fresh_engine, "quarantine") == 0


def test_signed_mastodon_records_and_audit_chain(
    app_client: TestClient, fresh_engine: Engine, settings: Settings
) -> None:
    statuses = [
        mastodon_status(str(200 + n), "Frage an euch", mention_company=True) for n in range(3)
    ]
    body = json.dumps(statuses).encode()
    header = signed_header("masto-secret", body, timestamp=int(FrozenClock().now().timestamp()))
    response = _post(app_client, "masto", body, {"Sphere-Signature": header})
    assert response.status_code == 200, response.text
    assert response.json()["records"] == 3
    with session_scope(make_session_factory(fresh_engine)) as session:
        assert verify(session, keys=load_audit_keys(settings)).ok


def test_both_apps_answer_other_paths_with_json_and_security_headers(
    app_client: TestClient, fresh_engine: Engine
) -> None:
    for path in ("/api/v1/intake/", "/api/v1/intake/fb/extra", "/api/v1/nothing-here"):
        response = app_client.post(path, content=b"{}")
        assert response.status_code in (404, 405), path
        assert response.json()["ok"] is False
    assert _refusals(fresh_engine) == []  # no source named: nothing to audit
    health = app_client.get("/api/v1/health")
    assert health.status_code == 200 and health.json()["schema_is_current"] is True
    assert health.headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in health.headers["content-security-policy"]

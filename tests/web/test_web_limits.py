"""Limits (issue 18, point 6): request body size, bounded API models, the large measure
that stalled the server, and per-subject limits on portal requests.

Before: one 8.8 MB measure with 200,000 items was parsed and checked (45 s, health check
16 s); a portal subject could open unlimited requests (33 open for one person).
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.marketing.measures import MAX_DATA_ITEMS
from sphere.portal.requests import MAX_PORTAL_REQUESTS_PER_DAY
from tests.web.conftest import csrf_in
from tests.web.test_web_api_portal import API, lena, subjects  # noqa: F401 - fixtures

# Free-form objects allowed in request bodies, with what bounds them instead.
FREE_FORM = {
    "POST /api/v1/portal/handle-challenges/observations->ChallengePostIn.payload": (
        "a raw platform object: bounded by the body limit, read by the channel adapter "
        "with its own text and depth limits (docs/security.md)"
    ),
}


def _unbounded(spec: dict[str, Any]) -> set[str]:
    """Every string, array or free-form object in a request body without a bound."""
    schemas = spec["components"]["schemas"]
    found: set[str] = set()

    def walk(node: dict[str, Any], path: str, seen: frozenset[str]) -> None:
        if "$ref" in node:
            name = node["$ref"].rsplit("/", 1)[1]
            if name not in seen:
                walk(schemas[name], f"{path}->{name}", seen | {name})
            return
        for key in ("anyOf", "oneOf", "allOf"):
            for sub in node.get(key, []):
                walk(sub, path, seen)
        kind = node.get("type")
        if kind == "string" and not ({"maxLength", "enum", "const", "format"} & set(node)):
            found.add(f"{path} (string without maxLength)")
        if kind == "array":
            if "maxItems" not in node:
                found.add(f"{path} (array without maxItems)")
            walk(node.get("items", {}), f"{path}[]", seen)
        for name, sub in node.get("properties", {}).items():
            walk(sub, f"{path}.{name}", seen)
        extra = node.get("additionalProperties")
        is_free = extra is True or (
            kind == "object" and extra is None and not node.get("properties")
        )
        if is_free and "maxProperties" not in node and path not in FREE_FORM:
            found.add(f"{path} (free-form object)")
        if isinstance(extra, dict):
            walk(extra, f"{path}{{}}", seen)

    for route, operations in spec["paths"].items():
        for method, operation in operations.items():
            for content in operation.get("requestBody", {}).get("content", {}).values():
                walk(content["schema"], f"{method.upper()} {route}", frozenset())
    return found


def test_every_string_and_list_in_a_request_body_is_bounded(app: FastAPI) -> None:
    spec = app.openapi()
    assert _unbounded(spec) == set()
    bodies = [op for item in spec["paths"].values() for op in item.values() if "requestBody" in op]
    assert len(bodies) >= 15  # the walk did see the API


def _huge_measure(items: int = 200_000) -> bytes:
    measure = {
        "name": "huge",
        "kind": "campaign",
        "purpose": "direct_marketing",
        "channel": "email",
        "data_items": [
            {"category": "contact_data", "label": f"item {i} " + "x" * 20} for i in range(items)
        ],
    }
    return json.dumps(measure).encode()


def _auth(make_token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(Role.MARKETER)}"}


@pytest.mark.serial  # a timing assertion: not beside other tests
def test_a_body_over_the_limit_is_refused_at_once(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    body = _huge_measure()
    assert len(body) > 8_000_000
    started = time.perf_counter()
    response = client.post(
        "/api/v1/measures/check",
        content=body,
        headers={**_auth(make_token), "Content-Type": "application/json"},
    )
    assert time.perf_counter() - started < 3
    assert response.status_code == 413
    error = response.json()["error"]
    assert error["code"] == "payload_too_large"
    assert "at most 1,048,576 bytes" in error["message"]


def test_a_chunked_body_is_counted_as_it_arrives(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit counts what arrives
        body = _huge_measure(60_000)
        for start in range(0, len(body), 64 * 1024):
            yield body[start : start + 64 * 1024]

    response = client.post(
        "/api/v1/measures/check",
        content=chunks(),
        headers={**_auth(make_token), "Content-Type": "application/json"},
    )
    assert response.status_code == 413


def test_a_large_form_gets_a_page(client: TestClient) -> None:
    page = client.get("/portal/login")
    response = client.post(
        "/portal/login", data={"email": "x" * 2_000_000, "csrf_token": csrf_in(page.text)}
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("text/html")
    assert "request body too large" in response.text


def test_a_measure_with_too_many_items_names_the_field(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    body = _huge_measure(MAX_DATA_ITEMS + 1)
    assert len(body) < 1_000_000
    response = client.post(
        "/api/v1/measures/check",
        content=body,
        headers={**_auth(make_token), "Content-Type": "application/json"},
    )
    assert response.status_code == 422
    problems = response.json()["error"]["problems"]
    assert problems[0]["location"] == ["body", "data_items"]
    assert str(MAX_DATA_ITEMS) in problems[0]["message"]


@pytest.fixture
def live(app: FastAPI) -> Iterator[str]:
    """The app served by uvicorn on a free loopback port, in this process."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.mark.serial  # a timing assertion: not beside other tests
def test_health_answers_while_a_huge_measure_arrives(
    live: str, make_token: Callable[..., str]
) -> None:
    body = _huge_measure()
    outcome: dict[str, Any] = {}

    def send() -> None:
        started = time.perf_counter()
        try:
            response = httpx.post(
                f"{live}/api/v1/measures/check",
                content=body,
                headers={**_auth(make_token), "Content-Type": "application/json"},
                timeout=60,
            )
            outcome["status"] = response.status_code
        except httpx.HTTPError as exc:  # the server may close the connection after its 413
            outcome["status"] = type(exc).__name__
        outcome["seconds"] = time.perf_counter() - started

    sender = threading.Thread(target=send)
    sender.start()
    health = []
    while sender.is_alive() or not health:
        started = time.perf_counter()
        assert httpx.get(f"{live}/api/v1/health", timeout=10).status_code == 200
        health.append(time.perf_counter() - started)
        time.sleep(0.05)
    sender.join()
    assert outcome["status"] in (413, "WriteError", "RemoteProtocolError", "ReadError"), outcome
    assert outcome["seconds"] < 10, outcome
    assert max(health) < 3.0, health  # before: 16 s in the review, over 10 s here


# --- portal requests: one open per kind, a daily ceiling ----------------------------------


def test_a_duplicate_request_is_merged_into_the_open_one(lena: tuple[TestClient, str]) -> None:  # noqa: F811
    client, csrf = lena
    headers = {"X-CSRF-Token": csrf}
    first = client.post(
        f"{API}/requests", json={"type": "rectification", "details": "old street"}, headers=headers
    )
    again = client.post(
        f"{API}/requests", json={"type": "rectification", "details": "new street"}, headers=headers
    )
    assert first.status_code == again.status_code == 201
    assert first.json()["merged"] is False and again.json()["merged"] is True
    assert again.json()["id"] == first.json()["id"]
    assert again.json()["due_at"] == first.json()["due_at"]  # it keeps its deadline
    other = client.post(f"{API}/requests", json={"type": "erasure"}, headers=headers)
    assert other.json()["merged"] is False
    listing = client.get(f"{API}/requests").json()["requests"]
    assert sorted(r["type"] for r in listing) == ["erasure", "rectification"]
    page = client.get("/portal/requests")
    shown = client.post(
        "/portal/requests",
        data={"type": "erasure", "confirmed": "yes", "csrf_token": csrf_in(page.text)},
    )
    assert "You already have an open request of this kind" in shown.text


def test_merged_details_reach_the_dpo_together(
    lena: tuple[TestClient, str],  # noqa: F811
    app: FastAPI,
    subjects: dict[str, str],  # noqa: F811
) -> None:
    from sphere.storage.repositories.rights import RightsRepository

    client, csrf = lena
    headers = {"X-CSRF-Token": csrf}
    for text in ("my street is wrong", "and my town"):
        client.post(
            f"{API}/requests", json={"type": "rectification", "details": text}, headers=headers
        )
    runtime = app.state.runtime
    with runtime.session_factory() as db:
        (request,) = RightsRepository(db).list_requests()
        assert request.details_ciphertext is not None
        text = runtime.keyring.decrypt_text(db, request.contact_id, request.details_ciphertext)
    assert text == "my street is wrong\n\nand my town"


def test_more_than_the_daily_number_of_requests_is_refused(lena: tuple[TestClient, str]) -> None:  # noqa: F811
    client, csrf = lena
    headers = {"X-CSRF-Token": csrf}
    for _ in range(MAX_PORTAL_REQUESTS_PER_DAY):
        assert client.post(f"{API}/export", headers=headers).status_code == 200
    refused = client.post(f"{API}/requests", json={"type": "access"}, headers=headers)
    assert refused.status_code == 429
    assert "Art. 12(5)" in refused.json()["error"]["message"]
    assert int(refused.headers["retry-after"]) > 0
    assert client.post(f"{API}/export", headers=headers).status_code == 429

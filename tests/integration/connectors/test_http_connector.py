"""The HTTP API connector against a fake service desk on loopback (``fake_api``): every
operation, the three kinds of authentication, pagination, rate limit and 429, time-out,
5xx, dry runs that make no write call, and the loader's errors."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from sphere.connectors.definition import HttpDefinition
from sphere.connectors.loader import load_connector_text
from sphere.connectors.registry import ConnectorSet
from sphere.domain.systems import SubjectIdentifiers
from sphere.errors import ConnectorError, SystemUnavailable
from tests.integration.connectors.conftest import FIXTURES, HASH_KEY
from tests.integration.connectors.fake_api import BASIC, BEARER, CLIENT_SECRET, ApiState, fake_api

ERIKA = SubjectIdentifiers((("email", "Erika.Muster@example.org"), ("phone", "+4930123456")))
NOBODY = SubjectIdentifiers((("email", "nobody@example.org"),))
YAML = (FIXTURES / "helpdesk.yaml").read_text(encoding="utf-8")


@pytest.fixture
def api(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[str, ApiState]]:
    monkeypatch.setenv("HELPDESK_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.setenv("HELPDESK_TOKEN", BEARER)
    monkeypatch.setenv("HELPDESK_PASSWORD", BASIC[1])
    with fake_api() as served:
        yield served


def _connectors(base: str, **replace: str) -> tuple[ConnectorSet, HttpDefinition]:
    text = YAML.replace("https://desk.example.com", base).replace("rate_limit: 5", "rate_limit: 50")
    for old, new in replace.items():
        assert old in text, old
        text = text.replace(old, new)
    definition = load_connector_text(text, source="helpdesk.yaml")
    assert isinstance(definition, HttpDefinition)
    return ConnectorSet([definition], hash_key=HASH_KEY), definition


def test_documented_example_loads_and_supports_everything(api: tuple[str, ApiState]) -> None:
    connectors, _ = _connectors(api[0])
    assert connectors.names() == ("helpdesk",)
    assert connectors.operations("helpdesk") == (
        "access",
        "erasure",
        "rectification",
        "restriction",
        "preference",
    )
    [health] = connectors.health()
    assert health.status == "ok" and health.dialect == "http"
    doc = (Path(__file__).parents[3] / "docs" / "connectors.md").read_text(encoding="utf-8")
    assert YAML in doc  # the documented HTTP example is this file


def test_access_follows_cursor_pages_with_oauth2(api: tuple[str, ApiState]) -> None:
    base, state = api
    connectors, _ = _connectors(base)
    rows = connectors.access("helpdesk", ERIKA)
    contacts = rows.tables["contacts"]
    assert [c["id"] for c in contacts] == [1, 2, 3]  # two pages of two
    assert contacts[0] == {"id": 1, "email": "erika.muster@example.org", "name": "Erika Muster",
                           "address.city": "Berlin"}  # fmt: skip
    assert rows.categories["contacts"]["address.city"] == "postal_address"
    gets = [c for c in state.calls if c[0] == "GET"]
    assert len(gets) == 2 and state.issued == 1  # one token, cached for the second page
    connectors.access("helpdesk", ERIKA)
    assert state.issued == 1
    assert connectors.access("helpdesk", NOBODY).tables == {}
    connectors.close()


@pytest.mark.parametrize("style", ["page", "link"])
def test_page_and_next_link_pagination(api: tuple[str, ApiState], style: str) -> None:
    base, _ = api
    if style == "page":
        paging = "rows: items\n    pagination: {type: page, param: page}"
    else:
        paging = "rows: results\n    pagination: {type: next_link, next: links.next}"
    connectors, _ = _connectors(
        base,
        **{
            'query: {email: "{email}"}': f'query: {{email: "{{email}}", style: {style}}}',
            "rows: data.items\n    pagination: {type: cursor, next: meta.next, param: cursor}": (
                paging
            ),
        },
    )
    assert [c["id"] for c in connectors.access("helpdesk", ERIKA).tables["contacts"]] == [1, 2, 3]
    connectors.close()


def test_erasure_dry_run_makes_no_write_call_then_erases(api: tuple[str, ApiState]) -> None:
    base, state = api
    connectors, _ = _connectors(base)
    preview = connectors.erase("helpdesk", ERIKA, dry_run=True)
    assert preview.dry_run and preview.matched == 3 and preview.tables[0].deleted == 3
    assert state.writes() == [] and len(state.contacts) == 4
    done = connectors.erase("helpdesk", ERIKA)
    assert done.matched == 3 and sorted(state.contacts) == [4]
    assert ("DELETE", "/api/contacts/2") in state.writes()
    assert connectors.erase("helpdesk", ERIKA).no_match  # idempotent
    connectors.close()


def test_rectify_restrict_preference(api: tuple[str, ApiState]) -> None:
    base, state = api
    connectors, _ = _connectors(base)
    preview = connectors.rectify(
        "helpdesk", ERIKA, {"name": "Erika Musterfrau", "phone": "+491"}, dry_run=True
    )
    assert preview.matched == 3 and state.writes() == []
    assert preview.skipped == {"phone": "the API's rectification endpoint takes no such value"}
    connectors.rectify("helpdesk", ERIKA, {"name": "Erika Musterfrau"})
    assert state.bodies[-1] == {"name": "Erika Musterfrau"}  # no email key: not changed
    assert {c["name"] for i, c in state.contacts.items() if i < 4} == {"Erika Musterfrau"}

    connectors.restrict("helpdesk", ERIKA, restricted=True)
    assert state.bodies[-1] == {"restricted": True}  # a JSON boolean, not "True"
    assert all(state.contacts[i]["restricted"] is True for i in (1, 2, 3))
    assert "restricted" not in state.contacts[4]

    outcome = connectors.preference(
        "helpdesk", ERIKA, purpose="direct_marketing", state="withdrawn"
    )
    assert outcome.operation == "preference" and outcome.tables[0].updated == 3
    assert state.contacts[1]["consents"] == {"newsletter": "opted_out"}
    connectors.preference("helpdesk", ERIKA, purpose="profiling", state="objected")
    assert state.contacts[2]["consents"] == {"newsletter": "opted_out", "promotions": "opted_out"}
    connectors.preference("helpdesk", ERIKA, purpose="profiling", state="given")
    assert state.contacts[3]["consents"]["promotions"] == "opted_in"
    enrichment = connectors.preference("helpdesk", ERIKA, purpose="enrichment", state="given")
    assert enrichment.unsupported == "the preference endpoint names no purpose 'enrichment'"
    unsupported = connectors.rectify("helpdesk", ERIKA, {"postal_address": "Weg 1"})
    assert not unsupported.supported
    connectors.close()


def test_per_person_endpoint_and_unsupported_operations(api: tuple[str, ApiState]) -> None:
    base, state = api
    text = f"""system: desk2
kind: http
http: {{base_url: "{base}", auth: {{type: bearer, token_env: HELPDESK_TOKEN}}}}
endpoints:
  erasure:
    method: POST
    path: /api/erasure-requests
    body: {{email: "{{email}}", reason: Art. 17 GDPR}}
"""
    definition = load_connector_text(text, source="desk2.yaml")
    state.auth = "bearer"
    connectors = ConnectorSet([definition], hash_key=HASH_KEY)
    assert connectors.operations("desk2") == ("erasure",)
    assert connectors.erase("desk2", ERIKA, dry_run=True).matched == 1  # one call, not made
    assert state.writes() == []
    done = connectors.erase("desk2", ERIKA)
    assert done.matched == 0  # the API compares case-sensitively: 404, nothing there
    lower = SubjectIdentifiers((("email", "erika.muster@example.org"),))
    assert connectors.erase("desk2", lower).matched == 1 and sorted(state.contacts) == [4]
    assert state.bodies[-1] == {"email": "erika.muster@example.org", "reason": "Art. 17 GDPR"}
    restricted = connectors.restrict("desk2", lower, restricted=True)
    assert restricted.to_dict()["unsupported"] == (
        "not supported by this system: no restriction endpoint declared"
    )
    assert connectors.access("desk2", lower).tables == {}
    connectors.close()


@pytest.mark.parametrize("mode", ["bearer", "basic"])
def test_bearer_and_basic_auth(api: tuple[str, ApiState], mode: str) -> None:
    base, state = api
    state.auth = mode
    auth = (
        "{type: bearer, token_env: HELPDESK_TOKEN}"
        if mode == "bearer"
        else f"{{type: basic, user: {BASIC[0]}, password_env: HELPDESK_PASSWORD}}"
    )
    oauth = (
        "  auth:\n    type: oauth2\n    token_url: BASE/oauth/token\n    client_id: sphere\n"
        "    client_secret_env: HELPDESK_CLIENT_SECRET\n"
    ).replace("BASE", base)
    connectors, _ = _connectors(base, **{oauth: f"  auth: {auth}\n"})
    assert len(connectors.access("helpdesk", ERIKA).tables["contacts"]) == 3
    assert state.issued == 0
    connectors.close()


def test_wrong_secret_and_missing_env_are_readable(
    api: tuple[str, ApiState], monkeypatch: pytest.MonkeyPatch
) -> None:
    base, _ = api
    connectors, _ = _connectors(base)
    monkeypatch.setenv("HELPDESK_CLIENT_SECRET", "wrong")
    with pytest.raises(SystemUnavailable) as caught:
        connectors.access("helpdesk", ERIKA)
    assert str(caught.value) == (
        "system 'helpdesk' unavailable: access: the token endpoint answered HTTP 401"
    )
    monkeypatch.delenv("HELPDESK_CLIENT_SECRET")
    with pytest.raises(SystemUnavailable, match="HELPDESK_CLIENT_SECRET is not set"):
        connectors.erase("helpdesk", ERIKA)
    connectors.close()


def test_revoked_token_is_fetched_again_once(api: tuple[str, ApiState]) -> None:
    base, state = api
    connectors, _ = _connectors(base)
    connectors.access("helpdesk", ERIKA)
    state.tokens.clear()  # revoked: the next call answers 401
    assert len(connectors.access("helpdesk", ERIKA).tables["contacts"]) == 3
    assert state.issued == 2
    state.faults = [(401, {}), (401, {})]  # still refused after a new token: an error
    with pytest.raises(SystemUnavailable, match=r"authentication refused \(HTTP 401\)"):
        connectors.access("helpdesk", ERIKA)
    connectors.close()


def test_429_retry_after_is_honoured(api: tuple[str, ApiState]) -> None:
    base, state = api
    connectors, _ = _connectors(base)
    state.faults = [(429, {"Retry-After": "1"})]
    started = time.monotonic()
    assert connectors.erase("helpdesk", ERIKA).matched == 3
    assert time.monotonic() - started >= 1.0
    state.faults = [(429, {"Retry-After": "3600"})]
    with pytest.raises(SystemUnavailable, match="Retry-After 3600 s is too long"):
        connectors.access("helpdesk", NOBODY)
    connectors.close()


def test_rate_limit_spaces_requests(api: tuple[str, ApiState]) -> None:
    base, state = api
    connectors, _ = _connectors(base, **{"rate_limit: 50": "rate_limit: 4"})
    connectors.erase("helpdesk", ERIKA)  # token, 2 pages, 3 deletes: 6 requests
    assert len(state.times) == 6
    # from the first GET on (the client's first connection may reach the server late)
    gaps = [b - a for a, b in zip(state.times[1:], state.times[2:], strict=False)]
    assert min(gaps) >= 0.25 - 0.03 and state.times[-1] - state.times[1] >= 1.0 - 0.05
    connectors.close()


def test_timeout_and_5xx_are_errors_without_identifiers(api: tuple[str, ApiState]) -> None:
    base, state = api
    connectors, _ = _connectors(base, **{"timeout: 10": "timeout: 1"})
    connectors.access("helpdesk", NOBODY)  # the token first
    state.delay = 1.5
    with pytest.raises(SystemUnavailable) as caught:
        connectors.access("helpdesk", ERIKA)
    assert str(caught.value) == "system 'helpdesk' unavailable: access: timed out after 1 s"
    state.delay = 0
    state.faults = [(503, {})]
    with pytest.raises(SystemUnavailable) as caught:
        connectors.erase("helpdesk", ERIKA)
    assert "access: the API failed (HTTP 503)" in str(caught.value)
    assert "erika" not in str(caught.value).lower() and base not in str(caught.value)
    connectors.close()


def test_unreachable_api(api: tuple[str, ApiState]) -> None:
    connectors, _ = _connectors("http://127.0.0.1:9")
    [health] = connectors.health()
    assert health.status == "unavailable"
    assert health.problems == ("health: token endpoint: ConnectError (cannot reach it)",)
    connectors.close()


BAD = [
    ("type: oauth2", "type: kerberos", "unknown type 'kerberos'", 11),
    ("client_secret_env: HELPDESK_CLIENT_SECRET", "client_secret: x", "unknown field", 14),
    ("method: DELETE", "method: FETCH", "method must be one of", 32),
    ("/api/contacts/{row.id}/restriction", "/api/contacts/{row.uid}/restriction",
     "{row.uid} names no declared field", 40),
    ('{state: "{state}"}', '{state: "{restricted}"}', "unknown placeholder {restricted}", 45),
    ('query: {email: "{email}"}', 'query: {q: "x"}', "exactly one identity kind", 25),
    ("rate_limit: 5", "rate_limit: fast", "'rate_limit' must be a number", 16),
    ("pagination: {type: cursor, next: meta.next, param: cursor}",
     "pagination: {type: cursor}", "is missing 'next'", 30),
    ("withdrawn: opted_out}", "withdrawn: opted_out, maybe: x}", "unknown state 'maybe'", 47),
    ("{direct_marketing: newsletter", "{newsletter: newsletter", "unknown purpose 'newsl", 46),
    ("  health:", "  healthz:", "unknown operation 'healthz'", 48),
    ("base_url: https://desk", "base_url: http://desk", "credentials go only over https", 9),
    ("token_url: https://desk", "token_url: http://desk", "credentials go only over https", 12),
]  # fmt: skip


@pytest.mark.parametrize(("old", "new", "message", "line"), BAD)
def test_loader_errors_name_line_and_column(old: str, new: str, message: str, line: int) -> None:
    assert old in YAML
    with pytest.raises(ConnectorError) as caught:
        load_connector_text(YAML.replace(old, new, 1), source="helpdesk.yaml")
    assert message in str(caught.value), str(caught.value)
    assert caught.value.line == line and caught.value.column is not None, str(caught.value)

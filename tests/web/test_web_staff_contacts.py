"""Staff who are not the DPO: each role lands on its own page, may sign out, finds a
contact only by an exact identifier (values never shown, every search audited) and sees
the timeline its purposes allow, with the reason for what is hidden."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from sphere.accounts import Role
from sphere.audit import latest
from sphere.runtime import Runtime
from tests.web.conftest import PASSWORD, csrf_in

LENA = "lena.beispiel@example.com"  # K-1001 of the cockpit seed, with a Mastodon account


def _form_login(client: TestClient, username: str) -> str:
    """Log in through the cockpit form; returns where the browser was sent."""
    form = client.get("/cockpit/login")
    response = client.post(
        "/cockpit/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_in(form.text)},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return response.headers["location"]


@pytest.mark.parametrize(
    ("role", "landing"),
    [
        (Role.DPO, "/cockpit/"),
        (Role.AUDITOR, "/cockpit/"),
        (Role.MARKETER, "/cockpit/marketing/check"),
        (Role.AGENT, "/cockpit/contacts"),
    ],
)
def test_each_role_lands_on_its_page_and_can_sign_out(
    client: TestClient, make_user: Callable[..., str], role: Role, landing: str
) -> None:
    make_user(f"{role.value}@example.com", role)
    assert _form_login(client, f"{role.value}@example.com") == landing
    home = client.get("/cockpit/", follow_redirects=False)
    assert home.status_code == (200 if landing == "/cockpit/" else 303)
    page = client.get(landing)
    assert page.status_code == 200
    assert 'href="/cockpit/contacts"' in page.text  # every role can find a contact
    out = client.post(
        "/cockpit/logout", data={"csrf_token": csrf_in(page.text)}, follow_redirects=False
    )
    assert out.status_code == 303 and out.headers["location"] == "/cockpit/login"
    assert client.get("/cockpit/contacts", follow_redirects=False).status_code == 303


def test_agent_finds_a_contact_by_exact_identifier_and_the_search_is_audited(
    client: TestClient,
    seeded: Runtime,
    make_user: Callable[..., str],
) -> None:
    make_user("agent@example.com", Role.AGENT)
    _form_login(client, "agent@example.com")
    page = _search(client, LENA)
    assert page.status_code == 200
    assert "1 contact found" in page.text
    assert "E-mail address" in page.text and "Mastodon account" in page.text
    assert LENA not in page.text.replace(f'value="{LENA}"', "")  # shown only as typed
    assert "lena_fotografie" not in page.text
    link = page.text.split('href="/cockpit/contacts/', 1)[1].split('"', 1)[0]
    contact_id = link.removesuffix("/timeline")

    assert "1 contact found" in _search(client, "mastodon:lena_fotografie").text
    # stored as "+49 30 0001001"; typed nationally, read in the company's region (DE)
    assert "1 contact found" in _search(client, "030-000-1001").text
    nobody = _search(client, "lena.beispiel@example")
    assert "0 contacts found" in nobody.text  # no partial matches
    with seeded.session() as session:
        lookups = [e for e in latest(session, limit=10) if e.action == "staff.contact_lookup"]
    assert [e.details["matches"] for e in lookups] == [0, 1, 1, 1]  # newest first
    assert lookups[-1].object_ids == (contact_id,)
    assert all(e.actor.startswith("agent:") and e.details["role"] == "agent" for e in lookups)
    assert all(LENA not in str(e.as_dict()) for e in lookups)  # never the query

    timeline = client.get(f"/cockpit/contacts/{contact_id}/timeline")
    assert timeline.status_code == 200
    assert "seen as <strong>customer service</strong>" in timeline.text
    assert "Hidden: " in timeline.text and "purpose limitation" in timeline.text


def test_search_input_is_checked_and_escaped(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    make_user("agent@example.com", Role.AGENT)
    _form_login(client, "agent@example.com")
    hostile = _search(client, '"><script>alert(1)</script>')
    assert hostile.status_code == 200
    assert "<script>alert" not in hostile.text and "&lt;script&gt;" in hostile.text
    too_long = _search(client, "x" * 201)
    assert too_long.status_code == 422
    assert "q" in too_long.text and "200" in too_long.text
    empty = _search(client, "   ")
    assert empty.status_code == 200 and "found" not in empty.text


def _search(client: TestClient, q: str) -> Response:
    """Search as the form does: a POST, so the identifier never enters a URL."""
    page = client.get("/cockpit/contacts")
    return client.post("/cockpit/contacts", data={"q": q, "csrf_token": csrf_in(page.text)})


def test_the_search_is_a_post_and_a_query_string_searches_nothing(
    client: TestClient, seeded: Runtime, make_user: Callable[..., str]
) -> None:
    make_user("agent@example.com", Role.AGENT)
    _form_login(client, "agent@example.com")
    page = client.get("/cockpit/contacts", params={"q": LENA})
    assert 'method="post" action="/cockpit/contacts"' in page.text
    assert "found" not in page.text and LENA not in page.text
    assert client.post("/cockpit/contacts", data={"q": LENA}).status_code == 403  # CSRF

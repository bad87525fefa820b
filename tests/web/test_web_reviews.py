"""The review queue in the cockpit (German and English, escaped) and the staff API: a
known customer's health disclosure addressed to the company, ingested through the real
pipeline, is listed with reason, rule, category and reply template — never its text."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.pipeline.runner import ingest_file
from sphere.runtime import Runtime
from tests.factories import mastodon_status, write_jsonl
from tests.web.conftest import csrf_in

CHEMO = "nach meiner Chemo zittern meine Hände, der Zoomring ist zu schwer"


def _chemo_post(seeded: Runtime, tmp_path: Path) -> None:
    path = write_jsonl(
        tmp_path / "chemo.jsonl",
        [mastodon_status("4711", CHEMO, mention_company=True)],  # Lena, a known customer
    )
    ingest_file(seeded.factory, seeded.pipeline_context(), path, source_name="masto")


def test_agent_sees_the_item_in_both_languages_and_marks_it(
    client: TestClient,
    seeded: Runtime,
    tmp_path: Path,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    _chemo_post(seeded, tmp_path)
    make_user("agent@example.com", Role.AGENT)
    api_login("agent@example.com")
    de = client.get("/cockpit/reviews?lang=de")
    assert de.status_code == 200
    assert "Prüfliste" in de.text and "Gesundheit" in de.text
    assert "special-category.needs-explicit-consent" in de.text
    assert "mastodon:4711" in de.text  # where to answer
    assert "Direktnachricht" in de.text  # the German reply template
    assert "Chemo" not in de.text and "Zoomring" not in de.text  # never the text
    en = client.get("/cockpit/reviews?lang=en")
    assert "Review queue" in en.text and "health" in en.text
    assert 'href="/cockpit/reviews"' in en.text  # in the agent's navigation
    item_id = en.text.split('id="review-', 1)[1].split('"', 1)[0]
    answer = client.post(
        f"/cockpit/reviews/{item_id}/state",
        data={"state": "replied", "lang": "en", "csrf_token": csrf_in(en.text)},
        follow_redirects=False,
    )
    assert answer.status_code == 303
    assert "No items in this state." in client.get("/cockpit/reviews?lang=en").text
    replied = client.get("/cockpit/reviews?lang=de&state=replied").text
    assert "beantwortet" in replied and f'id="review-{item_id}"' in replied


def test_staff_api_lists_and_changes_state_by_role(
    client: TestClient,
    seeded: Runtime,
    tmp_path: Path,
    make_token: Callable[..., str],
) -> None:
    _chemo_post(seeded, tmp_path)
    agent = {"Authorization": f"Bearer {make_token(Role.AGENT)}"}
    body = client.get("/api/v1/reviews?lang=de", headers=agent).json()
    (item,) = body["items"]
    assert item["special_categories"] == ["health"]
    assert item["known_customer"] is True
    assert item["rule"] == "special-category.needs-explicit-consent"
    assert item["text"] is None
    assert item["reply_template"]["language"] == "de"
    assert "Gesundheit" in item["reply_template"]["text"]
    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR, name='audit')}"}
    assert client.get("/api/v1/reviews", headers=auditor).status_code == 200
    url = f"/api/v1/reviews/{item['id']}/state"
    assert client.post(url, json={"state": "closed"}, headers=auditor).status_code == 403
    marketer = {"Authorization": f"Bearer {make_token(Role.MARKETER, name='mkt')}"}
    assert client.get("/api/v1/reviews", headers=marketer).status_code == 403
    assert client.post(url, json={"state": "closed"}, headers=agent).json()["state"] == "closed"
    assert (
        client.get("/api/v1/reviews?state=closed", headers=agent).json()["items"][0]["id"]
        == item["id"]
    )
    assert client.post(url, json={"state": "bogus"}, headers=agent).status_code == 422

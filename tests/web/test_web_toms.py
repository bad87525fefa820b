"""The measures catalogue (GDPR Art. 32) and the record's completeness (Art. 30(1))
through the JSON API and the cockpit: roles (the auditor reads, changes nothing and sees
no forms), a refused field is named and nothing is saved, the web process's own settings
are evidenced (body limit, sessions, the access-log filter), the record PDF and JSON-LD
carry the measures, and the pages read as German in German."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.domain.time import FrozenClock
from sphere.runtime import Runtime
from tests.web.conftest import csrf_in
from tests.web.test_web_i18n import untranslated


def _body(clock: FrozenClock, **changes: object) -> dict[str, object]:
    body: dict[str, object] = {
        "title": "Off-site backups",
        "kind": "technical",
        "goal": "availability",
        "owner": "IT operations",
        "review_due": (clock.now() + timedelta(days=90)).date().isoformat(),
        "description": "Daily, kept in a second data centre.",
    }
    body.update(changes)
    return body


def test_api_roles_errors_and_flow(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_token: Callable[..., str]
) -> None:
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    marketer = {"Authorization": f"Bearer {make_token(Role.MARKETER)}"}
    assert client.post("/api/v1/toms", json=_body(clock), headers=auditor).status_code == 403
    assert client.get("/api/v1/toms", headers=marketer).status_code == 403
    past = (clock.now() - timedelta(days=1)).date().isoformat()
    bad = client.post("/api/v1/toms", json=_body(clock, review_due=past), headers=dpo)
    assert (
        bad.status_code == 422 and "review_due: the next review cannot lie in the past" in bad.text
    )
    bad = client.post("/api/v1/toms", json=_body(clock, goal="security"), headers=dpo)
    assert bad.status_code == 422 and "goal: choose one of" in bad.text
    catalogue = client.get("/api/v1/toms", headers=auditor).json()
    assert not [m for m in catalogue["measures"] if m["source"] == "declared"]  # nothing saved
    assert catalogue["missing_goals"] == ["availability", "testing"]
    by_key = {m["key"]: m for m in catalogue["measures"]}
    assert by_key["sphere.log-redaction"]["status"] == "evidenced"  # create_app installed it
    assert "request bodies above" in by_key["sphere.request-limits"]["evidence"]
    assert by_key["sphere.sessions"]["status"] == "evidenced"

    created = client.post("/api/v1/toms", json=_body(clock), headers=dpo)
    assert created.status_code == 201, created.text
    key = created.json()["key"]
    assert key == "off-site-backups" and created.json()["article"] == "GDPR Art. 32(1)(b)-(c)"
    changed = client.put(f"/api/v1/toms/{key}", headers=dpo,
                         json=_body(clock, owner="IT security"))  # fmt: skip
    assert changed.json()["owner"] == "IT security"
    assert client.put("/api/v1/toms/none-such", headers=dpo, json=_body(clock)).status_code == 404
    next_review = (clock.now() + timedelta(days=365)).date().isoformat()
    reviewed = client.post(f"/api/v1/toms/{key}/review", headers=dpo,
                           json={"next_review": next_review})  # fmt: skip
    assert reviewed.json()["review_due"] == next_review and reviewed.json()["last_reviewed_at"]
    clock.advance(timedelta(days=400))
    overdue = client.get("/api/v1/toms", headers=auditor).json()
    assert {m["key"]: m["status"] for m in overdue["measures"]}[key] == "review_overdue"
    check = client.get("/api/v1/record/check", headers=auditor).json()
    assert check["complete"] is False
    # the test company names no representative; (g) is complete: a backup is declared and
    # its review date is watched (Art. 32(1)(d)), overdue or not
    assert {g["field"] for g in check["missing"]} == {"a"}


def test_record_exports_carry_the_measures(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_token: Callable[..., str]
) -> None:
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    client.post("/api/v1/toms", json=_body(clock), headers=dpo)
    document = json.loads(client.get("/api/v1/record.jsonld", headers=dpo).text)
    ids = {m["@id"] for m in document["dpv:hasTechnicalOrganisationalMeasure"]}
    assert {"urn:sphere:tom:off-site-backups", "urn:sphere:tom:sphere.audit-chain"} <= ids
    record = client.get("/api/v1/record", headers=dpo).json()
    assert record["security_measures"]["missing_goals"] == []
    pdf = client.get("/api/v1/record.pdf", headers=dpo)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def _login(client: TestClient, make_user: Callable[..., str], role: Role, name: str) -> str:
    make_user(name, role)
    form = client.get("/cockpit/login")
    password = "correct horse battery staple"
    client.post("/cockpit/login", data={"username": name, "password": password,
                                        "csrf_token": csrf_in(form.text)})  # fmt: skip
    return csrf_in(client.get("/cockpit/toms").text)


def test_cockpit_declare_change_review(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_user: Callable[..., str]
) -> None:
    token = _login(client, make_user, Role.DPO, "dpo1")
    form = {"csrf_token": token, "title": "Off-site backups", "kind": "technical",
            "goal": "availability", "owner": "", "review_due": "2026-09-01"}  # fmt: skip
    refused = client.post("/cockpit/toms", data=form)
    assert refused.status_code == 422
    assert "Nothing was saved" in refused.text and 'aria-invalid="true"' in refused.text
    assert "Name who is responsible" in refused.text and 'value="Off-site backups"' in refused.text
    created = client.post("/cockpit/toms", data={**form, "owner": "IT operations"},
                          follow_redirects=False)  # fmt: skip
    assert created.status_code == 303
    page = client.get(created.headers["location"]).text
    assert "The measure is declared" in page and "IT operations" in page
    assert "Encryption per data subject" in page and "evidenced" in page
    early = client.post("/cockpit/toms/off-site-backups/review",
                        data={"csrf_token": token, "next_review": "2026-06-01"})  # fmt: skip
    assert early.status_code == 422 and "after today" in early.text
    done = client.post("/cockpit/toms/off-site-backups/review",
                       data={"csrf_token": token, "next_review": "2027-05-01"})  # fmt: skip
    assert "The review is recorded" in done.text
    changed = client.post("/cockpit/toms/off-site-backups", data={**form, "owner": "IT security"})
    assert "The measure was changed" in changed.text and "IT security" in changed.text


def test_auditor_reads_without_forms(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_user: Callable[..., str],
    make_token: Callable[..., str],
) -> None:  # fmt: skip
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    client.post("/api/v1/toms", json=_body(clock), headers=dpo)
    _login(client, make_user, Role.AUDITOR, "aud1")
    for path in ("/cockpit/toms", "/cockpit/toms/off-site-backups"):
        page = client.get(path).text
        main = page.split("<main")[1].split("</main>")[0]
        assert "Off-site backups" in main and "<form" not in main
    token = csrf_in(client.get("/cockpit/toms").text)
    refused = client.post("/cockpit/toms/off-site-backups/review",
                          data={"csrf_token": token, "next_review": "2027-01-01"})  # fmt: skip
    assert refused.status_code == 403


def test_pages_are_german(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_user: Callable[..., str],
    make_token: Callable[..., str],
) -> None:  # fmt: skip
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    client.post("/api/v1/toms", json=_body(clock), headers=dpo)
    token = _login(client, make_user, Role.DPO, "dpo2")
    pages: dict[str, dict[str, str]] = {}
    for lang in ("de", "en"):
        client.headers["Accept-Language"] = lang
        found = pages[lang] = {}
        for path in ("/cockpit/toms", "/cockpit/toms/off-site-backups", "/cockpit/record",
                     "/cockpit/findings"):  # fmt: skip
            found[path] = client.get(path).text
        found["refused"] = client.post("/cockpit/toms", data={
            "csrf_token": token, "title": "x", "kind": "technical", "goal": "testing",
            "owner": "IT", "review_due": "2027-01-01"}).text  # fmt: skip
    german = pages["de"]["/cockpit/toms"]
    assert "Pseudonymisierung und Verschlüsselung" in german
    assert "Art. 32 Abs. 1 lit. a DSGVO" in german and "Art. 30 Abs. 1 lit. g DSGVO" in german
    english_left = {
        path: untranslated(pages["de"][path], pages["en"][path]) for path in pages["de"]
    }
    left = {path: found for path, found in english_left.items() if found}
    assert not left, left

"""The breach register through the JSON API and the cockpit: roles (the auditor reads,
changes nothing and sees no action buttons), a refused field is named and nothing is
saved, the confirmation step before recording a notification, the DPO home's card and
the person's portal (Art. 33, 34)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.domain.time import FrozenClock
from sphere.runtime import Runtime
from tests.web.conftest import csrf_in
from tests.web.test_web_i18n import untranslated


def _body(clock: FrozenClock, **changes: object) -> dict[str, object]:
    now = clock.now()
    body: dict[str, object] = {
        "title": "Service export on a public share",
        "description": "An export of the service inbox was reachable by link.",
        "started_at": (now - timedelta(days=2)).isoformat(),
        "discovered_at": (now - timedelta(hours=1)).isoformat(),
        "systems": ["interactions", "contacts"],
    }
    body.update(changes)
    return body


def test_api_roles_errors_and_flow(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_token: Callable[..., str]
) -> None:
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    agent = {"Authorization": f"Bearer {make_token(Role.AGENT)}"}
    assert client.post("/api/v1/breaches", json=_body(clock), headers=auditor).status_code == 403
    assert client.get("/api/v1/breaches", headers=agent).status_code == 403
    bad = client.post("/api/v1/breaches", json=_body(clock, systems=[]), headers=dpo)
    assert bad.status_code == 422 and "systems: name at least one" in bad.text
    early = _body(clock, discovered_at=(clock.now() - timedelta(days=3)).isoformat())
    bad = client.post("/api/v1/breaches", json=early, headers=dpo)
    assert bad.status_code == 422 and "discovered_at: before started_at" in bad.text
    assert client.get("/api/v1/breaches", headers=auditor).json() == []  # nothing saved

    created = client.post("/api/v1/breaches", json=_body(clock), headers=dpo)
    assert created.status_code == 201, created.text
    breach = created.json()
    assert breach["affected_subjects"] >= 1 and breach["clock"]["state"] == "running"
    ref = breach["reference"]
    assessed = client.post(f"/api/v1/breaches/{ref}/assessment", headers=dpo, json={
        "risk": "high", "risk_reasons": "Names and posts were readable by anyone.",
        "consequences": "Unwanted contact and phishing.", "measures": "Link removed at once.",
        "notify_authority": True, "notify_subjects": True})  # fmt: skip
    assert assessed.status_code == 200, assessed.text
    drafts = client.get(f"/api/v1/breaches/{ref}/drafts?lang=de", headers=auditor).json()
    assert "nach Art. 33 DSGVO" in drafts["authority"]
    assert "Was das für Sie bedeuten kann" in drafts["people"]
    clock.advance(timedelta(hours=50))
    home = client.get("/api/v1/breaches?open_only=true", headers=auditor).json()
    assert home[0]["clock"]["state"] == "due_soon"
    done = client.post(f"/api/v1/breaches/{ref}/authority-notification", headers=dpo,
                       json={"authority_reference": "LDA-7"})  # fmt: skip
    assert done.json()["clock"]["state"] == "notified"
    told = client.post(f"/api/v1/breaches/{ref}/subject-notification", headers=dpo)
    assert told.json()["subjects_notified_at"]


def _login(client: TestClient, make_user: Callable[..., str], role: Role, name: str) -> str:
    make_user(name, role)
    form = client.get("/cockpit/login")
    password = "correct horse battery staple"
    client.post("/cockpit/login", data={"username": name, "password": password,
                                        "csrf_token": csrf_in(form.text)})  # fmt: skip
    return csrf_in(client.get("/cockpit/breaches").text)


def test_cockpit_flow_with_confirmation(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_user: Callable[..., str]
) -> None:
    token = _login(client, make_user, Role.DPO, "dpo1")
    local = (clock.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")  # Berlin = UTC+2
    refused = client.post("/cockpit/breaches", data={
        "csrf_token": token, "title": "Lost laptop", "description": "A service laptop was lost.",
        "started_at": local, "discovered_at": local, "kinds": "confidentiality"})  # fmt: skip
    assert refused.status_code == 422
    assert "Nothing was saved" in refused.text and 'aria-invalid="true"' in refused.text
    assert "Tick at least one system concerned." in refused.text  # the shared field hints
    created = client.post("/cockpit/breaches", data={
        "csrf_token": token, "title": "Lost laptop", "description": "A service laptop was lost.",
        "started_at": local, "discovered_at": local, "kinds": "confidentiality",
        "systems": ["interactions", "contacts"]}, follow_redirects=False)  # fmt: skip
    assert created.status_code == 303
    page = client.get(created.headers["location"])
    assert "72" in page.text and "Save the assessment" in page.text
    ref = created.headers["location"].split("/")[3].split("?")[0]
    client.post(f"/cockpit/breaches/{ref}/assessment", data={
        "csrf_token": token, "risk": "risk", "risk_reasons": "The disk was encrypted, but...",
        "consequences": "Possible disclosure of posts.", "measures": "Remote wipe ordered.",
        "notify_authority": "yes"})  # fmt: skip
    confirm = client.post(f"/cockpit/breaches/{ref}/authority-notification",
                          data={"csrf_token": token})  # fmt: skip
    assert "cannot be taken back" in confirm.text and 'name="confirmed"' in confirm.text
    assert "Supervisory authority notified" not in client.get(f"/cockpit/breaches/{ref}").text
    client.post(f"/cockpit/breaches/{ref}/authority-notification",
                data={"csrf_token": token, "confirmed": "yes"})  # fmt: skip
    assert "Supervisory authority notified" in client.get(f"/cockpit/breaches/{ref}").text
    home = client.get("/cockpit/").text
    assert "Breaches open" in home


def test_auditor_reads_without_buttons(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_user: Callable[..., str],
    make_token: Callable[..., str],
) -> None:  # fmt: skip
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    ref = client.post("/api/v1/breaches", json=_body(clock), headers=dpo).json()["reference"]
    _login(client, make_user, Role.AUDITOR, "aud1")
    listing = client.get("/cockpit/breaches").text
    assert ref in listing and "Record a breach" not in listing
    page = client.get(f"/cockpit/breaches/{ref}").text
    assert "Save the assessment" not in page and "<button" not in page.split("<main")[1].split(
        "</main>")[0]  # fmt: skip
    assert client.get("/cockpit/breaches/new").status_code == 403


def test_breach_pages_are_german(
    client: TestClient, seeded: Runtime, clock: FrozenClock, make_user: Callable[..., str],
    make_token: Callable[..., str],
) -> None:  # fmt: skip
    """The German walk of test_web_i18n_cockpit over the register's pages: list, form,
    refused form, detail (clock, assessment, drafts), both confirmation pages."""
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    created = client.post("/api/v1/breaches", headers=dpo,
                          json=_body(clock, data_categories=["contact_data"]))  # fmt: skip
    assert created.status_code == 201, created.text
    ref = created.json()["reference"]
    client.post(f"/api/v1/breaches/{ref}/assessment", headers=dpo, json={
        "risk": "high", "risk_reasons": "Names and posts were readable by anyone.",
        "consequences": "Unwanted contact and phishing.", "measures": "Link removed at once.",
        "notify_authority": True, "notify_subjects": True})  # fmt: skip
    clock.advance(timedelta(hours=80))  # overdue: the delay-reason field shows
    token = _login(client, make_user, Role.DPO, "dpo2")
    pages: dict[str, dict[str, str]] = {}
    for lang in ("de", "en"):
        client.headers["Accept-Language"] = lang
        found = pages[lang] = {}
        for path in ("/cockpit/breaches", "/cockpit/breaches/new", f"/cockpit/breaches/{ref}",
                     "/cockpit/"):  # fmt: skip
            found[path] = client.get(path).text
        found["refused"] = client.post("/cockpit/breaches", data={
            "csrf_token": token, "title": "x", "description": "y" * 20})  .text  # fmt: skip
        found["confirm-authority"] = client.post(
            f"/cockpit/breaches/{ref}/authority-notification",
            data={"csrf_token": token, "delay_reason": "The log was restored late."},
        ).text  # fmt: skip
        found["confirm-people"] = client.post(
            f"/cockpit/breaches/{ref}/subject-notification", data={"csrf_token": token},
        ).text  # fmt: skip
    assert "Verletzungen des Schutzes personenbezogener Daten" in pages["de"]["/cockpit/breaches"]
    assert "Meldung an die Aufsichtsbehörde (Art. 33 Abs. 1 DSGVO)" in pages["de"][
        f"/cockpit/breaches/{ref}"]  # fmt: skip
    english_left = {
        path: untranslated(pages["de"][path], pages["en"][path]) for path in pages["de"]
    }
    left = {path: found for path, found in english_left.items() if found}
    assert not left, left

"""The correction forms (Art. 16): the person's in the portal and the DPO's in the cockpit,
German and English through the catalogues, values checked with a message at the field,
everything typed shown escaped, and the values carried to the connected SQLite CRM;
the request's progress page says per system what was changed."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import text
from sqlalchemy.engine import Engine

from sphere.demo._connected import write_crm
from sphere.settings import Settings
from tests.web.conftest import csrf_in
from tests.web.test_web_portal import LENA, portal_login
from tests.web.test_web_portal import subjects as portal_subjects

subjects = pytest.fixture(portal_subjects.__wrapped__)
EVIL = '<script>alert("x")</script>'
NEW = "lena.neu@example.com"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The demo's SQLite CRM, holding Lena, as the connected system."""
    directory = tmp_path / "connectors"
    write_crm(directory, [{"customer_number": "K-1001", "email": LENA, "first_name": "Lena",
                           "last_name": "Beispiel", "street": "Musterweg 1"}])  # fmt: skip
    return settings.model_copy(update={"connectors_dir": directory})


def _crm(settings: Settings) -> list[tuple[object, ...]]:
    with sqlite3.connect(settings.resolved_connectors_dir / "crm.sqlite") as db:
        return db.execute("SELECT email, first_name, last_name, street FROM contacts").fetchall()


def _fix(page: str, **values: str) -> dict[str, str]:
    form = {"type": "rectification", "correction": "yes", "csrf_token": csrf_in(page)}
    return {**form, **{f"fix_{k}": v for k, v in values.items()}}


@pytest.mark.parametrize(
    ("lang", "heading", "not_email", "not_phone", "received"),
    [
        ("en", "Correct your data (Art. 16 GDPR)", "This is not an e-mail address",
         "This is not a valid phone number", "Your correction was received."),
        ("de", "Ihre Daten berichtigen (Art. 16 DSGVO)", "Das ist keine E-Mail-Adresse",
         "Das ist keine gültige Telefonnummer", "Ihre Berichtigung ist eingegangen."),
    ],
    ids=["en", "de"],
)  # fmt: skip
def test_portal_correction_is_checked_escaped_and_recorded_encrypted(
    client: TestClient,
    app: FastAPI,
    subjects: dict[str, str],
    fresh_engine: Engine,
    lang: str,
    heading: str,
    not_email: str,
    not_phone: str,
    received: str,
) -> None:
    client.headers["Accept-Language"] = lang
    portal_login(client, app, LENA)
    page = client.get("/portal/requests")
    assert heading in page.text and 'name="fix_email"' in page.text
    refused = client.post(
        "/portal/requests",
        data=_fix(page.text, email="lena.at.example.com", phone="12", family_name=EVIL),
    )
    assert refused.status_code == 422
    assert not_email in refused.text and not_phone in refused.text
    assert (
        'id="fix-email" name="fix_email"' in refused.text and 'aria-invalid="true"' in refused.text
    )
    assert EVIL not in refused.text and "&lt;script&gt;" in refused.text  # typed, shown as text
    with fresh_engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM dsr_requests")).scalar() == 0
    nothing = client.post("/portal/requests", data=_fix(page.text))
    assert nothing.status_code == 422
    done = client.post(
        "/portal/requests",
        data=_fix(page.text, email=NEW, phone="+49 30 1234567", family_name=EVIL, details="Heirat"),
    )
    assert done.status_code == 200 and received in done.text
    with fresh_engine.connect() as db:
        [(stored,)] = db.execute(text("SELECT corrections_ciphertext FROM dsr_requests")).all()
    assert stored and NEW.encode() not in bytes(stored) and b"script" not in bytes(stored)


def test_dpo_checks_the_values_and_carries_them_to_the_crm(
    client: TestClient,
    app: FastAPI,
    subjects: dict[str, str],
    settings: Settings,
    make_user: Callable[..., str],
    api_login: Callable[..., str],
) -> None:
    portal_login(client, app, LENA)
    page = client.get("/portal/requests")
    assert client.post(
        "/portal/requests", data=_fix(page.text, email=NEW, family_name=f"Neu{EVIL}")
    ).status_code == 200  # fmt: skip
    client.cookies.clear()
    make_user("dpo@example.com")
    api_login("dpo@example.com")
    queue = client.get("/cockpit/requests")
    assert "Correct…" in queue.text
    request_id = queue.text.split('action="/cockpit/requests/', 1)[1].split("/rectify", 1)[0]
    form = client.get(f"/cockpit/requests/{request_id}/rectify")
    assert form.status_code == 200 and f'value="{NEW}"' in form.text  # the person's values
    assert EVIL not in form.text and "Neu&lt;script&gt;" in form.text
    values = {"csrf_token": csrf_in(form.text), "fix_email": NEW, "fix_family_name": "Neumann"}
    refused = client.post(f"/cockpit/requests/{request_id}/rectify",
                          data={**values, "fix_phone": "not a number"})  # fmt: skip
    assert refused.status_code == 422 and "This is not a valid phone number" in refused.text
    assert _crm(settings) == [(LENA, "Lena", "Beispiel", "Musterweg 1")]  # nothing yet
    done = client.post(f"/cockpit/requests/{request_id}/rectify", data=values,
                       follow_redirects=False)  # fmt: skip
    assert done.status_code == 303
    assert done.headers["location"].endswith("/systems?done=rectification-carried")
    assert _crm(settings) == [(NEW, "Lena", "Neumann", "Musterweg 1")]
    progress = client.get(done.headers["location"])
    card = progress.text.split('id="system-crm"', 1)[1].split("</li>\n</ol>", 1)[0]
    assert "Changed:" in card and "contacts.email" in card and "contacts.last_name" in card
    assert "rectified" in card and "completed" in progress.text
    assert "The correction was made in Sphere" in progress.text
    client.headers["Accept-Language"] = "de"
    client.cookies.set("sphere_lang", "de")
    german = client.get(done.headers["location"])
    assert "Geändert:" in german.text and "Art. 16 DSGVO" in german.text

"""The controller profile (company.yaml ``controller:``) where people and the authority
read it: the public footer and transparency page (Art. 13/14(1)(a)-(b), Art. 77), the
record of processing as JSON, JSON-LD and PDF (Art. 30(1)(a))."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.demo.run import DEMO_CONTROLLER_YAML
from sphere.settings import Settings
from tests.factories import COMPANY_YAML
from tests.web.conftest import csrf_in
from tests.web.test_web_i18n import untranslated


def _write_company(settings: Settings) -> None:
    settings.home.mkdir(parents=True, exist_ok=True)
    text = COMPANY_YAML + "\n".join(DEMO_CONTROLLER_YAML) + "\n"
    (settings.home / "company.yaml").write_text(text, encoding="utf-8")


def test_transparency_and_footer_name_controller_dpo_and_authority(
    client: TestClient, settings: Settings
) -> None:
    _write_company(settings)
    english = client.get("/transparency", headers={"Accept-Language": "en"}).text
    assert "Who is responsible" in english
    assert "Bayerisches Landesamt für Datenschutzaufsicht (BayLDA)" in english
    assert "Katrin Albrecht" in english and "datenschutz@optiklinse.example" in english
    assert "You may complain to the supervisory authority:" in english  # the footer
    german = client.get("/transparency", headers={"Accept-Language": "de"}).text
    assert "Wer ist verantwortlich" in german and "Vertreten durch" in german
    assert "Beschwerden können Sie an die Aufsichtsbehörde richten:" in german


def test_record_carries_the_controller(
    client: TestClient, settings: Settings, make_token: Callable[..., str]
) -> None:
    _write_company(settings)
    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    record = client.get("/api/v1/record", headers=auditor).json()
    assert record["controller"]["supervisory_authority"]["address"].endswith("Ansbach")
    document = client.get("/api/v1/record.jsonld", headers=auditor).json()
    controller = document["dpv:hasDataController"]
    assert controller["dpv:hasAuthority"]["@type"] == "dpv:SupervisoryAuthority"
    assert controller["dpv:hasDataProtectionOfficer"]["@type"] == "dpv:DataProtectionOfficer"
    pdf = client.get("/api/v1/record.pdf", headers=auditor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")


def test_recipients_api_refuses_a_transfer_without_mechanism(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    body = {"name": "HelpDesk Cloud Inc.", "role": "processor", "country": "US",
            "purposes": ["customer_care"], "agreement_date": "2025-09-15"}  # fmt: skip
    refused = client.post("/api/v1/recipients", json=body, headers=dpo)
    assert refused.status_code == 422 and "transfer_mechanism: a transfer to US" in refused.text
    assert client.post("/api/v1/recipients", json=body, headers=auditor).status_code == 403
    made = client.post("/api/v1/recipients", json={**body, "transfer_mechanism": "dpf"},
                       headers=dpo)  # fmt: skip
    assert made.status_code == 201 and made.json()["transfer"] is True
    record = client.get("/api/v1/record", headers=auditor).json()
    care = next(a for a in record["activities"] if a["purpose"] == "customer_care")
    assert care["transfers"][0]["mechanism"] == "dpf"


def test_recipients_page_in_german_for_the_auditor(
    client: TestClient, make_token: Callable[..., str], make_user: Callable[..., str]
) -> None:
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    client.post("/api/v1/recipients", headers=dpo, json={
        "name": "Support Desk Services Pvt. Ltd.", "role": "processor", "country": "IN",
        "purposes": ["customer_care"], "agreement_date": "2025-09-15",
        "transfer_mechanism": "scc", "scc_module": 3, "tia_date": "2025-09-10"})  # fmt: skip
    make_user("aud3", Role.AUDITOR)
    form = client.get("/cockpit/login")
    client.post("/cockpit/login", data={"username": "aud3", "csrf_token": csrf_in(form.text),
                                        "password": "correct horse battery staple"})  # fmt: skip
    pages = {lang: client.get("/cockpit/recipients", headers={"Accept-Language": lang}).text
             for lang in ("de", "en")}  # fmt: skip
    assert "Standardvertragsklauseln 2021/914, Modul 3 (Art. 46 DSGVO)" in pages["de"]
    assert untranslated(pages["de"], pages["en"]) == []

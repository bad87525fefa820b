"""The recipients form (add, change, retire; a transfer without a mechanism refused naming
the field, nothing saved; the auditor reads only), the recipients told of a restriction
(Art. 19) in the cockpit queue and the portal, and joint controllership (Art. 26): the
API refuses an arrangement without its essence, the transparency page and the portal
show the essence in the reader's language, escaped."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import FastAPI
from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.domain.time import FrozenClock
from sphere.governance.sources import add_source
from sphere.settings import Settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_session_factory, session_scope
from tests.web.conftest import csrf_in
from tests.web.test_web_portal import LENA, portal_login, subjects  # noqa: F401 - fixture

PASSWORD = "correct horse battery staple"
US_PROCESSOR = {"name": "HelpDesk Cloud Inc.", "role": "processor", "country": "US",
                "location": "Ashburn, Virginia", "purposes": "customer_care",
                "data_categories": "contact_data", "agreement_date": "2025-09-15",
                "agreement_scope": "Ticketsystem"}  # fmt: skip


def _login(client: TestClient, make_user: Callable[..., str], role: Role, name: str) -> str:
    make_user(name, role)
    form = client.get("/cockpit/login")
    client.post("/cockpit/login", data={"username": name, "password": PASSWORD,
                                        "csrf_token": csrf_in(form.text)})  # fmt: skip
    return csrf_in(client.get("/cockpit/recipients").text)


def test_recipient_form_refuses_adds_changes_and_retires(
    client: TestClient, make_user: Callable[..., str], make_token: Callable[..., str]
) -> None:
    token = _login(client, make_user, Role.DPO, "dpo1")
    assert "/cockpit/recipients/new" in client.get("/cockpit/recipients").text
    refused = client.post("/cockpit/recipients", data={"csrf_token": token, **US_PROCESSOR})
    assert refused.status_code == 422 and "Nothing was saved" in refused.text
    assert 'id="transfer_mechanism" name="transfer_mechanism" aria-invalid="true"' in refused.text
    assert 'value="Ashburn, Virginia"' in refused.text  # what was typed is kept
    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    assert client.get("/api/v1/recipients", headers=auditor).json() == []  # nothing saved
    saved = client.post("/cockpit/recipients", follow_redirects=False, data={
        "csrf_token": token, **US_PROCESSOR, "transfer_mechanism": "scc", "scc_module": "2",
        "tia_date": "2025-09-01", "tia_summary": "<b>US law</b> checked"})  # fmt: skip
    assert saved.status_code == 303 and "recipient-saved" in saved.headers["location"]
    page = client.get(saved.headers["location"]).text
    assert "module 2" in page and "&lt;b&gt;US law&lt;/b&gt; checked" in page
    (row,) = client.get("/api/v1/recipients", headers=auditor).json()
    assert row["location"] == "Ashburn, Virginia" and row["scc_module"] == 2
    edit = client.get(f"/cockpit/recipients/{row['id']}/edit").text
    assert 'value="Ashburn, Virginia"' in edit and "selected>Module 2" in edit
    changed = client.post(f"/cockpit/recipients/{row['id']}", follow_redirects=False, data={
        "csrf_token": token, **US_PROCESSOR, "transfer_mechanism": "dpf"})  # fmt: skip
    assert changed.status_code == 303
    (row,) = client.get("/api/v1/recipients", headers=auditor).json()
    assert row["transfer_mechanism"] == "dpf" and row["scc_module"] is None
    retired = client.post(f"/cockpit/recipients/{row['id']}/retire", data={"csrf_token": token},
                          follow_redirects=False)  # fmt: skip
    assert retired.status_code == 303
    page = client.get("/cockpit/recipients").text
    assert 'id="retired-recipients"' in page and "No recipient is registered." in page
    audit = client.get("/api/v1/audit?limit=50", headers=auditor)
    if audit.status_code == 200:
        actions = {e["action"] for e in audit.json().get("entries", audit.json())}
        assert {"recipient.added", "recipient.changed", "recipient.retired"} <= actions


def test_auditor_reads_the_register_and_may_not_change_it(
    client: TestClient, make_user: Callable[..., str]
) -> None:
    token = _login(client, make_user, Role.AUDITOR, "aud1")
    page = client.get("/cockpit/recipients").text
    assert "/cockpit/recipients/new" not in page and "/edit" not in page
    assert client.get("/cockpit/recipients/new").status_code == 403
    posted = client.post("/cockpit/recipients", data={"csrf_token": token, **US_PROCESSOR,
                                                      "transfer_mechanism": "dpf"})  # fmt: skip
    assert posted.status_code == 403
    assert client.get("/cockpit/joint-controllers").status_code == 200
    assert client.get("/cockpit/joint-controllers/facebook/edit").status_code == 403


def _facebook_source(settings: Settings, engine: object, clock: FrozenClock) -> None:
    with session_scope(make_session_factory(engine)) as db:  # type: ignore[arg-type]
        add_source(db, "facebook", channel="facebook", collection="official_api",
                   actor="t", at=clock.now())  # fmt: skip
        add_source(db, "forum", channel="forum", collection="export", actor="t", at=clock.now())


ARRANGEMENT = {
    "platform": "Meta Platforms Ireland Ltd.", "title": "Page Insights Controller Addendum",
    "agreed_on": "2025-06-02", "url": "https://www.facebook.com/legal/terms/page_controller_addendum",
    "contact_point": "Meta Platforms Ireland Ltd., Dublin",
    "rights": {"information": "both", "access": "platform", "rectification": "platform",
               "erasure": "platform", "restriction": "platform", "portability": "platform",
               "objection": "platform"},
    "essence_en": "Meta answers your requests about page statistics <script>x()</script>.",
    "essence_de": "Meta beantwortet Ihre Anträge zu den Seitenstatistiken.",
}  # fmt: skip


def test_joint_arrangement_api_finding_and_transparency(
    client: TestClient, settings: Settings, fresh_engine: object, clock: FrozenClock,
    make_token: Callable[..., str],
) -> None:  # fmt: skip
    _facebook_source(settings, fresh_engine, clock)
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    states = {s["source"]: s["state"] for s in
              client.get("/api/v1/joint-controllers", headers=dpo).json()}  # fmt: skip
    assert states == {"facebook": "missing", "forum": "own_channel"}
    findings = client.get("/api/v1/findings", headers=dpo)
    if findings.status_code == 200:
        assert "joint.arrangement-missing" in findings.text
    refused = client.put("/api/v1/joint-controllers/facebook", headers=dpo,
                         json={**ARRANGEMENT, "essence_de": ""})  # fmt: skip
    assert refused.status_code == 422 and "essence_de" in refused.text
    assert client.get("/api/v1/joint-controllers", headers=dpo).json()[0]["state"] == "missing"
    bad_right = {**ARRANGEMENT, "rights": {**ARRANGEMENT["rights"], "erasure": "nobody"}}
    refused = client.put("/api/v1/joint-controllers/facebook", headers=dpo, json=bad_right)
    assert refused.status_code == 422 and "rights.erasure" in refused.text
    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    forbidden = client.put("/api/v1/joint-controllers/facebook", headers=auditor, json=ARRANGEMENT)
    assert forbidden.status_code == 403
    saved = client.put("/api/v1/joint-controllers/facebook", headers=dpo, json=ARRANGEMENT)
    assert saved.status_code == 200, saved.text
    assert client.get("/api/v1/joint-controllers", headers=dpo).json()[0]["state"] == "arranged"
    english = client.get("/transparency", headers={"Accept-Language": "en"}).text
    assert "&lt;script&gt;x()&lt;/script&gt;" in english and "<script>x()" not in english
    assert "Page Insights Controller Addendum" in english and "our own channel" not in english
    assert "We run this channel ourselves" in english
    german = client.get("/transparency", headers={"Accept-Language": "de"}).text
    assert "Meta beantwortet Ihre Anträge zu den Seitenstatistiken." in german
    assert "EuGH, Urt. v. 5.6.2018 – C-210/16" in german


def test_restriction_tells_the_recipients_and_the_person_sees_them(
    client: TestClient, app: FastAPI, make_user: Callable[..., str],
    make_token: Callable[..., str], subjects: dict[str, str],  # noqa: F811
) -> None:  # fmt: skip
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    made = client.post("/api/v1/recipients", headers=dpo, json={
        "name": "Mailversand Nord GmbH", "role": "processor", "country": "DE",
        "purposes": ["direct_marketing"], "data_categories": ["contact_data"],
        "agreement_date": "2025-11-03"})  # fmt: skip
    assert made.status_code == 201
    portal_login(client, app, LENA)
    page = client.get("/portal/requests")
    opened = client.post("/portal/requests", data={"type": "restriction",
                                                   "csrf_token": csrf_in(page.text)})  # fmt: skip
    assert opened.status_code == 200
    overview = client.get("/portal/overview").text
    assert 'id="recipients"' in overview and "Mailversand Nord GmbH" in overview
    client.cookies.clear()
    token = _login(client, make_user, Role.DPO, "dpo2")
    queue = client.get("/cockpit/requests").text
    request_id = queue.split('action="/cockpit/requests/', 1)[1].split("/", 1)[0]
    if "/verify" in queue.split(request_id, 2)[1][:20]:
        client.post(f"/cockpit/requests/{request_id}/verify", data={"csrf_token": token})
    done = client.post(f"/cockpit/requests/{request_id}/complete", data={"csrf_token": token},
                       follow_redirects=False)  # fmt: skip
    assert done.status_code in (200, 303), done.text
    told = client.get(f"/api/v1/recipients/notifications?request_id={request_id}",
                      headers=dpo).json()  # fmt: skip
    assert [(t["recipient"], t["action"]) for t in told] == [("Mailversand Nord GmbH",
                                                               "restriction")]  # fmt: skip
    closed = client.get("/cockpit/requests?state=closed").text
    assert "Recipients told (Art. 19 GDPR):" in closed and "Mailversand Nord GmbH" in closed
    client.cookies.clear()
    portal_login(client, app, LENA)
    mine = client.get("/portal/requests").text
    assert "Recipients we told (Art. 19 GDPR)" in mine and "Mailversand Nord GmbH" in mine


_ = Keyring

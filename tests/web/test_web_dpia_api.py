"""/api/v1/dpia and /api/v1/dpias: what is held for want of a signed-off DPIA, and the
DPIA workflow (GDPR Art. 35, 36) over JSON — roles, fields named on refusal, versions,
the PDF."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from sphere.accounts import Role

RISK = {"risk": "Verwechslung von Konten <script>alert(1)</script>", "likelihood": 3,
        "severity": 3, "measures": "Nur bestätigte Konten.", "residual_likelihood": 1,
        "residual_severity": 3}  # fmt: skip


def test_dpia_workflow_through_the_api(client: TestClient, make_token: Callable[..., str]) -> None:
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    admin = {"Authorization": f"Bearer {make_token(Role.ADMIN)}"}
    auditor = {"Authorization": f"Bearer {make_token(Role.AUDITOR)}"}
    agent = {"Authorization": f"Bearer {make_token(Role.AGENT)}"}
    before = {r["purpose"]: r for r in client.get("/api/v1/dpia", headers=dpo).json()}
    assert before["identity_matching"]["state"] in ("held", "approved")
    assert before["customer_care"]["state"] == "not required"

    assert client.post("/api/v1/dpias", json={"purpose": "customer_care"},
                       headers=agent).status_code == 403  # fmt: skip
    assert client.post("/api/v1/dpias", json={"purpose": "customer_care"},
                       headers=auditor).status_code == 403  # fmt: skip
    unknown = client.post("/api/v1/dpias", json={"purpose": "hr_screening_x"}, headers=dpo)
    assert unknown.status_code == 422 and "purpose: unknown purpose" in unknown.text

    opened = client.post("/api/v1/dpias", json={"purpose": "customer_care"}, headers=dpo)
    assert opened.status_code == 201, opened.text
    body = opened.json()
    ref = body["reference"]
    assert body["shown"]["state"] == "draft" and len(body["criteria"]) == 9
    assert body["shown"]["missing_for_sign_off"][:3] == ["description", "necessity", "risks"]

    bad = client.patch(f"/api/v1/dpias/{ref}", headers=dpo,
                       json={"assessed_on": "2026-06-01", "review_on": "2026-05-01"})  # fmt: skip
    assert bad.status_code == 422 and "review_on:" in bad.text
    changed = client.patch(f"/api/v1/dpias/{ref}", headers=dpo, json={
        "description": "Antworten auf Anfragen an das Unternehmen.",
        "necessity": "Erforderlich, um Anfragen zu beantworten.", "risks": [RISK],
        "assessed_on": "2026-06-01", "review_on": "2027-06-01",
        "declared": [{"criterion": "innovative_use", "reason": "Sprachmodell"}]})  # fmt: skip
    assert changed.status_code == 200, changed.text
    innovative = next(c for c in changed.json()["criteria"] if c["criterion"] == "innovative_use")
    assert innovative["met"] and innovative["declared"]

    wrong = client.post(f"/api/v1/dpias/{ref}/opinion", json={"opinion": "Ich bin dafür."},
                        headers=admin)  # fmt: skip
    assert wrong.status_code == 422 and wrong.json()["error"]["field"] == "role"
    opinion = {"opinion": "Vertretbar mit den Maßnahmen."}
    assert client.post(f"/api/v1/dpias/{ref}/opinion", headers=dpo,
                       json=opinion).status_code == 200  # fmt: skip
    by_dpo = client.post(f"/api/v1/dpias/{ref}/sign-off", headers=dpo)
    assert by_dpo.status_code == 422 and "role:" in by_dpo.text
    signed = client.post(f"/api/v1/dpias/{ref}/sign-off", headers=admin)
    assert signed.status_code == 200, signed.text
    assert signed.json()["approved_version"] == 1

    listed = client.get("/api/v1/dpias", headers=auditor).json()
    assert any(d["reference"] == ref and d["approved_version"] == 1 for d in listed)
    v1 = client.get(f"/api/v1/dpias/{ref}?version=1", headers=auditor).json()
    assert v1["shown"]["risks"][0]["risk"] == RISK["risk"]
    pdf = client.get(f"/api/v1/dpias/{ref}/pdf?lang=de", headers=auditor)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert client.patch(f"/api/v1/dpias/{ref}", json={"necessity": "x" * 20},
                        headers=auditor).status_code == 403  # fmt: skip

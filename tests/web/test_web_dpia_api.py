"""/api/v1/dpia: what is held for want of an approved DPIA, and recording an approval
(GDPR Art. 35(1)) — DPO or admin only."""

from __future__ import annotations

from collections.abc import Callable

from fastapi.testclient import TestClient

from sphere.accounts import Role


def test_dpia_approval_through_the_api(client: TestClient, make_token: Callable[..., str]) -> None:
    dpo = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    before = {r["purpose"]: r for r in client.get("/api/v1/dpia", headers=dpo).json()}
    assert before["identity_matching"]["state"] in ("held", "approved")
    assert before["customer_care"]["state"] == "not required"

    agent = {"Authorization": f"Bearer {make_token(Role.AGENT)}"}
    refused = client.post("/api/v1/dpia/identity_matching/approval",
                          json={"reference": "DPIA-9"}, headers=agent)  # fmt: skip
    assert refused.status_code == 403

    response = client.post(
        "/api/v1/dpia/identity_matching/approval", json={"reference": "DPIA-2026-11"}, headers=dpo
    )
    assert response.status_code == 201
    body = response.json()
    assert (body["state"], body["reference"]) == ("approved", "DPIA-2026-11")
    assert body["approved_by"].startswith("dpo:")

    unknown = client.post("/api/v1/dpia/hr_screening/approval", json={"reference": "X"},
                          headers=dpo)  # fmt: skip
    assert unknown.status_code == 422 and "does not declare" in unknown.text

"""/api/v1/policy: default, validate (ok or located error), diff; /api/v1/health."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.policy import default_policy, default_policy_path


@pytest.fixture
def dpo_headers(make_token: Callable[..., str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {make_token(Role.DPO)}"}


@pytest.fixture
def default_yaml() -> str:
    return default_policy_path().read_text(encoding="utf-8")


def test_health_needs_no_login(client: TestClient) -> None:
    body = client.get("/api/v1/health").json()
    assert body["status"] == "ok"
    assert body["schema_is_current"] is True


def test_default_policy_is_the_pure_to_dict(
    client: TestClient, dpo_headers: dict[str, str]
) -> None:
    response = client.get("/api/v1/policy/default", headers=dpo_headers)
    assert response.status_code == 200
    assert response.json() == default_policy().to_dict()


def test_default_policy_needs_login(client: TestClient) -> None:
    assert client.get("/api/v1/policy/default").status_code == 401


def test_validate_ok(client: TestClient, dpo_headers: dict[str, str], default_yaml: str) -> None:
    response = client.post(
        "/api/v1/policy/validate", json={"yaml": default_yaml}, headers=dpo_headers
    )
    policy = default_policy()
    assert response.json() == {
        "ok": True,
        "version": policy.version,
        "hash": policy.content_hash,
        "purposes": len(policy.purposes),
        "rules": len(policy.rules),
    }


def test_validate_reports_the_located_error(
    client: TestClient, dpo_headers: dict[str, str], default_yaml: str
) -> None:
    broken = default_yaml.replace("retention_days: 180", "retention_days: forever", 1)
    line = next(
        n
        for n, text in enumerate(broken.splitlines(), start=1)
        if "retention_days: forever" in text
    )
    response = client.post(
        "/api/v1/policy/validate",
        json={"yaml": broken, "source": "draft.yaml"},
        headers=dpo_headers,
    )
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "policy_error"
    assert error["file"] == "draft.yaml"
    assert error["line"] == line
    assert error["column"] is not None
    assert "retention_days" in error["message"]


def test_diff_against_default(
    client: TestClient, dpo_headers: dict[str, str], default_yaml: str
) -> None:
    changed = default_yaml.replace("retention_days: 180", "retention_days: 90", 1).replace(
        'version: "2026.1"', 'version: "2026.2"'
    )
    response = client.post("/api/v1/policy/diff", json={"new": changed}, headers=dpo_headers)
    assert response.status_code == 200
    diff = response.json()
    assert diff["old"]["version"] == "2026.1" and diff["new"]["version"] == "2026.2"
    changes = diff["purposes"]["changed"]
    assert changes[0]["purpose"] == "customer_care"
    assert {"field": "retention_days", "old": 180, "new": 90} in changes[0]["changes"]


def test_diff_of_identical_policies_is_empty(
    client: TestClient, dpo_headers: dict[str, str], default_yaml: str
) -> None:
    body = {"old": default_yaml, "new": default_yaml}
    diff = client.post("/api/v1/policy/diff", json=body, headers=dpo_headers).json()
    assert diff["cells_changed"] == 0 and diff["rules"]["changed"] == []


def test_oversized_draft_is_refused(client: TestClient, dpo_headers: dict[str, str]) -> None:
    response = client.post(
        "/api/v1/policy/validate", json={"yaml": "#" * 600_000}, headers=dpo_headers
    )
    assert response.status_code == 422

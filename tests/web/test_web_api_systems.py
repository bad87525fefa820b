"""GET /api/v1/connected-systems: each connected system's health and open tasks."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sphere.accounts import Role
from sphere.settings import Settings

SHOP = Path(__file__).parents[1] / "fixtures" / "connectors" / "shop.yaml"


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    """The shop's definition pointed at a closed port: the system is down."""
    directory = tmp_path / "connectors"
    directory.mkdir()
    text = SHOP.read_text(encoding="utf-8").replace("  port: 3306\n", "  port: 1\n")
    text = text.replace("  password_env: SHOP_DB_PASSWORD\n", "  connect_timeout: 1\n")
    (directory / "shop.yaml").write_text(text, encoding="utf-8")
    return settings.model_copy(update={"connectors_dir": directory})


def test_systems_are_listed_with_their_health(
    client: TestClient, make_token: Callable[..., str]
) -> None:
    headers = {"Authorization": f"Bearer {make_token(Role.DPO)}"}
    response = client.get("/api/v1/connected-systems", headers=headers)
    assert response.status_code == 200
    [shop] = response.json()
    assert (shop["system"], shop["dialect"], shop["status"]) == ("shop", "mariadb", "unavailable")
    assert shop["latency_ms"] is None and shop["problems"]
    assert shop["tasks"] == {"pending": 0, "failed": 0, "waiting": 0, "dead_letter": 0}


@pytest.mark.parametrize(("role", "status"), [(Role.AUDITOR, 200), (Role.MARKETER, 403)])
def test_read_by_cockpit_roles_only(
    client: TestClient, make_token: Callable[..., str], role: Role, status: int
) -> None:
    headers = {"Authorization": f"Bearer {make_token(role)}"}
    assert client.get("/api/v1/connected-systems", headers=headers).status_code == status
    assert client.get("/api/v1/connected-systems").status_code == 401

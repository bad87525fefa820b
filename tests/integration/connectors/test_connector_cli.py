"""``sphere connector …`` and ``sphere dsr erase`` with connected systems."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from sphere.cli import connector, dsr
from sphere.domain import IdentityKind
from sphere.portal.requests import verify_request
from sphere.rights.requests import RequestType, open_request
from sphere.runtime import open_runtime
from sphere.settings import load_settings
from sphere.storage.repositories.contacts import ContactRepository
from tests.conftest import TEST_MASTER_KEY, TEST_PSEUDONYM_SECRET
from tests.factories import COMPANY_YAML
from tests.integration.connectors.conftest import FIXTURES, LiveSystem

pytestmark = pytest.mark.mariadb
EMAIL = "erika.muster@example.org"


@pytest.fixture
def home(monkeypatch: pytest.MonkeyPatch, migrated_db_url: str, tmp_path: Path) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    (home / "company.yaml").write_text(COMPANY_YAML, encoding="utf-8")
    for name, value in {
        "SPHERE_ENV": "test",
        "SPHERE_HOME": str(home),
        "SPHERE_DATABASE_URL": migrated_db_url,
        "SPHERE_MASTER_KEY": TEST_MASTER_KEY,
        "SPHERE_PSEUDONYM_SECRET": TEST_PSEUDONYM_SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    return home


def test_validate_names_file_and_line(tmp_path: Path) -> None:
    runner = CliRunner()
    good = runner.invoke(connector.app, ["validate", str(FIXTURES / "shop.yaml"), "--json"])
    assert good.exit_code == 0, good.output
    assert json.loads(good.output)[0]["tables"][0] == "customers"
    cyclic = tmp_path / "cyclic.yaml"
    cyclic.write_text(
        (FIXTURES / "crm.yaml")
        .read_text(encoding="utf-8")
        .replace(
            "      notes: {category: communication}\n",
            "      notes: {category: communication}\n"
            "      last_ticket: {category: identifier, references: tickets.id}\n",
        ),
        encoding="utf-8",
    )
    bad = runner.invoke(connector.app, ["validate", str(cyclic)])
    assert bad.exit_code == 2
    assert f"{cyclic}:" in bad.output and "[crm] reference cycle" in bad.output


def test_test_checks_the_live_schema(shop: LiveSystem, home: Path) -> None:
    runner = CliRunner()
    path = shop.write(home / "connectors")
    ok = runner.invoke(connector.app, ["test", "--json"])
    assert ok.exit_code == 0, ok.output
    assert json.loads(ok.output)[0]["status"] == "ok"
    listed = runner.invoke(connector.app, ["list", "--json"])
    assert json.loads(listed.output)[0]["system"] == "shop"
    with shop.engine.connect() as connection:
        connection.execute(text("ALTER TABLE orders DROP COLUMN gift_message"))
    broken = runner.invoke(connector.app, ["test", str(path)])
    assert broken.exit_code == 2
    assert f"{path}:" in broken.output and "table 'orders' has no column 'gift_message'" in (
        broken.output
    )


@pytest.mark.postgres
def test_erase_through_the_cli_leaves_the_request_open_while_a_system_is_down(
    shop: LiveSystem, crm: LiveSystem, home: Path
) -> None:
    shop.write(home / "connectors", **{"  port: 3306\n": "  port: 1\n  connect_timeout: 1\n"})
    crm.write(home / "connectors")
    with crm.engine.connect() as connection:  # Erika is not in the CRM: no match there
        connection.execute(text("UPDATE contacts SET email = 'other@example.net' WHERE id = 1"))
    rt = open_runtime(load_settings())
    try:
        with rt.session() as session:
            contacts = ContactRepository(session, rt.keyring)
            contact = contacts.create(at=rt.clock.now())
            contacts.add_identity(contact.id, IdentityKind.EMAIL, EMAIL, at=rt.clock.now())
            request = open_request(
                session, rt.keyring, contact.id, RequestType.ERASURE, at=rt.clock.now(),
                actor="dpo",
            )  # fmt: skip
            verify_request(session, request.id, at=rt.clock.now(), actor="dpo")
    finally:
        rt.close()
    runner = CliRunner()
    preview = runner.invoke(connector.app, ["dry-run", "--subject", EMAIL, "--json"])
    assert preview.exit_code == 0, preview.output
    assert {s["system"]: s["status"] for s in json.loads(preview.output)} == {
        "crm": "ok",
        "shop": "unavailable",
    }
    erased = runner.invoke(dsr.app, ["erase", "--request", request.id])
    assert erased.exit_code == 0, erased.output
    assert "system crm: done, attempts 1 (no row matched the person's identifiers)" in (
        erased.output
    )
    assert "system shop: failed, attempts 1" in erased.output
    assert "request stays open" in erased.output
    assert EMAIL not in erased.output
    tasks = runner.invoke(connector.app, ["tasks", "--json"])
    assert [t["system"] for t in json.loads(tasks.output)] == ["shop"]
    retried = runner.invoke(connector.app, ["retry", "--json"])
    assert json.loads(retried.output) == []  # the back-off has not passed
    assert crm.scalar("SELECT COUNT(*) FROM contacts") == 2


def test_a_webhook_definition_is_validated_listed_and_not_connected(home: Path) -> None:
    directory = home / "connectors"
    directory.mkdir()
    (directory / "newsletter.yaml").write_text(
        "system: newsletter\nkind: webhook\nwebhook:\n  url: https://hooks.example/sphere\n"
        "  secret_env: NEWSLETTER_WEBHOOK_SECRET\n  events: [erasure]\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    valid = runner.invoke(connector.app, ["validate"])
    assert valid.exit_code == 0, valid.output
    assert "webhook to https://hooks.example/sphere (erasure)" in valid.output
    listed = runner.invoke(connector.app, ["list"])
    assert listed.exit_code == 0 and "newsletter\twebhook" in listed.output
    tested = runner.invoke(connector.app, ["test"])
    assert tested.exit_code == 0, tested.output


def test_an_http_definition_is_validated_listed_and_its_health_asked(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.connectors.fake_api import CLIENT_SECRET, fake_api

    monkeypatch.setenv("HELPDESK_CLIENT_SECRET", CLIENT_SECRET)
    directory = home / "connectors"
    directory.mkdir()
    runner = CliRunner()
    with fake_api() as (base, state):
        text = (FIXTURES / "helpdesk.yaml").read_text(encoding="utf-8")
        (directory / "helpdesk.yaml").write_text(
            text.replace("https://desk.example.com", base), encoding="utf-8"
        )
        valid = runner.invoke(connector.app, ["validate"])
        assert valid.exit_code == 0, valid.output
        assert f"HTTP API {base} (access, erasure" in valid.output
        listed = runner.invoke(connector.app, ["list"])
        assert "helpdesk\thttp\tService desk (HTTP API)\taccess, erasure" in listed.output
        tested = runner.invoke(connector.app, ["test"])
        assert tested.exit_code == 0, tested.output
        assert ("GET", "/health") in state.calls
        state.faults = [(503, {})]
        down = runner.invoke(connector.app, ["test"])
        assert down.exit_code == 2 and "health: the API failed (HTTP 503)" in down.output

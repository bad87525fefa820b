"""Issue 15's "done means" in the browser, on real systems: a person with a customer
record in a MariaDB shop and a PostgreSQL CRM (databases of their own, created from
tests/fixtures/connectors and dropped afterwards) downloads her data in the portal — the
archive holds Sphere's data and her rows from both systems — then asks for erasure; the
DPO carries it out in the cockpit and follows it system by system until the request is
complete: the shop keeps the invoices as the law requires (anonymised stub, Art. 17(3)(b)
GDPR with HGB § 257 / AO § 147), the CRM holds nothing of her, the newsletter tool has a
signed notification, and the other customer is untouched everywhere."""

from __future__ import annotations

import json
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from tests.browser.conftest import LENA, OTTO, PORTAL_SUBJECTS, LiveServer, serve
from tests.browser.test_browser_connected_systems import (
    _shots,
    cockpit_log_in,
    dpo_carries_out_erasure,
)
from tests.browser.test_browser_portal import portal_log_in
from tests.integration.connectors.test_webhook import SECRET, Receiver

pytestmark = [pytest.mark.browser, pytest.mark.postgres, pytest.mark.mariadb]

FIXTURES = Path(__file__).parents[1] / "fixtures" / "connectors"
LENA_PHONE = "+49" + PORTAL_SUBJECTS[LENA].removeprefix("+49").replace(" ", "")


def _as_lena(script: str) -> str:
    """The fixtures' first customer (Erika) becomes the portal's Lena; Max stays."""
    for old, new in (
        ("Erika.Muster@example.org", "Lena.Beispiel@example.com"),  # the shop's spelling
        ("erika.muster@example.org", LENA),
        ("+4930123456", LENA_PHONE),
        ("@erika@social.example", "@lena@social.example"),
    ):
        script = script.replace(old, new)
    return script


def _statements(name: str) -> list[str]:
    script = _as_lena((FIXTURES / name).read_text(encoding="utf-8"))
    return [s.strip() for s in script.split(";\n") if s.strip()]


@dataclass
class Systems:
    shop: Engine
    crm: Engine

    def scalar(self, engine: Engine, sql: str) -> Any:
        with engine.connect() as connection:
            return connection.execute(text(sql)).scalar()


@pytest.fixture(scope="module")
def systems(
    tmp_path_factory: pytest.TempPathFactory, mariadb_admin_url: str, pg_admin_url: str
) -> Iterator[tuple[Systems, Path, dict[str, str]]]:
    """The two databases, filled, and a connectors directory pointing at them."""
    name = f"shopcrm_{uuid.uuid4().hex[:10]}"
    maria_admin = create_engine(mariadb_admin_url, isolation_level="AUTOCOMMIT")
    pg_admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with maria_admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    with pg_admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    shop_url = make_url(mariadb_admin_url).set(database=name)
    crm_url = make_url(pg_admin_url).set(database=name)
    shop = create_engine(shop_url, isolation_level="AUTOCOMMIT")
    crm = create_engine(crm_url, isolation_level="AUTOCOMMIT")
    try:
        for engine, script in ((shop, "shop.sql"), (crm, "crm.sql")):
            with engine.connect() as connection:
                for statement in _statements(script):
                    connection.execute(text(statement))
        directory = tmp_path_factory.mktemp("shop-crm-home") / "connectors"
        directory.mkdir()
        (directory / "shop.yaml").write_text(
            (FIXTURES / "shop.yaml")
            .read_text(encoding="utf-8")
            .replace("  host: 127.0.0.1\n", f"  host: {shop_url.host}\n")
            .replace("  port: 3306\n", f"  port: {shop_url.port or 3306}\n")
            .replace("  database: shop\n", f"  database: {name}\n")
            .replace("  user: sphere_erasure\n", f"  user: {shop_url.username}\n")
            .replace("  password_env: SHOP_DB_PASSWORD\n", ""),
            encoding="utf-8",
        )
        (directory / "crm.yaml").write_text(
            (FIXTURES / "crm.yaml").read_text(encoding="utf-8"), encoding="utf-8"
        )
        env = {"CRM_DATABASE_URL": crm_url.render_as_string(hide_password=False)}
        yield Systems(shop, crm), directory.parent, env
    finally:
        shop.dispose()
        crm.dispose()
        with maria_admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        with pg_admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        maria_admin.dispose()
        pg_admin.dispose()


@pytest.fixture(scope="module")
def live(systems: tuple[Systems, Path, dict[str, str]]) -> Iterator[tuple[LiveServer, Receiver]]:
    _systems, home, env = systems
    receiver = Receiver()  # the newsletter tool: a real server on loopback, checking signatures
    (home / "connectors" / "newsletter.yaml").write_text(
        f"system: newsletter\nname: Newsletter tool\nkind: webhook\nwebhook:\n"
        f"  url: {receiver.url}\n  secret_env: NEWSLETTER_WEBHOOK_SECRET\n  events: [erasure]\n",
        encoding="utf-8",
    )
    try:
        with serve(home, env_extra={**env, "NEWSLETTER_WEBHOOK_SECRET": SECRET}) as server:
            yield server, receiver
    finally:
        receiver.close()


def _download(page: Any, tmp_path: Path) -> dict[str, Any]:
    page.goto(f"{page.url.split('/portal')[0]}/portal/requests")
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Download my data (Art. 20)").click()
    saved = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        return json.loads(archive.read("data.json"))


def _section(data: dict[str, Any], system: str) -> dict[str, Any]:
    [section] = [s for s in data["connected_systems"] if s["system"] == system]
    assert section["status"] == "ok", section
    return section


def test_erasure_from_the_portal_reaches_shop_crm_and_newsletter(
    browser: Any,
    systems: tuple[Systems, Path, dict[str, str]],
    live: tuple[LiveServer, Receiver],
    tmp_path: Path,
) -> None:
    db, _home, _env = systems
    server, receiver = live
    assert db.scalar(db.shop, f"SELECT count(*) FROM customers WHERE email = '{LENA}'") == 1
    assert db.scalar(db.crm, f"SELECT count(*) FROM contacts WHERE email = '{LENA}'") == 1
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    try:
        portal_log_in(page, server, LENA)
        data = _download(page, tmp_path)  # Art. 15/20: Sphere's data and both systems'
        assert [r["value"] for r in data["identities"] if r["kind"] == "email"] == [LENA]
        shop, crm = json.dumps(_section(data, "shop")), json.dumps(_section(data, "crm"))
        assert "R-2024-0001" in shop and "Musterweg 1" in shop and "SKU-2" in shop
        assert "Wo bleibt meine Bestellung?" in crm and "R-2024-0003" not in shop
        assert "Max" not in shop + crm and "max@example.com" not in shop + crm

        page.get_by_label("Request", exact=True).select_option(label="Erase my data (Art. 17)")
        page.get_by_role("button", name="Open request").click()
        page.get_by_role("heading", name="Erase your data?").wait_for()
        page.get_by_role("button", name="Yes, erase my data").click()
        page.get_by_role("status").wait_for()
        context.clear_cookies()

        cockpit_log_in(page, server)
        page.goto(f"{server.url}/cockpit/systems")
        main = page.locator("main").inner_text()
        assert main.count("reachable, schema fits") == 2, main  # shop and CRM
        _shots(page, "shop-crm-systems-en", tmp_path)

        dpo_carries_out_erasure(page, server)

        page.goto(f"{server.url}/cockpit/requests?state=closed&kind=erasure")  # complete
        page.locator("tr", has_text="erasure").get_by_role(
            "link", name="Progress per system"
        ).click()
        assert "completed" in page.locator(".request-state").inner_text()
        for system in ("shop", "crm"):
            card = page.locator(f"#system-{system}")
            assert "done" in card.locator(".task-state").inner_text(), system
            assert "erased" in card.locator(".steps li").all_inner_texts()[-1], system
        assert "notified (signed webhook)" in page.locator("#system-newsletter").inner_text()
        _shots(page, "shop-crm-request-done-en", tmp_path)
        page.goto(f"{server.url}/portal/lang/de?next={page.url.split(server.url)[1]}")
        assert "gelöscht" in page.locator("#system-shop").inner_text()
        _shots(page, "shop-crm-request-done-de", tmp_path)
    finally:
        context.close()

    # The shop: Lena's row is an anonymised stub her invoices point at; the rest is gone.
    assert db.scalar(db.shop, f"SELECT count(*) FROM customers WHERE email = '{LENA}'") == 0
    assert db.scalar(db.shop, "SELECT first_name FROM customers WHERE id = 1") is None
    assert db.scalar(db.shop, "SELECT count(*) FROM addresses WHERE customer_id = 1") == 0
    assert db.scalar(db.shop, "SELECT count(*) FROM wishlist_items WHERE customer_id = 1") == 0
    assert db.scalar(db.shop, f"SELECT count(*) FROM newsletter WHERE email = '{LENA}'") == 0
    assert db.scalar(db.shop, "SELECT count(*) FROM orders WHERE customer_id = 1") == 2
    assert db.scalar(db.shop, "SELECT gift_message FROM orders WHERE id = 10") != (
        "Alles Gute, Erika!"
    )
    # The CRM: nothing of her, her activities kept only as anonymous counts.
    assert db.scalar(db.crm, f"SELECT count(*) FROM contacts WHERE email = '{LENA}'") == 0
    assert db.scalar(db.crm, "SELECT count(*) FROM tickets WHERE contact_id = 1") == 0
    assert db.scalar(db.crm, "SELECT count(*) FROM ticket_messages WHERE ticket_id = 1") == 0
    # Max (and Otto, who is not in the systems) untouched.
    assert db.scalar(db.shop, "SELECT email FROM customers WHERE id = 2") == "max@example.com"
    assert db.scalar(db.crm, "SELECT count(*) FROM tickets WHERE contact_id = 2") == 1
    assert OTTO not in json.dumps([r["event"] for r in receiver.received])
    [told] = receiver.received
    assert told["valid"] and told["event"]["subject"]["email"] == [LENA]

"""The SQL connector against a real MariaDB shop and a real PostgreSQL CRM."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac

import pytest
from sqlalchemy import create_engine, text

from sphere.connectors.sql import SqlSystem
from sphere.domain.systems import SubjectIdentifiers
from sphere.errors import SystemUnavailable
from tests.integration.connectors.conftest import HASH_KEY, LiveSystem

pytestmark = pytest.mark.mariadb

ERIKA = SubjectIdentifiers((("email", "erika.muster@example.org"), ("phone", "+4930123456")))


def _system(live: LiveSystem) -> SqlSystem:
    return SqlSystem(live.definition, hash_key=HASH_KEY)


def test_shop_schema_fits_and_access_follows_references(shop: LiveSystem) -> None:
    system = _system(shop)
    assert system.check_schema() == []
    rows = system.access(ERIKA)
    # e-mail matched case-insensitively (stored as Erika.Muster@…), then the dependants
    assert [r["customer_no"] for r in rows.tables["customers"]] == ["K-1001"]
    assert len(rows.tables["addresses"]) == 2
    assert sorted(r["invoice_no"] for r in rows.tables["orders"]) == ["R-2024-0001", "R-2024-0002"]
    assert len(rows.tables["wishlist_items"]) == 2
    assert len(rows.tables["newsletter"]) == 1
    assert rows.tables["orders"][0]["total"] in ("49.90", "12.50")  # Decimal as text
    assert rows.categories["customers"]["birthday"] == "date_of_birth"
    assert "max@example.com" not in repr(rows.to_dict())
    system.dispose()


def test_shop_erasure_dry_run_changes_nothing_then_erasure(shop: LiveSystem) -> None:
    system = _system(shop)
    preview = system.erase(ERIKA, dry_run=True)
    assert preview.dry_run and preview.matched == 8
    by_table = {t.table: t for t in preview.tables}
    assert by_table["addresses"].deleted == 2
    assert by_table["orders"].kept["invoice_no"].startswith("invoices are kept ten years")
    assert shop.scalar("SELECT COUNT(*) FROM addresses") == 3  # nothing changed

    done = system.erase(ERIKA)
    assert not done.dry_run and done.matched == 8
    assert shop.scalar("SELECT COUNT(*) FROM addresses WHERE customer_id = 1") == 0
    assert shop.scalar("SELECT COUNT(*) FROM wishlist_items WHERE customer_id = 1") == 0
    assert shop.scalar("SELECT COUNT(*) FROM newsletter") == 1
    customer = shop.rows(
        "SELECT email, customer_no, first_name, phone, birthday FROM customers WHERE id = 1"
    )[0]
    assert customer[0] != "Erika.Muster@example.org" and len(str(customer[0])) == 64  # keyed hash
    assert len(str(customer[1])) == 20  # hash cut to the column's length
    assert customer[2:] == (None, None, None)
    # invoices stay (HGB §257), the gift message is replaced
    assert shop.rows("SELECT invoice_no FROM orders WHERE customer_id = 1 ORDER BY id") == [
        ("R-2024-0001",),
        ("R-2024-0002",),
    ]
    assert shop.scalar("SELECT gift_message FROM orders WHERE id = 10") != "Alles Gute, Erika!"
    # the other customer is untouched
    assert shop.scalar("SELECT email FROM customers WHERE id = 2") == "max@example.com"
    assert shop.scalar("SELECT COUNT(*) FROM addresses WHERE customer_id = 2") == 1

    again = system.erase(ERIKA)  # idempotent: nobody is found any more
    assert again.no_match
    system.dispose()


def test_hash_is_keyed_and_stable(shop: LiveSystem) -> None:
    first = SqlSystem(shop.definition, hash_key=HASH_KEY)
    first.erase(SubjectIdentifiers((("customer_number", "K-1002"),)))
    hashed = shop.scalar("SELECT email FROM customers WHERE id = 2")
    expected = hmac.new(HASH_KEY, b"shop\x1fmax@example.com", hashlib.sha256).hexdigest()
    assert hashed == expected
    first.dispose()


def test_no_match_is_a_result_not_an_error(shop: LiveSystem) -> None:
    system = _system(shop)
    change = system.erase(SubjectIdentifiers((("email", "nobody@example.net"),)))
    assert change.no_match and change.matched == 0
    assert {t.table for t in change.tables} == {
        "customers",
        "addresses",
        "orders",
        "wishlist_items",
        "newsletter",
    }
    system.dispose()


def test_missing_table_and_column_named_with_file_and_line(shop: LiveSystem) -> None:
    with shop.engine.connect() as connection:
        connection.execute(text("ALTER TABLE customers DROP COLUMN birthday"))
        connection.execute(text("DROP TABLE newsletter"))
        connection.execute(text("ALTER TABLE customers MODIFY first_name VARCHAR(100) NOT NULL"))
    problems = [str(p) for p in _system(shop).check_schema()]
    source = shop.definition.source
    assert f"{source}:31:7: [shop] table 'customers' has no column 'birthday'" in problems
    assert f"{source}:62:3: [shop] table 'newsletter' does not exist in the database" in problems
    assert any("'customers.first_name' is NOT NULL" in p and ":28:7:" in p for p in problems)


def test_closed_port_is_unavailable(shop: LiveSystem) -> None:
    closed = dataclasses.replace(shop.definition.connection, port=1, connect_timeout=2)
    system = SqlSystem(dataclasses.replace(shop.definition, connection=closed), hash_key=HASH_KEY)
    with pytest.raises(SystemUnavailable) as caught:
        system.erase(ERIKA)
    assert caught.value.system == "shop"
    assert "erika" not in str(caught.value).lower()
    assert system.health().status == "unavailable"


@pytest.mark.postgres
def test_crm_erasure_deletes_children_first_and_nulls_activities(crm: LiveSystem) -> None:
    system = _system(crm)
    assert system.check_schema() == []
    handle = SubjectIdentifiers((("handle", "@Erika@social.example"),))
    rows = system.access(handle)
    assert len(rows.tables["ticket_messages"]) == 2
    change = system.erase(handle)
    assert {t.table: t.deleted for t in change.tables} == {
        "contacts": 1,
        "tickets": 1,
        "ticket_messages": 2,
        "activities": 0,
    }
    assert crm.scalar("SELECT COUNT(*) FROM contacts") == 1
    assert crm.scalar("SELECT COUNT(*) FROM ticket_messages") == 1
    assert crm.scalar("SELECT COUNT(*) FROM activities") == 3  # kept, detached
    assert crm.scalar("SELECT COUNT(*) FROM activities WHERE contact_id IS NULL") == 2
    assert system.health().status == "ok"
    system.dispose()


@pytest.mark.postgres
def test_crm_revoked_grants_are_unavailable_and_roll_back(
    crm: LiveSystem, monkeypatch: pytest.MonkeyPatch
) -> None:
    role = f"sphere_{crm.database[-10:]}"
    with crm.engine.connect() as connection:
        connection.execute(text(f'CREATE ROLE "{role}" LOGIN'))
        connection.execute(text(f'GRANT SELECT, UPDATE ON ALL TABLES IN SCHEMA public TO "{role}"'))
    url = crm.engine.url.set(username=role)
    monkeypatch.setenv("CRM_DATABASE_URL", url.render_as_string(hide_password=False))
    system = _system(crm)
    try:
        with pytest.raises(SystemUnavailable) as caught:
            system.erase(ERIKA)
        assert "permission denied" in caught.value.reason
        assert "erika" not in str(caught.value).lower()
        assert crm.scalar("SELECT COUNT(*) FROM activities WHERE contact_id IS NULL") == 0
    finally:
        system.dispose()
        with crm.engine.connect() as connection:
            connection.execute(text(f'REVOKE ALL ON ALL TABLES IN SCHEMA public FROM "{role}"'))
            connection.execute(text(f'DROP ROLE "{role}"'))


def _with_lock_timeout(live: LiveSystem) -> SqlSystem:
    connection = dataclasses.replace(live.definition.connection, lock_timeout=1)
    definition = dataclasses.replace(live.definition, connection=connection)
    return SqlSystem(definition, hash_key=HASH_KEY)


def test_shop_row_locked_elsewhere_times_out_and_changes_nothing(shop: LiveSystem) -> None:
    system = _with_lock_timeout(shop)
    engine = create_engine(shop.engine.url)
    try:
        with engine.connect() as other, other.begin():
            other.execute(text("SELECT id FROM customers WHERE id = 1 FOR UPDATE"))
            with pytest.raises(SystemUnavailable) as caught:
                system.erase(ERIKA)
        assert "Lock wait timeout" in caught.value.reason
        assert shop.scalar("SELECT COUNT(*) FROM addresses WHERE customer_id = 1") == 2
        assert not system.erase(ERIKA).no_match  # once the lock is gone it goes through
    finally:
        engine.dispose()
        system.dispose()


@pytest.mark.postgres
def test_crm_row_locked_elsewhere_times_out(crm: LiveSystem) -> None:
    system = _with_lock_timeout(crm)
    engine = create_engine(crm.engine.url)
    try:
        with engine.connect() as other, other.begin():
            other.execute(text("SELECT id FROM tickets WHERE id = 1 FOR UPDATE"))
            with pytest.raises(SystemUnavailable) as caught:
                system.erase(ERIKA)
        assert "lock timeout" in caught.value.reason
        assert crm.scalar("SELECT COUNT(*) FROM contacts") == 2
    finally:
        engine.dispose()
        system.dispose()

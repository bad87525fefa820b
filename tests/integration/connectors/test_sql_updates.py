"""Rectification, restriction and preferences in the MariaDB shop and the PostgreSQL CRM
(``sphere.connectors.sql_updates`` through ``ConnectorSet``)."""

from __future__ import annotations

import pytest

from sphere.connectors.definition import ConnectorDefinition
from sphere.connectors.loader import load_connector_text
from sphere.connectors.registry import ConnectorSet
from sphere.connectors.sql import SqlSystem
from sphere.domain.systems import SubjectIdentifiers
from sphere.errors import ConnectorError, InvalidInput
from tests.integration.connectors.conftest import HASH_KEY, LiveSystem

pytestmark = pytest.mark.mariadb

ERIKA = SubjectIdentifiers((("email", "erika.muster@example.org"),))


def _set(*systems: LiveSystem) -> ConnectorSet:
    return ConnectorSet([s.definition for s in systems], hash_key=HASH_KEY)


def test_shop_supports_and_rectifies_by_key_identity_and_category(shop: LiveSystem) -> None:
    connectors = _set(shop)
    assert connectors.operations("shop") == (
        "access",
        "erasure",
        "rectification",
        "restriction",
        "preference",
    )
    changes = {
        "email": "erika.neu@example.org",
        "family_name": "Musterfrau",
        "postal_address": "Neuer Weg 2",  # street, postcode, city: ambiguous, left
        "handle": "@erika@x.example",  # no field holds it
    }
    preview = connectors.rectify("shop", ERIKA, changes, dry_run=True)
    assert preview.dry_run and preview.operation == "rectification"
    assert shop.scalar("SELECT last_name FROM customers WHERE id = 1") == "Muster"
    by_table = {t.table: t for t in preview.tables}
    assert by_table["customers"].fields == {"email": "rectified", "last_name": "rectified"}
    assert by_table["newsletter"].fields == {"email": "rectified"}
    assert set(by_table["addresses"].kept) == {"street", "postcode", "city"}
    assert preview.skipped["handle"] == "no field of this system holds it"
    assert "none has a 'rectify' key" in preview.skipped["postal_address"]

    done = connectors.rectify("shop", ERIKA, changes)
    assert not done.dry_run and done.matched >= 2
    assert shop.rows("SELECT email, first_name, last_name FROM customers WHERE id = 1") == [
        ("erika.neu@example.org", "Erika", "Musterfrau")
    ]
    assert shop.scalar("SELECT email FROM newsletter WHERE id = 1") == "erika.neu@example.org"
    assert shop.scalar("SELECT street FROM addresses WHERE customer_id = 2") == "Ring 3"
    assert shop.scalar("SELECT last_name FROM customers WHERE id = 2") == "Beispiel"
    # the old address finds nobody any more; the new one does
    assert connectors.rectify("shop", ERIKA, {"family_name": "X"}).no_match
    connectors.close()


def test_rectify_value_too_long_is_reported_not_cut(shop: LiveSystem) -> None:
    connectors = _set(shop)
    done = connectors.rectify("shop", ERIKA, {"given_name": "E" * 101, "phone": "+49301"})
    customers = next(t for t in done.tables if t.table == "customers")
    assert "longer than the column holds (100" in customers.kept["first_name"]
    assert customers.fields == {"phone": "rectified"}
    assert "EEEE" not in repr(done.to_dict())
    assert shop.rows("SELECT first_name, phone FROM customers WHERE id = 1") == [
        ("Erika", "+49301")
    ]
    connectors.close()


def test_shop_restriction_set_and_lifted(shop: LiveSystem) -> None:
    connectors = _set(shop)
    preview = connectors.restrict("shop", ERIKA, restricted=True, dry_run=True)
    assert preview.to_dict()["tables"] == [
        {
            "table": "customers",
            "matched": 1,
            "deleted": 0,
            "updated": 1,
            "fields": {"processing_restricted": "restricted"},
            "kept": {},
        }
    ]
    assert shop.scalar("SELECT processing_restricted FROM customers WHERE id = 1") == 0
    connectors.restrict("shop", ERIKA, restricted=True)
    assert shop.rows("SELECT id, processing_restricted FROM customers ORDER BY id") == [
        (1, 1),
        (2, 0),
    ]
    lifted = connectors.restrict("shop", ERIKA, restricted=False)
    assert lifted.tables[0].fields == {"processing_restricted": "unrestricted"}
    assert shop.scalar("SELECT processing_restricted FROM customers WHERE id = 1") == 0
    connectors.close()


def test_shop_newsletter_withdrawn_objected_given(shop: LiveSystem) -> None:
    connectors = _set(shop)
    preview = connectors.preference(
        "shop", ERIKA, purpose="direct_marketing", state="withdrawn", dry_run=True
    )
    assert {t.table: (t.updated, t.deleted) for t in preview.tables} == {
        "customers": (1, 0),
        "newsletter": (0, 1),
    }
    assert shop.scalar("SELECT COUNT(*) FROM newsletter") == 2
    connectors.preference("shop", ERIKA, purpose="direct_marketing", state="objected")  # =withdrawn
    assert shop.scalar("SELECT newsletter_opt_in FROM customers WHERE id = 1") == 0
    assert shop.scalar("SELECT COUNT(*) FROM newsletter") == 1
    assert shop.scalar("SELECT newsletter_opt_in FROM customers WHERE id = 2") == 1
    given = connectors.preference("shop", ERIKA, purpose="direct_marketing", state="given")
    assert [t.table for t in given.tables] == ["customers"]  # no row is inserted
    assert shop.scalar("SELECT newsletter_opt_in FROM customers WHERE id = 1") == 1

    other = connectors.preference("shop", ERIKA, purpose="profiling", state="withdrawn")
    assert not other.supported and other.tables == ()
    assert other.to_dict()["unsupported"] == (
        "not supported by this system: no preference declared for purpose 'profiling'"
    )
    with pytest.raises(InvalidInput):
        connectors.preference("shop", ERIKA, purpose="direct_marketing", state="maybe")
    connectors.close()


@pytest.mark.postgres
def test_crm_rectify_restrict_preference(shop: LiveSystem, crm: LiveSystem) -> None:
    connectors = _set(shop, crm)
    phone = SubjectIdentifiers((("phone", "+4930123456"),))
    done = connectors.rectify("crm", phone, {"name": "Erika Musterfrau"})
    assert done.tables[0].fields == {"full_name": "rectified"}
    assert crm.scalar("SELECT full_name FROM contacts WHERE id = 1") == "Erika Musterfrau"
    assert crm.scalar("SELECT full_name FROM contacts WHERE id = 2") == "Max Beispiel"

    connectors.restrict("crm", phone, restricted=True)
    assert crm.rows("SELECT id, restricted FROM contacts ORDER BY id") == [(1, True), (2, False)]
    connectors.restrict("crm", phone, restricted=False)
    assert crm.scalar("SELECT restricted FROM contacts WHERE id = 1") is False

    connectors.preference("crm", phone, purpose="direct_marketing", state="given")
    assert crm.scalar("SELECT marketing_opt_in FROM contacts WHERE id = 1") is True
    connectors.preference("crm", phone, purpose="direct_marketing", state="withdrawn")
    assert crm.scalar("SELECT marketing_opt_in FROM contacts WHERE id = 1") is False
    assert crm.scalar("SELECT marketing_opt_in FROM contacts WHERE id = 2") is None
    assert connectors.supports("crm", "restriction")
    assert not connectors.preference("crm", phone, purpose="profiling", state="given").supported
    connectors.close()


def test_no_restriction_declared_is_not_supported(shop: LiveSystem) -> None:
    text = shop.yaml.replace("    restriction: {column: processing_restricted, value: true}\n", "")
    definition = load_connector_text(text, source="shop.yaml")
    connectors = ConnectorSet([definition], hash_key=HASH_KEY)
    assert not connectors.supports("shop", "restriction")
    outcome = connectors.restrict("shop", ERIKA, restricted=True)
    assert outcome.unsupported == "no table declares a restriction flag"
    assert shop.scalar("SELECT processing_restricted FROM customers WHERE id = 1") == 0


@pytest.mark.parametrize(
    ("old", "new", "message", "line"),
    [
        (
            "{column: processing_restricted, value: true}",
            "{column: restricted_flag}",
            "column 'restricted_flag' is not a field of the table",
            21,
        ),
        (
            "direct_marketing: {withdrawn: delete_row}",
            "direct_marketing: {withdrawn: false}",
            "without a 'column' a state can only be 'delete_row'",
            65,
        ),
        (
            "{column: newsletter_opt_in, given: true, withdrawn: false}",
            "{column: newsletter_opt_in, maybe: true}",
            "unknown field 'maybe'",
            23,
        ),
        (
            "direct_marketing: {column: newsletter_opt_in",
            "newsletter: {column: newsletter_opt_in",
            "'newsletter' is not a purpose of Sphere's",
            23,
        ),
        (
            "rectify: given_name",
            "rectify: Given Name",
            "'rectify' must be a lower-case key",
            28,
        ),
        (
            "{column: processing_restricted, value: true}",
            "{column: processing_restricted, value: [1]}",
            "'value' must be true, false, a number, a string or null, not a list",
            21,
        ),
    ],
)
def test_loader_refuses_bad_rights_declarations(
    old: str, new: str, message: str, line: int
) -> None:
    from tests.integration.connectors.conftest import FIXTURES

    text = (FIXTURES / "shop.yaml").read_text(encoding="utf-8")
    assert old in text
    with pytest.raises(ConnectorError) as caught:
        load_connector_text(text.replace(old, new), source="shop.yaml")
    assert message in str(caught.value)
    assert caught.value.line == line and caught.value.column is not None


def test_loader_refuses_deleting_referenced_rows_for_a_preference() -> None:
    from tests.integration.connectors.conftest import FIXTURES

    text = (FIXTURES / "shop.yaml").read_text(encoding="utf-8")
    text = text.replace(
        "      direct_marketing: {column: newsletter_opt_in, given: true, withdrawn: false}",
        "      direct_marketing: {withdrawn: delete_row}",
    )
    with pytest.raises(ConnectorError, match="delete rows that other tables reference"):
        load_connector_text(text, source="shop.yaml")


def test_a_flag_set_to_null_needs_a_nullable_column(shop: LiveSystem) -> None:
    # (line 20: the test database's definition has no password_env line)
    text = shop.yaml.replace(
        "{column: processing_restricted, value: true}",
        "{column: processing_restricted, value: true, cleared: null}",
    )
    definition = load_connector_text(text, source="shop.yaml")
    assert isinstance(definition, ConnectorDefinition)
    problems = [str(p) for p in SqlSystem(definition, hash_key=HASH_KEY).check_schema()]
    assert problems == [
        "shop.yaml:20:5: [shop] column 'customers.processing_restricted' is NOT NULL, but the "
        "restriction or a preference sets it to null"
    ]

"""Connector definitions: the shipped examples load; every bad input names file:line:column."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.connectors.definition import Dialect, FieldErasure, TableErasure
from sphere.connectors.loader import load_connector, load_connector_text, load_directory
from sphere.errors import ConnectorError

FIXTURES = Path(__file__).parents[2] / "fixtures" / "connectors"

GOOD = """\
system: shop
kind: sql
connection:
  dialect: mariadb
  host: 127.0.0.1
  database: shop
  user: sphere
tables:
  customers:
    fields:
      id: {category: identifier}
      email: {category: contact_data, identity: email, erasure: hash}
  orders:
    erasure: delete_row
    fields:
      id: {category: identifier}
      customer_id: {category: identifier, references: customers.id}
"""


def test_examples_load() -> None:
    shop = load_connector(FIXTURES / "shop.yaml")
    assert shop.system == "shop"
    assert shop.connection.dialect is Dialect.MARIADB
    assert shop.retry.max_attempts == 4
    customers = shop.table("customers")
    assert customers is not None
    email = customers.field("email")
    assert email is not None and email.identity == "email"
    assert email.erasure is FieldErasure.HASH
    assert shop.table("addresses").erasure is TableErasure.DELETE_ROW  # type: ignore[union-attr]
    crm = load_connector(FIXTURES / "crm.yaml")
    assert crm.connection.url_env == "CRM_DATABASE_URL"


def test_directory_refuses_the_same_system_twice(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "b.yaml").write_text(GOOD, encoding="utf-8")
    with pytest.raises(ConnectorError, match="defined twice"):
        load_directory(tmp_path)
    assert load_directory(tmp_path / "missing") == []


def _bad(text: str) -> ConnectorError:
    with pytest.raises(ConnectorError) as caught:
        load_connector_text(text, source="bad.yaml")
    return caught.value


@pytest.mark.parametrize(
    ("old", "new", "line", "column", "fragment"),
    [
        # a password in the file: secrets belong in the environment
        ("  user: sphere\n", "  user: sphere\n  password: geheim\n", 8, 3, "password_env"),
        # unknown dialect
        ("dialect: mariadb", "dialect: oracle", 4, 12, "unknown dialect 'oracle'"),
        # a typo in a table's key
        ("    erasure: delete_row", "    erasure: drop", 14, 14, "unknown erasure 'drop'"),
        # an unknown data category
        (
            "id: {category: identifier}\n      email",
            "id: {category: ident}\n      email",
            11,
            22,
            "unknown category 'ident'",
        ),
        # an identity kind Sphere does not know
        ("identity: email", "identity: fax", 12, 49, "unknown identity 'fax'"),
        # a reference to a table the map does not declare
        ("references: customers.id", "references: clients.id", 17, 55, "table 'clients'"),
        # a reference to an undeclared field
        (
            "references: customers.id",
            "references: customers.number",
            17,
            55,
            "declares no field 'number'",
        ),
        # a reference that is not table.field
        ("references: customers.id", "references: customers", 17, 55, "'table.field'"),
        # a kept personal field without a reason
        ("erasure: hash}", "erasure: keep}", 12, 7, "gives no 'reason'"),
        # a field action inside a table whose rows are deleted
        (
            "customer_id: {category: identifier, references: customers.id}",
            'customer_id: {category: identifier, references: customers.id, erasure: "null"}',
            17,
            69,
            "has no effect",
        ),
        # a system name that is not a slug
        ("system: shop", "system: Shop DB", 1, 9, "slug"),
        # url_env and host together
        (
            "  dialect: mariadb\n",
            "  dialect: mariadb\n  url_env: SHOP_URL\n",
            6,
            3,
            "either url_env",
        ),
        # not YAML
        ("tables:\n", "tables: [\n", 10, 11, "not valid YAML"),
    ],
    ids=[
        "password-in-file",
        "dialect",
        "table-erasure",
        "category",
        "identity-kind",
        "reference-table",
        "reference-field",
        "reference-shape",
        "kept-without-reason",
        "field-action-in-deleted-table",
        "system-slug",
        "url-and-host",
        "yaml-syntax",
    ],
)
def test_bad_definitions_name_the_place(
    old: str, new: str, line: int, column: int, fragment: str
) -> None:
    assert old in GOOD
    error = _bad(GOOD.replace(old, new, 1))
    assert fragment in str(error)
    assert error.file == "bad.yaml"
    assert (error.line, error.column) == (line, column), str(error)


def test_error_names_system_and_place() -> None:
    error = _bad(GOOD.replace("identity: email", "identity: fax"))
    assert str(error).startswith("bad.yaml:12:49: [shop] field 'customers.email'")


@pytest.mark.parametrize(
    "text",
    ["", "# only a comment\n", "- a list\n"],
    ids=["empty", "comments-only", "not-a-mapping"],
)
def test_empty_or_wrong_shape(text: str) -> None:
    error = _bad(text)
    assert error.line == 1


def test_the_documented_example_is_the_tested_one() -> None:
    doc = (Path(__file__).parents[3] / "docs" / "connectors.md").read_text(encoding="utf-8")
    example = doc.split("```yaml\n", 1)[1].split("```", 1)[0]
    assert example == (FIXTURES / "shop.yaml").read_text(encoding="utf-8")
    assert load_connector_text(example, source="docs/connectors.md").system == "shop"

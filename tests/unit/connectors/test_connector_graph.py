"""The reference graph: traversal and delete order, cycles, unreachable tables, deletes
that foreign keys would refuse — each refused at the place in the file."""

from __future__ import annotations

import pytest

from sphere.connectors.graph import delete_order, traversal_order
from sphere.connectors.loader import load_connector_text
from sphere.errors import ConnectorError

HEAD = """\
system: crm
kind: sql
connection: {dialect: postgresql, url_env: CRM_URL}
tables:
"""


def _load(tables: str):  # noqa: ANN202
    return load_connector_text(HEAD + tables, source="crm.yaml")


CHAIN = """\
  messages:
    erasure: delete_row
    fields:
      id: {category: identifier}
      ticket_id: {category: identifier, references: tickets.id}
  tickets:
    erasure: delete_row
    fields:
      id: {category: identifier}
      contact_id: {category: identifier, references: contacts.id}
  contacts:
    erasure: delete_row
    fields:
      id: {category: identifier}
      email: {category: contact_data, identity: email}
"""


def test_order_parents_first_and_children_deleted_first() -> None:
    definition = _load(CHAIN)
    assert [t.name for t in traversal_order(definition)] == ["contacts", "tickets", "messages"]
    assert [t.name for t in delete_order(definition)] == ["messages", "tickets", "contacts"]


def _error(tables: str) -> ConnectorError:
    with pytest.raises(ConnectorError) as caught:
        _load(tables)
    return caught.value


def test_cycle_is_named_with_its_path() -> None:
    cyclic = CHAIN.replace(
        "      email: {category: contact_data, identity: email}\n",
        "      email: {category: contact_data, identity: email}\n"
        "      last_message: {category: identifier, references: messages.id}\n",
    )
    error = _error(cyclic)
    assert "reference cycle" in error.detail
    assert "messages.ticket_id" in error.detail and "contacts.last_message" in error.detail
    assert (error.file, error.line) == ("crm.yaml", 9)  # the reference closing it


def test_self_reference_is_a_cycle() -> None:
    error = _error(
        """\
  customers:
    fields:
      id: {category: identifier}
      email: {category: contact_data, identity: email, erasure: hash}
      referred_by: {category: identifier, references: customers.id}
"""
    )
    assert "reference cycle: customers.referred_by" in error.detail
    assert error.line == 9


def test_unreachable_table() -> None:
    error = _error(
        CHAIN
        + """\
  audit_log:
    erasure: delete_row
    fields:
      id: {category: identifier}
"""
    )
    assert "table 'audit_log' has no identity field" in error.detail
    assert error.line == 20


def test_no_identity_at_all() -> None:
    error = _error(CHAIN.replace(", identity: email", ""))
    assert "no table has an identity field" in error.detail


def test_delete_refused_where_a_kept_row_references_it() -> None:
    error = _error(CHAIN.replace("  tickets:\n    erasure: delete_row\n", "  tickets:\n", 1))
    assert "'contacts' rows are deleted, but 'tickets.contact_id'" in error.detail
    assert error.line == 13


def test_nulled_reference_lets_the_parent_go() -> None:
    tables = CHAIN.replace("  tickets:\n    erasure: delete_row\n", "  tickets:\n", 1).replace(
        "contact_id: {category: identifier, references: contacts.id}",
        'contact_id: {category: identifier, references: contacts.id, erasure: "null"}',
    )
    definition = _load(tables)
    assert [t.name for t in delete_order(definition)][-1] == "contacts"


@pytest.mark.parametrize(
    ("old", "new", "fragment"),
    [
        # a referenced key must stay, or the children lose their parent
        (
            "      id: {category: identifier}\n      email",
            '      id: {category: identifier, erasure: "null"}\n      email',
            "referenced by",
        ),
        # a reference can be kept or nulled, never replaced by a hash
        ("references: contacts.id}", "references: contacts.id, erasure: hash}", "can only be"),
    ],
    ids=["referenced-key-erased", "reference-hashed"],
)
def test_keys_are_kept(old: str, new: str, fragment: str) -> None:
    tables = CHAIN.replace("  contacts:\n    erasure: delete_row\n", "  contacts:\n").replace(
        "  tickets:\n    erasure: delete_row\n", "  tickets:\n"
    )
    email = "      email: {category: contact_data, identity: email"
    tables = tables.replace(email + "}", email + ", erasure: hash}")
    assert old in tables
    assert fragment in _error(tables.replace(old, new, 1)).detail

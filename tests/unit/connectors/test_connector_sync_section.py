"""``sync:`` of a connector definition (the CRM sync target): what loads, and every
mistake at its line with a clear message."""

from __future__ import annotations

from pathlib import Path

import pytest

from sphere.connectors.loader import load_connector_text, load_directory
from sphere.errors import ConnectorError
from tests.unit.connectors.test_connector_loader import GOOD

SYNC = """\
sync:
  table: sphere_records
  batch_size: 100
  columns:
    record_id: sphere_id
    email: email
    text: body
    purpose: purpose
"""


def test_sync_section_loads() -> None:
    definition = load_connector_text(GOOD + SYNC)
    assert definition.sync is not None
    assert definition.sync.table == "sphere_records" and definition.sync.batch_size == 100
    assert definition.sync.key_column == "sphere_id"
    assert dict(definition.sync.columns)["text"] == "body"
    assert load_connector_text(GOOD).sync is None  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("change", "message", "line"),
    [
        (("    email: email\n", "    mail: email\n"), "unknown field 'mail'", 23),
        (("    record_id: sphere_id\n", ""), "must map record_id", 21),
        (("    text: body\n", "    text: email\n"), "column 'email' is mapped twice", 24),
        (("  table: sphere_records\n", "  table: 'a b'\n"), "plain SQL identifier", 19),
        (("  batch_size: 100\n", "  batch_size: 0\n"), "1..5000", 20),
    ],
)
def test_sync_mistakes_name_their_line(change: tuple[str, str], message: str, line: int) -> None:
    with pytest.raises(ConnectorError) as caught:
        load_connector_text(GOOD + SYNC.replace(*change), source="crm.yaml")
    assert message in str(caught.value)
    assert caught.value.line == line


def test_only_one_sync_target(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text(GOOD + SYNC, encoding="utf-8")
    (tmp_path / "b.yaml").write_text((GOOD + SYNC).replace("system: shop", "system: crm"),
                                     encoding="utf-8")  # fmt: skip
    with pytest.raises(ConnectorError, match="only one system can be the CRM sync target"):
        load_directory(tmp_path)

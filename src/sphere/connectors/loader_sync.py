"""``sync:`` of a SQL connector definition (the CRM sync target; docs/connectors.md,
"CRM sync"), read by ``loader`` with the same file:line:column errors."""

from __future__ import annotations

import re
from typing import Any

from ruamel.yaml.comments import CommentedMap

from sphere.connectors.definition import SYNC_FIELDS, SyncTarget

_SYNC_KEYS = ("table", "columns", "batch_size")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]{0,62}$")  # a plain SQL identifier


def read_sync(self: Any, data: CommentedMap) -> SyncTarget:
    """``sync:``: the target table and its columns; ``self`` is the loader's reader."""
    node = self.mapping(data, "sync", "the connector")
    owner = "sync"
    self.known_keys(node, _SYNC_KEYS, owner)
    at = self.key_at(data, "sync")
    self.required(node, "table", owner, at)
    table = self.text(node, "table", owner, _NAME, "must be a plain SQL identifier")
    self.required(node, "columns", owner, at)
    columns_node = self.mapping(node, "columns", owner)
    columns: list[tuple[str, str]] = []
    for key in columns_node:
        if key not in SYNC_FIELDS:
            self.fail(
                f"{owner}: unknown field '{key}' (one of: {', '.join(SYNC_FIELDS)})",
                self.key_at(columns_node, key),
            )
        column = self.text(columns_node, key, owner, _NAME, "must be a plain SQL identifier")
        if column in (c for _, c in columns):
            self.fail(
                f"{owner}: column '{column}' is mapped twice", self.value_at(columns_node, key)
            )
        columns.append((str(key), column))
    if "record_id" not in columns_node:
        self.fail(
            f"{owner}: columns must map record_id (Sphere's record id, the upsert's key)",
            self.key_at(node, "columns"),
        )
    batch = (
        self.integer(node, "batch_size", owner, low=1, high=5000) if "batch_size" in node else 500
    )
    return SyncTarget(table=table, columns=tuple(columns), batch_size=batch, at=at)

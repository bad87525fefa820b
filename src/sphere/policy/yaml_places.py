"""Where a value sits in a YAML file read with ruamel's round-trip loader (1-based line and
column) and how an error names a value's type. Shared by the policy loader and the
connector definitions (``sphere.connectors.loader``), so both point at file:line:column
the same way."""

from __future__ import annotations

from ruamel.yaml.comments import CommentedMap, CommentedSeq

Position = tuple[int, int]


def type_name(value: object) -> str:
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def node_at(node: CommentedMap | CommentedSeq) -> Position:
    return node.lc.line + 1, node.lc.col + 1


def key_at(node: CommentedMap, key: object) -> Position:
    line, column = node.lc.key(key)
    return line + 1, column + 1


def value_at(node: CommentedMap, key: object) -> Position:
    if node.get(key) is None:  # an empty value has no position of its own
        line, column = node.lc.key(key)
    else:
        line, column = node.lc.value(key)
    return line + 1, column + 1


def item_at(node: CommentedSeq, index: int) -> Position:
    line, column = node.lc.item(index)
    return line + 1, column + 1

"""Rectification, restriction and preferences in a SQL connected system (issue 15).

Each runs like an erasure (``SqlSystem.change``): one transaction in the system, the
person's rows found by the identities and references and locked, then updated;
a dry run does the reads and says what would change.

* ``rectify`` (Art. 16): ``changes`` keyed by a field's ``rectify`` key, else its
  identity kind (``email``, ``phone``, …), else its data category (``name``,
  ``postal_address``) when no other field of that table shares the category (several
  would be ambiguous: they are left and reported, give them ``rectify`` keys).
  Internal keys (references, ``identifier`` fields that are no identity) and
  ``technical`` fields are never rectified. A value the column cannot hold (too long,
  not a number) is reported as not changed, never written cut.
* ``restrict`` (Art. 18): each table's ``restriction`` flag column set (or cleared).
* ``preference`` (Art. 7(3), Art. 21): each table's ``preferences`` for the purpose —
  a column set to the state's value, or the person's rows of an opt-in table deleted.

A system that declares nothing for the operation answers ``SystemChange.not_supported``
with the reason; nothing is tried. Values (new or old) never reach an error or a log.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Integer, Table, delete, update
from sqlalchemy.engine import Connection

from sphere.connectors.definition import (
    DELETE_ROW,
    FieldCategory,
    FieldSpec,
    FlagValue,
    TableSpec,
)
from sphere.connectors.graph import traversal_order
from sphere.connectors.sql import SqlSystem, rows_in
from sphere.domain.systems import (
    ACCESS,
    ERASURE,
    PREFERENCE,
    PREFERENCE_STATES,
    RECTIFICATION,
    RESTRICTION,
    SubjectIdentifiers,
    SystemChange,
    TableChange,
)
from sphere.errors import InvalidInput

Found = dict[str, list[dict[str, Any]]]
_NOT_RECTIFIED = (FieldCategory.IDENTIFIER, FieldCategory.TECHNICAL)


def _by_category(spec: TableSpec, key: str) -> list[FieldSpec]:
    return [
        f
        for f in spec.fields
        if f.rectify is None
        and f.identity is None
        and f.references is None
        and f.category not in _NOT_RECTIFIED
        and f.category.value == key
    ]


def rectified_fields(spec: TableSpec, key: str) -> tuple[list[FieldSpec], list[FieldSpec]]:
    """(the fields of ``spec`` that take ``key``, the fields left as ambiguous)."""
    fields = [f for f in spec.fields if f.rectify == key]
    fields += [f for f in spec.fields if f.rectify is None and f.identity == key]
    by_category = _by_category(spec, key)
    if len(by_category) == 1:
        return fields + by_category, []
    return fields, by_category


def operations(system: SqlSystem) -> tuple[str, ...]:
    """What the system's definition lets it do (``ConnectorSet.supports``)."""
    tables = system.definition.tables
    result = [ACCESS, ERASURE]
    if any(
        f.rectify or f.identity or (f.references is None and f.category not in _NOT_RECTIFIED)
        for t in tables
        for f in t.fields
    ):
        result.append(RECTIFICATION)
    if any(t.restriction for t in tables):
        result.append(RESTRICTION)
    if any(t.preferences for t in tables):
        result.append(PREFERENCE)
    return tuple(result)


def _fits(table: Table, name: str, value: str) -> str | None:
    """Why ``value`` cannot go into the column (None if it can); never quotes it."""
    column_type = table.c[name].type
    if isinstance(column_type, Integer):
        return None if value.strip().lstrip("-").isdigit() else "the new value is not a number"
    length = getattr(column_type, "length", None)
    if length is not None and len(value) > length:
        return f"the new value is longer than the column holds ({length} characters)"
    return None


def _set(connection: Connection, table: Table, rows: list[dict[str, Any]], values: Any) -> None:
    if rows:
        connection.execute(update(table).where(rows_in(table, rows)).values(values))


def rectify(
    system: SqlSystem,
    identifiers: SubjectIdentifiers,
    changes: Mapping[str, str],
    *,
    dry_run: bool = False,
) -> SystemChange:
    name = system.system
    plan: dict[str, dict[str, str]] = {}  # table -> field -> key
    ambiguous: dict[str, dict[str, str]] = {}
    skipped: dict[str, str] = {}
    referenced = {
        (f.references.table, f.references.field)
        for t in system.definition.tables
        for f in t.references
        if f.references is not None
    }
    for key in changes:
        taken = False
        for spec in system.definition.tables:
            fields, unclear = rectified_fields(spec, key)
            for f in fields:
                if (spec.name, f.name) in referenced:
                    ambiguous.setdefault(spec.name, {})[f.name] = (
                        "a key other tables reference; it is not rectified here"
                    )
                    continue
                plan.setdefault(spec.name, {})[f.name] = key
                taken = True
            for f in unclear:
                ambiguous.setdefault(spec.name, {})[f.name] = (
                    f"several fields of category '{key}' in this table; give each a "
                    "'rectify' key to change it"
                )
        if not taken:
            skipped[key] = (
                "several fields take it and none has a 'rectify' key; none was changed"
                if any(rectified_fields(t, key)[1] for t in system.definition.tables)
                else "no field of this system holds it"
            )
    if not plan:
        reason = "no field of this system takes " + ", ".join(sorted(changes) or ["anything"])
        return SystemChange.not_supported(name, RECTIFICATION, reason, dry_run=dry_run)
    if identifiers.is_empty:
        return SystemChange(name, (), dry_run=dry_run, operation=RECTIFICATION, skipped=skipped)

    def apply(connection: Connection, tables: dict[str, Table], found: Found) -> list[TableChange]:
        result = []
        for spec in traversal_order(system.definition):
            wanted, rows = plan.get(spec.name, {}), found.get(spec.name, [])
            if not wanted and spec.name not in ambiguous:
                continue
            table, kept = tables[spec.name], dict(ambiguous.get(spec.name, {}))
            values = {}
            for field_name, key in wanted.items():
                problem = _fits(table, field_name, changes[key])
                if problem:
                    kept[field_name] = problem
                else:
                    values[field_name] = changes[key]
            if values and not dry_run:
                _set(connection, table, rows, values)
            result.append(
                TableChange(
                    spec.name,
                    len(rows),
                    updated=len(rows) if values else 0,
                    fields=dict.fromkeys(values, "rectified"),
                    kept=kept,
                )
            )
        return result

    tables = system.change(
        identifiers, apply, dry_run=dry_run, secrets_in_errors=tuple(changes.values())
    )
    return SystemChange(
        name, tuple(tables), dry_run=dry_run, operation=RECTIFICATION, skipped=skipped
    )


def restrict(
    system: SqlSystem, identifiers: SubjectIdentifiers, *, restricted: bool, dry_run: bool = False
) -> SystemChange:
    name = system.system
    flagged = [t for t in system.definition.tables if t.restriction is not None]
    if not flagged:
        return SystemChange.not_supported(
            name, RESTRICTION, "no table declares a restriction flag", dry_run=dry_run
        )
    if identifiers.is_empty:
        return SystemChange(name, (), dry_run=dry_run, operation=RESTRICTION)
    action = "restricted" if restricted else "unrestricted"

    def apply(connection: Connection, tables: dict[str, Table], found: Found) -> list[TableChange]:
        result = []
        for spec in flagged:
            flag, rows = spec.restriction, found.get(spec.name, [])
            assert flag is not None
            if not dry_run:
                value = flag.value if restricted else flag.cleared
                _set(connection, tables[spec.name], rows, {flag.column: value})
            result.append(
                TableChange(spec.name, len(rows), updated=len(rows), fields={flag.column: action})
            )
        return result

    tables = system.change(identifiers, apply, dry_run=dry_run)
    return SystemChange(name, tuple(tables), dry_run=dry_run, operation=RESTRICTION)


def preference(
    system: SqlSystem,
    identifiers: SubjectIdentifiers,
    *,
    purpose: str,
    state: str,
    dry_run: bool = False,
) -> SystemChange:
    name = system.system
    if state not in PREFERENCE_STATES:
        raise InvalidInput(f"unknown preference state {state!r} ({', '.join(PREFERENCE_STATES)})")
    declared = [(t, p) for t in system.definition.tables for p in t.preferences]
    targets: list[tuple[TableSpec, str | None, FlagValue]] = []
    for spec, pref in declared:
        if pref.purpose != purpose:
            continue
        known, value = pref.effect(state)
        if known:
            targets.append((spec, pref.column, value))
    if not targets:
        what = (
            "for purpose"
            if not any(p.purpose == purpose for _, p in declared)
            else (f"for the state '{state}' of purpose")
        )
        return SystemChange.not_supported(
            name, PREFERENCE, f"no preference declared {what} '{purpose}'", dry_run=dry_run
        )
    if identifiers.is_empty:
        return SystemChange(name, (), dry_run=dry_run, operation=PREFERENCE)

    def apply(connection: Connection, tables: dict[str, Table], found: Found) -> list[TableChange]:
        result = []
        for spec, column, value in targets:
            table, rows = tables[spec.name], found.get(spec.name, [])
            if value == DELETE_ROW:
                if rows and not dry_run:
                    connection.execute(delete(table).where(rows_in(table, rows)))
                result.append(TableChange(spec.name, len(rows), deleted=len(rows)))
                continue
            assert column is not None
            if not dry_run:
                _set(connection, table, rows, {column: value})
            result.append(
                TableChange(spec.name, len(rows), updated=len(rows), fields={column: state})
            )
        return result

    tables = system.change(identifiers, apply, dry_run=dry_run)
    return SystemChange(name, tuple(tables), dry_run=dry_run, operation=PREFERENCE)

"""A record the CRM sync target refused, told so that the DPO can act on it.

The target refuses a record when a value does not fit its table: too long for the
column (PostgreSQL and MariaDB/MySQL ``DataError``), a NOT NULL, CHECK, UNIQUE or
foreign-key constraint (``IntegrityError``; MariaDB reports a CHECK as error 4025,
MySQL as 3819). That is the record's fault, not the system's: the other records of the
batch go on (``CrmSyncTarget.push``). Anything else (connection, permissions, a
missing table) is the system's and fails the whole batch as before.

The reason names Sphere's record id, the column (and Sphere's field mapped to it) and
the constraint where the driver names them — PostgreSQL's diagnostics, the column or
constraint quoted in MariaDB's and SQLite's message, or the column whose value exceeds
its declared length — and the target's message: its first line only (PostgreSQL's
DETAIL repeats the row), every quoted literal that is not a name of the table replaced
by ``…``, every value of the record replaced by ``…``. So it holds no personal data.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from sqlalchemy import CheckConstraint, String, Table
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, SQLAlchemyError

from sphere.domain.systems import SyncRefusal

_CHECK_FAILED = (4025, 3819)  # MariaDB, MySQL: CHECK constraint failed (OperationalError)
_QUOTED = re.compile(r"""(['"`])(.*?)\1""")
_CONSTRAINT = re.compile(
    r"""(?:constraint\s+(?:failed:\s*)?|for key\s+)[`"']?(?:\w+\.)?([A-Za-z_][\w$]*)""", re.I
)
_MAX = 300


def is_refusal(exc: SQLAlchemyError) -> bool:
    """Whether the target refused a value of the record (not the system failing)."""
    if isinstance(exc, (IntegrityError, DataError)):
        return True
    orig = exc.orig if isinstance(exc, DBAPIError) else None
    args = getattr(orig, "args", ())
    return bool(args) and args[0] in _CHECK_FAILED


def refusal(
    exc: SQLAlchemyError,
    table: Table,
    record_id: str,
    row: Mapping[str, Any],
    fields: Mapping[str, str],
) -> SyncRefusal:
    """The refusal of ``row`` (column → value sent) with a reason free of its values;
    ``fields`` maps the table's columns to Sphere's fields."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    diag = getattr(orig, "diag", None)  # psycopg
    args = getattr(orig, "args", ())
    text = str(args[1]) if len(args) > 1 and isinstance(args[0], int) else str(orig)
    first = (text.strip().splitlines() or [type(orig).__name__])[0]
    constraints = {c.name for c in table.constraints if isinstance(c.name, str)}
    constraints |= {i.name for i in table.indexes if isinstance(i.name, str)}
    names = {table.name, *(c.name for c in table.columns), *constraints}
    column = getattr(diag, "column_name", None) or _named_column(first, table)
    constraint = getattr(diag, "constraint_name", None)
    if constraint is None and (found := _CONSTRAINT.search(first)):
        constraint = found.group(1) if found.group(1) in constraints else None
    column = column or _too_long(table, row) or _constrained(table, constraint)
    message = _QUOTED.sub(lambda m: m.group(0) if m.group(2) in names else "'…'", first)
    for value in row.values():
        if value is not None and len(str(value)) >= 3:
            message = message.replace(str(value), "…")
    where = ""
    if column:
        field = fields.get(column)
        where += f" column {column}" + (f" ({field})" if field and field != column else "")
    if constraint:
        where += f" constraint {constraint}"
    reason = f"record {record_id} refused:{where or ' (no column named)'}: "
    reason += f"{type(orig).__name__}: {message}"
    return SyncRefusal(record_id, reason[:_MAX], column=column, constraint=constraint)


def _named_column(message: str, table: Table) -> str | None:
    """A column of ``table`` the message names (quoted, or ``table.column``)."""
    for _quote, name in _QUOTED.findall(message):
        if name in table.c:
            return str(name)
    for name in [c.name for c in table.columns]:
        if f"{table.name}.{name}" in message:
            return str(name)
    return None


def _constrained(table: Table, name: str | None) -> str | None:
    """The one column a named constraint of ``table`` is on (a CHECK: the one column
    its expression names), if there is exactly one."""
    for constraint in table.constraints:
        if name is None or constraint.name != name:
            continue
        columns = [c.name for c in getattr(constraint, "columns", ())]
        if not columns and isinstance(constraint, CheckConstraint):
            text = str(constraint.sqltext)
            names = [c.name for c in table.columns]
            columns = [c for c in names if re.search(rf"\b{re.escape(c)}\b", text)]
        return str(columns[0]) if len(columns) == 1 else None
    return None


def _too_long(table: Table, row: Mapping[str, Any]) -> str | None:
    """The first column whose value is longer than its declared length (PostgreSQL's
    "value too long for type character varying(40)" names none)."""
    for name, value in row.items():
        column = table.c.get(name)
        if column is None or not isinstance(value, str):
            continue
        length = column.type.length if isinstance(column.type, String) else None
        if length is not None and len(value) > length:
            return str(name)
    return None

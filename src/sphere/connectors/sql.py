"""A SQL connected system (PostgreSQL, MariaDB/MySQL) through SQLAlchemy 2 Core.

``SqlSystem`` checks a dataset map against the live schema (``check_schema``: tables,
columns, primary keys, NULL allowed where a field is nulled, a type that a hash or a
random value fits), finds the person's rows by following the references
(``graph.traversal_order``), reads them for an access export and erases them.

An erasure is one transaction in the system: the rows are found and locked
(``SELECT … FOR UPDATE``), every field action is applied to the rows of ``update``
tables, then the rows of ``delete_row`` tables are deleted, children first; a dry run
does the same reads without locks and changes nothing. It is idempotent in effect:
the identity columns are erased, so a second run finds nobody (or, through an identity
kept for a reason, the same rows, whose fields are erased again).

Errors from the driver become ``SystemUnavailable`` with the driver's reason — never
SQLAlchemy's full message, which repeats the statement's parameters (identifiers); and
any identifier that the reason itself quotes is cut out.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    bindparam,
    create_engine,
    delete,
    func,
    inspect,
    or_,
    select,
    text,
    tuple_,
    update,
)
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, IntegrityError, NoSuchTableError, SQLAlchemyError
from sqlalchemy.sql.elements import ColumnElement

from sphere.connectors.definition import (
    ConnectorDefinition,
    Dialect,
    FieldErasure,
    FieldSpec,
    Place,
    TableErasure,
    TableSpec,
)
from sphere.connectors.graph import delete_order, traversal_order
from sphere.domain.systems import (
    SubjectIdentifiers,
    SystemChange,
    SystemHealth,
    SystemRows,
    TableChange,
)
from sphere.errors import ConnectorError, SystemUnavailable

_DRIVERS = {
    Dialect.POSTGRESQL: "postgresql+psycopg",
    Dialect.MARIADB: "mysql+pymysql",
    Dialect.MYSQL: "mysql+pymysql",
    Dialect.SQLITE: "sqlite+pysqlite",
}
MIN_HASH_LENGTH = 16
T = TypeVar("T")
_CASELESS = ("email", "handle")


def connection_url(definition: ConnectorDefinition) -> URL:
    """The SQLAlchemy URL; secrets come from the environment variables the file names."""
    conn = definition.connection
    if conn.url_env is not None:
        raw = os.environ.get(conn.url_env)
        if not raw:
            raise SystemUnavailable(
                definition.system, f"environment variable {conn.url_env} is not set"
            )
        try:
            url = make_url(raw)
        except SQLAlchemyError:
            raise SystemUnavailable(
                definition.system, f"{conn.url_env} does not hold a database URL"
            ) from None
        return url.set(drivername=_DRIVERS[conn.dialect])
    if conn.dialect is Dialect.SQLITE:  # a file, relative to the definition's directory
        path = Path(definition.source).parent / (conn.database or "")
        # mode=rw: a missing file is an error of the system, never created empty
        return URL.create(
            _DRIVERS[conn.dialect],
            database=f"file:{path.as_posix()}",
            query={"mode": "rw", "uri": "true"},
        )
    password = None
    if conn.password_env is not None:
        password = os.environ.get(conn.password_env)
        if password is None:
            raise SystemUnavailable(
                definition.system, f"environment variable {conn.password_env} is not set"
            )
    return URL.create(
        _DRIVERS[conn.dialect],
        username=conn.user,
        password=password,
        host=conn.host,
        port=conn.port,
        database=conn.database,
    )


def _connect_args(definition: ConnectorDefinition, url: URL) -> dict[str, Any]:
    """Time limits, so that a system that hangs fails instead of holding the erasure:
    connecting, waiting for a locked row (``lock_timeout``), one statement (60 s)."""
    conn = definition.connection
    if conn.dialect is Dialect.SQLITE:
        return {"timeout": conn.lock_timeout}  # seconds a write waits for the file's lock
    if conn.dialect is Dialect.POSTGRESQL:
        args: dict[str, Any] = {"connect_timeout": conn.connect_timeout}
        if "options" not in url.query:  # a URL's own options win
            args["options"] = (
                f"-c lock_timeout={conn.lock_timeout * 1000} -c statement_timeout=60000"
            )
        return args
    return {
        "connect_timeout": conn.connect_timeout,
        "read_timeout": 60,
        "write_timeout": 60,
        "init_command": f"SET SESSION innodb_lock_wait_timeout = {conn.lock_timeout}",
    }


def _reason(exc: BaseException, identifiers: SubjectIdentifiers | None = None) -> str:
    """The driver's own reason, first line, without parameters or identifiers."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(exc, IntegrityError):  # quotes the offending value: type only
        return f"integrity error ({type(orig).__name__})"
    reason = (str(orig).strip().splitlines() or [type(orig).__name__])[0][:200]
    for _kind, value in identifiers.values if identifiers else ():
        if len(value) >= 3:
            reason = reason.replace(value, "…")
    return f"{type(orig).__name__}: {reason}"


def _json_value(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return f"<{len(bytes(value))} bytes>"
    return str(value)


class SqlSystem:
    """One connected SQL system: its definition, an engine, and Sphere's hash key."""

    def __init__(self, definition: ConnectorDefinition, *, hash_key: bytes) -> None:
        self.definition = definition
        self._hash_key = hash_key
        self._engine: Engine | None = None
        self._tables: dict[str, Table] | None = None

    @property
    def system(self) -> str:
        return self.definition.system

    def _fail(self, message: str, at: Place) -> ConnectorError:
        return ConnectorError(
            message, system=self.system, file=self.definition.source, line=at[0], column=at[1]
        )

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            url = connection_url(self.definition)
            self._engine = create_engine(
                url,
                connect_args=_connect_args(self.definition, url),
                pool_pre_ping=True,
                pool_size=2,
                max_overflow=2,
            )
        return self._engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
        self._tables = None

    @contextmanager
    def _connection(self, identifiers: SubjectIdentifiers | None = None) -> Iterator[Connection]:
        try:
            with self.engine.connect() as connection:
                yield connection
        except SystemUnavailable:
            raise
        except SQLAlchemyError as exc:
            self._tables = None  # the schema may have changed under us
            raise SystemUnavailable(self.system, _reason(exc, identifiers)) from None

    # -- schema ------------------------------------------------------------------------
    def check_schema(self) -> list[ConnectorError]:
        """Every mismatch between the dataset map and the live schema (empty = fits)."""
        problems: list[ConnectorError] = []
        with self._connection() as connection:
            inspector = inspect(connection)
            existing = set(inspector.get_table_names())
            for spec in self.definition.tables:
                if spec.name not in existing:
                    problems.append(
                        self._fail(f"table '{spec.name}' does not exist in the database", spec.at)
                    )
                    continue
                columns = {c["name"]: c for c in inspector.get_columns(spec.name)}
                pk = inspector.get_pk_constraint(spec.name).get("constrained_columns") or []
                if not pk:
                    problems.append(
                        self._fail(
                            f"table '{spec.name}' has no primary key; rows could not be "
                            "addressed one by one",
                            spec.at,
                        )
                    )
                for f in spec.fields:
                    column = columns.get(f.name)
                    if column is None:
                        problems.append(
                            self._fail(f"table '{spec.name}' has no column '{f.name}'", f.at)
                        )
                        continue
                    problem = _field_fits(spec, f, column)
                    if problem:
                        problems.append(self._fail(problem, f.at))
                for name, at in _null_flags(spec):
                    if name in columns and not columns[name].get("nullable", True):
                        problems.append(
                            self._fail(
                                f"column '{spec.name}.{name}' is NOT NULL, but the "
                                "restriction or a preference sets it to null",
                                at,
                            )
                        )
        return problems

    def _reflect(self, connection: Connection) -> dict[str, Table]:
        if self._tables is None:
            problems = self.check_schema()
            if problems:
                raise problems[0]
            metadata = MetaData()
            tables = {}
            for spec in self.definition.tables:
                try:
                    tables[spec.name] = Table(spec.name, metadata, autoload_with=connection)
                except NoSuchTableError:
                    raise self._fail(f"table '{spec.name}' does not exist", spec.at) from None
            self._tables = tables
        return self._tables

    def health(self) -> SystemHealth:
        started = time.monotonic()
        d = self.definition
        try:
            with self._connection() as connection:
                connection.execute(text("SELECT 1"))
            latency = int((time.monotonic() - started) * 1000)
            problems = self.check_schema()
        except SystemUnavailable as exc:
            return SystemHealth(
                d.system, d.name, d.connection.dialect.value, "unavailable", None, (exc.reason,)
            )
        status = "schema_error" if problems else "ok"
        return SystemHealth(
            d.system,
            d.name,
            d.connection.dialect.value,
            status,
            latency,
            tuple(p.detail for p in problems),
        )

    # -- finding the person --------------------------------------------------------------
    def _reach(
        self,
        connection: Connection,
        identifiers: SubjectIdentifiers,
        *,
        lock: bool,
    ) -> dict[str, list[dict[str, Any]]]:
        """The person's rows per table: identity matches, then dependent rows."""
        tables = self._reflect(connection)
        found: dict[str, list[dict[str, Any]]] = {}
        for spec in traversal_order(self.definition):
            table = tables[spec.name]
            conditions: list[ColumnElement[bool]] = []
            for f in spec.identities:
                assert f.identity is not None
                condition = _identity_match(table.c[f.name], f.identity, identifiers.of(f.identity))
                if condition is not None:
                    conditions.append(condition)
            for f in spec.references:
                assert f.references is not None
                values = {
                    row[f.references.field]
                    for row in found.get(f.references.table, [])
                    if row[f.references.field] is not None
                }
                if values:
                    conditions.append(table.c[f.name].in_(sorted(values, key=str)))
            if not conditions:
                found[spec.name] = []
                continue
            names = dict.fromkeys(
                [*(c.name for c in table.primary_key), *(f.name for f in spec.fields)]
            )
            statement = select(*(table.c[n] for n in names)).where(or_(*conditions))
            if lock:
                statement = statement.with_for_update()
            found[spec.name] = [dict(row._mapping) for row in connection.execute(statement)]
        return found

    def access(self, identifiers: SubjectIdentifiers) -> SystemRows:
        """The person's rows (declared fields only) with each field's category."""
        with self._connection(identifiers) as connection:
            try:
                found = self._reach(connection, identifiers, lock=False)
            except SQLAlchemyError as exc:
                raise SystemUnavailable(self.system, _reason(exc, identifiers)) from None
        result: dict[str, list[dict[str, Any]]] = {}
        categories: dict[str, dict[str, str]] = {}
        for spec in self.definition.tables:
            rows = found.get(spec.name, [])
            if rows:
                result[spec.name] = [
                    {f.name: _json_value(row.get(f.name)) for f in spec.fields} for row in rows
                ]
                categories[spec.name] = {f.name: f.category.value for f in spec.fields}
        return SystemRows(self.system, self.definition.name, result, categories)

    # -- erasure ---------------------------------------------------------------------
    def erase(self, identifiers: SubjectIdentifiers, *, dry_run: bool = False) -> SystemChange:
        """Erase the person in one transaction (module docstring); ``dry_run``: only say
        what would change."""
        if identifiers.is_empty:
            return SystemChange(self.system, (), dry_run=dry_run)
        changes = self.change(
            identifiers,
            lambda connection, tables, found: self._apply(connection, found, dry_run=dry_run),
            dry_run=dry_run,
        )
        return SystemChange(self.system, changes, dry_run=dry_run)

    def change(
        self,
        identifiers: SubjectIdentifiers,
        apply: Callable[[Connection, dict[str, Table], dict[str, list[dict[str, Any]]]], T],
        *,
        dry_run: bool,
        secrets_in_errors: Sequence[str] = (),
    ) -> T:
        """One transaction: find (and, unless ``dry_run``, lock) the person's rows, then
        ``apply(connection, tables, found)``; committed, or rolled back on a dry run or
        any error. ``secrets_in_errors``: values besides the identifiers (new values of
        a rectification) that an error's reason must not quote."""
        redact = SubjectIdentifiers(
            (*identifiers.values, *(("value", v) for v in secrets_in_errors))
        )
        with self._connection(redact) as connection:
            transaction = connection.begin()
            try:
                found = self._reach(connection, identifiers, lock=not dry_run)
                result = apply(connection, self._reflect(connection), found)
                if dry_run:
                    transaction.rollback()
                else:
                    transaction.commit()
            except SQLAlchemyError as exc:
                transaction.rollback()
                raise SystemUnavailable(self.system, _reason(exc, redact)) from None
            except BaseException:
                transaction.rollback()
                raise
        return result

    def _apply(
        self, connection: Connection, found: dict[str, list[dict[str, Any]]], *, dry_run: bool
    ) -> tuple[TableChange, ...]:
        tables = self._reflect(connection)
        changes: dict[str, TableChange] = {}
        for spec in traversal_order(self.definition):
            rows = found[spec.name]
            kept = {
                f.name: f.reason or _why_kept(f)
                for f in spec.fields
                if f.erasure is FieldErasure.KEEP
            }
            if spec.erasure is TableErasure.DELETE_ROW:
                changes[spec.name] = TableChange(spec.name, len(rows), deleted=len(rows))
                continue
            actions = {f.name: f.erasure for f in spec.fields if f.erasure is not FieldErasure.KEEP}
            if rows and actions and not dry_run:
                self._update(connection, tables[spec.name], rows, actions)
            changes[spec.name] = TableChange(
                spec.name,
                len(rows),
                updated=len(rows) if actions else 0,
                fields={k: v.value for k, v in actions.items()},
                kept=kept,
            )
        if not dry_run:
            for spec in delete_order(self.definition):
                if spec.erasure is TableErasure.DELETE_ROW and found[spec.name]:
                    table = tables[spec.name]
                    connection.execute(delete(table).where(rows_in(table, found[spec.name])))
        return tuple(changes[t.name] for t in self.definition.tables)

    def _update(
        self,
        connection: Connection,
        table: Table,
        rows: Sequence[dict[str, Any]],
        actions: dict[str, FieldErasure],
    ) -> None:
        keys = [c.name for c in table.primary_key]
        statement = (
            update(table)
            .where(*(table.c[k] == bindparam(f"k_{k}") for k in keys))
            .values({name: bindparam(f"v_{name}") for name in actions})
        )
        params = []
        for row in rows:
            values = {f"k_{k}": row[k] for k in keys}
            for name, action in actions.items():
                values[f"v_{name}"] = self._replacement(table.c[name], action, row[name])
            params.append(values)
        connection.execute(statement, params)

    def _replacement(self, column: Column[Any], action: FieldErasure, value: Any) -> Any:
        if action is FieldErasure.NULL or value is None:
            return None
        length = getattr(column.type, "length", None)
        if action is FieldErasure.HASH:
            digest = hmac.new(
                self._hash_key, f"{self.system}\x1f{value}".encode(), hashlib.sha256
            ).hexdigest()
            return digest[: length or len(digest)]
        if isinstance(column.type, Integer):
            return secrets.randbelow(2**31 - 2) + 1
        token = secrets.token_hex(16)
        return token[: length or len(token)]


def rows_in(table: Table, rows: Sequence[dict[str, Any]]) -> ColumnElement[bool]:
    """The condition selecting exactly ``rows`` (found by ``_reach``) by primary key."""
    keys = [c.name for c in table.primary_key]
    values = [tuple(row[k] for k in keys) for row in rows]
    if len(keys) == 1:
        return table.c[keys[0]].in_([v[0] for v in values])
    return tuple_(*(table.c[k] for k in keys)).in_(values)


def _identity_match(
    column: Column[Any], kind: str, values: tuple[str, ...]
) -> ColumnElement[bool] | None:
    if not values:
        return None
    if isinstance(column.type, Integer):
        numbers = sorted({int(v) for v in values if v.strip().isdigit()})
        return column.in_(numbers) if numbers else None
    if kind in _CASELESS:
        return func.lower(column).in_(sorted({v.lower() for v in values}))
    return column.in_(sorted(set(values)))


def _null_flags(spec: TableSpec) -> list[tuple[str, Place]]:
    """The flag columns the table's restriction or preferences may set to NULL."""
    flags = []
    if spec.restriction is not None and None in (spec.restriction.value, spec.restriction.cleared):
        flags.append((spec.restriction.column, spec.restriction.at))
    for pref in spec.preferences:
        if pref.column is not None and any(v is None for _, v in pref.states):
            flags.append((pref.column, pref.at))
    return flags


def _why_kept(f: FieldSpec) -> str:
    if f.references is not None:
        return f"reference to {f.references} (an internal key)"
    return "internal key or technical field"


def _field_fits(spec: TableSpec, f: FieldSpec, column: Any) -> str | None:
    """Why the live column cannot take the field's erasure action (None if it can)."""
    if spec.erasure is TableErasure.DELETE_ROW:
        return None
    column_type = column["type"]
    where = f"column '{spec.name}.{f.name}'"
    if f.erasure is FieldErasure.NULL and not column.get("nullable", True):
        return f"{where} is NOT NULL, so erasure cannot set it to null (use hash or random)"
    if f.erasure is FieldErasure.HASH:
        if not isinstance(column_type, String):
            return f"{where} is not text ({column_type}); a keyed hash needs a text column"
        length = getattr(column_type, "length", None)
        if length is not None and length < MIN_HASH_LENGTH:
            return (
                f"{where} holds at most {length} characters; a keyed hash needs "
                f"{MIN_HASH_LENGTH} (use random or null)"
            )
    if f.erasure is FieldErasure.RANDOM and not isinstance(column_type, (String, Integer)):
        return f"{where} is {column_type}; a random value needs a text or integer column"
    return None

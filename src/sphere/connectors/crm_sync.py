"""The CRM sync's writes in the target system (``sync:`` of a SQL connector).

``CrmSyncTarget.push`` runs one transaction in the CRM: the removals are deleted
(``DELETE … WHERE <record id column> IN …``), then the records upserted keyed by
Sphere's record id (PostgreSQL and SQLite ``ON CONFLICT … DO UPDATE``, MariaDB/MySQL
``ON DUPLICATE KEY UPDATE``), one executemany. Both are idempotent: a batch pushed
twice (Sphere lost its note that it was pushed) leaves the same rows. A record whose
value the table refuses does not hold up the others: the batch is sent again record by
record and the refused ones are returned with their reason (``sync_refusal``). ``check`` says
what in the live table does not fit the mapping (the key column must be unique).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import MetaData, Table, delete, func, inspect, select
from sqlalchemy.dialects import mysql, postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import NoSuchTableError, SQLAlchemyError

from sphere.connectors.definition import Dialect, SyncTarget
from sphere.connectors.sql import SqlSystem, _reason
from sphere.connectors.sync_refusal import is_refusal, refusal
from sphere.domain.systems import SyncRefusal
from sphere.errors import ConnectorError, SystemUnavailable


class CrmSyncTarget:
    def __init__(self, system: SqlSystem) -> None:
        assert system.definition.sync is not None
        self.system = system
        self.spec: SyncTarget = system.definition.sync
        self._table: Table | None = None

    @property
    def name(self) -> str:
        return self.system.system

    def _fail(self, message: str) -> ConnectorError:
        d = self.system.definition
        return ConnectorError(
            message, system=d.system, file=d.source, line=self.spec.at[0], column=self.spec.at[1]
        )

    def check(self) -> list[ConnectorError]:
        """Mismatches between ``sync:`` and the live table (empty = fits)."""
        problems: list[ConnectorError] = []
        with self.system._connection() as connection:
            inspector = inspect(connection)
            if self.spec.table not in inspector.get_table_names():
                return [self._fail(f"sync table '{self.spec.table}' does not exist")]
            columns = {c["name"] for c in inspector.get_columns(self.spec.table)}
            for field, column in self.spec.columns:
                if column not in columns:
                    problems.append(
                        self._fail(f"sync table '{self.spec.table}' has no column '{column}' "
                                   f"(for {field})")
                    )  # fmt: skip
            key = self.spec.key_column
            pk = inspector.get_pk_constraint(self.spec.table).get("constrained_columns") or []
            unique = [u["column_names"] for u in inspector.get_unique_constraints(self.spec.table)]
            unique += [
                i["column_names"] for i in inspector.get_indexes(self.spec.table) if i.get("unique")
            ]
            if [key] != list(pk) and [key] not in [list(u) for u in unique]:
                problems.append(
                    self._fail(f"sync column '{key}' (record_id) must be the primary key or "
                               "unique: the upsert is keyed by it")
                )  # fmt: skip
        return problems

    def _reflect(self, connection: Connection) -> Table:
        if self._table is None:
            problems = self.check()
            if problems:
                raise problems[0]
            try:
                self._table = Table(self.spec.table, MetaData(), autoload_with=connection)
            except NoSuchTableError:
                raise self._fail(f"sync table '{self.spec.table}' does not exist") from None
        return self._table

    def push(
        self, records: Sequence[Mapping[str, Any]], removals: Sequence[str]
    ) -> list[SyncRefusal]:
        """Delete ``removals`` (Sphere's record ids) and upsert ``records`` (dicts keyed
        by ``SYNC_FIELDS``), in one transaction of the CRM; returns the records it
        refused (empty: all went).

        When the target refuses a value (``sync_refusal.is_refusal``) the batch is
        rolled back and sent again record by record, one short transaction each, so
        every other record goes and each refused one is named with its reason. Any other
        error is the system's: ``SystemUnavailable``, nothing of the batch stays."""
        if not records and not removals:
            return []
        rows = [(str(r["record_id"]), self._columns(r)) for r in records]
        with self.system._connection() as connection:
            table: Table | None = None
            try:
                with connection.begin():
                    table = self._reflect(connection)
                    self._write(connection, table, list(removals), [row for _, row in rows])
                return []
            except SQLAlchemyError as exc:
                if table is None or not is_refusal(exc):
                    self._table = None  # the table may have changed under us
                    raise SystemUnavailable(self.name, _reason(exc)) from None
            return self._one_by_one(connection, table, removals, rows)

    def _one_by_one(
        self,
        connection: Connection,
        table: Table,
        removals: Sequence[str],
        rows: Sequence[tuple[str, dict[str, Any]]],
    ) -> list[SyncRefusal]:
        fields = {column: field for field, column in self.spec.columns}
        refused: list[SyncRefusal] = []
        work: list[tuple[str, list[str], list[dict[str, Any]]]] = [
            (i, [i], []) for i in removals
        ] + [(i, [], [row]) for i, row in rows]
        for record_id, gone, upserts in work:
            try:
                with connection.begin():
                    self._write(connection, table, gone, upserts)
            except SQLAlchemyError as exc:
                if not is_refusal(exc):
                    self._table = None
                    raise SystemUnavailable(self.name, _reason(exc)) from None
                sent = upserts[0] if upserts else {self.spec.key_column: record_id}
                refused.append(refusal(exc, table, record_id, sent, fields))
        return refused

    def _columns(self, record: Mapping[str, Any]) -> dict[str, Any]:
        return {column: record.get(field) for field, column in self.spec.columns}

    def _write(
        self,
        connection: Connection,
        table: Table,
        removals: Sequence[str],
        rows: Sequence[dict[str, Any]],
    ) -> None:
        key = table.c[self.spec.key_column]
        for start in range(0, len(removals), 500):
            connection.execute(delete(table).where(key.in_(removals[start : start + 500])))
        if rows:
            connection.execute(self._upsert(table), list(rows))

    def _upsert(self, table: Table) -> Any:
        key = self.spec.key_column
        others = [c for _, c in self.spec.columns if c != key]
        dialect = self.system.definition.connection.dialect
        if dialect in (Dialect.MARIADB, Dialect.MYSQL):
            stmt = mysql.insert(table)
            return stmt.on_duplicate_key_update({c: stmt.inserted[c] for c in others})
        module = postgresql if dialect is Dialect.POSTGRESQL else sqlite
        stmt = module.insert(table)
        if not others:
            return stmt.on_conflict_do_nothing(index_elements=[key])
        return stmt.on_conflict_do_update(
            index_elements=[key], set_={c: stmt.excluded[c] for c in others}
        )

    def count(self) -> int | None:
        """How many rows the target table holds (None when unreachable)."""
        try:
            with self.system._connection() as connection:
                table = self._reflect(connection)
                return int(connection.execute(select(func.count()).select_from(table)).scalar())
        except (SystemUnavailable, ConnectorError):
            return None

"""The CRM sync's writes in the target system (``sync:`` of a SQL connector).

``CrmSyncTarget.push`` runs one transaction in the CRM: the removals are deleted
(``DELETE … WHERE <record id column> IN …``), then the records upserted keyed by
Sphere's record id (PostgreSQL and SQLite ``ON CONFLICT … DO UPDATE``, MariaDB/MySQL
``ON DUPLICATE KEY UPDATE``), one executemany. Both are idempotent: a batch pushed
twice (Sphere lost its note that it was pushed) leaves the same rows. ``check`` says
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

    def push(self, records: Sequence[Mapping[str, Any]], removals: Sequence[str]) -> None:
        """Delete ``removals`` (Sphere's record ids) and upsert ``records`` (dicts keyed
        by ``SYNC_FIELDS``), in one transaction of the CRM."""
        if not records and not removals:
            return
        mapping = dict(self.spec.columns)
        with self.system._connection() as connection:
            transaction = connection.begin()
            try:
                table = self._reflect(connection)
                key = table.c[self.spec.key_column]
                for start in range(0, len(removals), 500):
                    connection.execute(delete(table).where(key.in_(removals[start : start + 500])))
                if records:
                    rows = [
                        {column: r.get(field) for field, column in mapping.items()} for r in records
                    ]
                    connection.execute(self._upsert(table), rows)
                transaction.commit()
            except SQLAlchemyError as exc:
                transaction.rollback()
                self._table = None  # the table may have changed under us
                raise SystemUnavailable(self.name, _reason(exc)) from None
            except BaseException:
                transaction.rollback()
                raise

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

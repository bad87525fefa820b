"""Engines, sessions and schema migrations.

The caller owns the unit of work: a CLI command, a web request or one pipeline
batch opens ``session_scope(factory)``; repositories and services only ``flush``.

SQLite ("try it" mode) runs in WAL mode with foreign keys on and a busy timeout.
Every transaction starts with ``BEGIN IMMEDIATE``: SQLite allows one writer at a
time, and taking the write lock up front turns a would-be ``SQLITE_BUSY`` on lock
upgrade (which a busy timeout cannot resolve) into an orderly wait. Readers in other
processes still see the last committed state (WAL). PostgreSQL is reached through
psycopg 3 (``postgresql+psycopg://``); a plain ``postgresql://`` URL is upgraded to it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager, suppress
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.orm import Session, sessionmaker

from sphere.errors import ConfigurationError

__all__ = [
    "Engine",
    "allows_concurrent_writers",
    "read_only_factory",
    "Session",
    "current_revision",
    "describe_url",
    "downgrade",
    "alembic_head_revision",
    "head_revision",
    "make_engine",
    "make_session_factory",
    "session_scope",
    "upgrade",
]

SQLITE_BUSY_TIMEOUT_MS = 15_000


def _parse_url(url: str) -> URL:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigurationError("database URL cannot be parsed") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ConfigurationError(
            f"unsupported database {parsed.get_backend_name()!r}; use sqlite or postgresql"
        )
    return parsed


def describe_url(url: str | URL) -> str:
    """The URL as it may appear in messages: backend, host, port, database; no password."""
    parsed = url if isinstance(url, URL) else _parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"sqlite database {parsed.database or ':memory:'}"
    host = parsed.host or "localhost"
    port = parsed.port or 5432
    return f"postgresql database {parsed.database or ''!s} at {host}:{port}"


def _sqlite_engine(parsed: URL) -> Engine:
    database = parsed.database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser()
        path.parent.mkdir(parents=True, exist_ok=True)
        # Created 0600 before SQLite opens it (SQLite would use 0644 under the usual
        # umask); its -wal and -journal files take the database file's mode.
        with suppress(FileExistsError):
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    engine = create_engine(
        parsed,
        connect_args={"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000, "check_same_thread": False},
        hide_parameters=True,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (pysqlite's own BEGIN handling breaks
        # SAVEPOINTs and defers locks).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            if database and database != ":memory:":
                cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A read-only unit of work (``read_only_factory``: a what-if over every stored
        # record) takes no write lock, so it does not hold up writers for its duration
        # (WAL: it reads a snapshot while they commit).
        if connection.get_execution_options().get(READ_ONLY):
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_engine(url: str, *, check: bool = True) -> Engine:
    """Build an engine for ``url`` and (with ``check``) prove the database answers.

    Raises ``ConfigurationError`` with one line naming backend, host and port — never
    the password — when the URL is malformed, the driver is missing or the database
    cannot be reached.
    """
    parsed = _parse_url(url)
    try:
        if parsed.get_backend_name() == "sqlite":
            engine = _sqlite_engine(parsed)
        else:
            connect_args = {} if "connect_timeout" in parsed.query else {"connect_timeout": 10}
            # hide_parameters: a driver error never prints the values (personal data,
            # ciphertexts) in its message or a logged traceback.
            engine = create_engine(
                parsed, pool_pre_ping=True, connect_args=connect_args, hide_parameters=True
            )
    except (ArgumentError, NoSuchModuleError, ImportError) as exc:
        raise ConfigurationError(
            f"cannot use {describe_url(parsed)}: {type(exc).__name__}"
        ) from None
    if check:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError as exc:
            engine.dispose()
            reason = str(getattr(exc, "orig", exc)).strip().splitlines()
            first = reason[0] if reason else type(exc).__name__
            # psycopg messages name host/port/user but never the password.
            raise ConfigurationError(f"cannot connect to {describe_url(parsed)}: {first}") from None
    return engine


def make_session_factory(
    engine: Engine, *, info: Mapping[str, Any] | None = None
) -> sessionmaker[Session]:
    """Sessions that keep loaded values after commit (entities are copied out anyway).

    ``info`` is copied into every session's ``Session.info``: how the composition root
    hands per-process collaborators (the audit keys) to code that only sees a session."""
    return sessionmaker(bind=engine, expire_on_commit=False, info=dict(info or {}))


READ_ONLY = "sphere_read_only"


def read_only_factory(factory: sessionmaker[Session]) -> sessionmaker[Session]:
    """Sessions for long units of work that only read: on SQLite they begin without the
    write lock (``BEGIN`` instead of ``BEGIN IMMEDIATE``); a write in them fails instead
    of waiting. Elsewhere the same as ``factory``."""
    bind = factory.kw.get("bind")
    if bind is None or bind.dialect.name != "sqlite":
        return factory
    return sessionmaker(
        bind=bind.execution_options(**{READ_ONLY: True}),
        expire_on_commit=False,
        info=dict(factory.kw.get("info") or {}),
    )


def allows_concurrent_writers(factory: sessionmaker[Session]) -> bool:
    """Whether a second transaction may write while another one is open (PostgreSQL);
    SQLite has one writer at a time (``BEGIN IMMEDIATE``), so progress written from a
    side transaction would wait for the job's own transaction to end."""
    bind = factory.kw.get("bind")
    return bind is not None and bind.dialect.name != "sqlite"


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work: commit when the block succeeds, roll back when it raises."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


# --- migrations -------------------------------------------------------------------------


def _alembic_config(engine: Engine | None = None) -> Any:
    from alembic.config import Config

    config = Config()
    migrations = resources.files("sphere.storage") / "migrations"
    config.set_main_option("script_location", str(migrations))
    if engine is not None:
        config.attributes["connection_engine"] = engine
    return config


def _as_engine(engine_or_url: Engine | str) -> tuple[Engine, bool]:
    if isinstance(engine_or_url, Engine):
        return engine_or_url, False
    return make_engine(engine_or_url), True


def upgrade(engine_or_url: Engine | str, revision: str = "head") -> None:
    """Run Alembic migrations up to ``revision`` (default: the newest)."""
    from alembic import command

    engine, owned = _as_engine(engine_or_url)
    try:
        command.upgrade(_alembic_config(engine), revision)
        if revision == "head":
            _fill_read_model(engine)
    finally:
        if owned:
            engine.dispose()


def _fill_read_model(engine: Engine) -> None:
    """Migration 0018 creates the read model empty: fill it once from the stored records
    (a database upgraded from an older version), with this version's code."""
    from sphere.storage.repositories import readmodel, record_pairs

    factory = make_session_factory(engine)
    with session_scope(factory) as session:
        if readmodel.needs_rebuild(session):
            readmodel.rebuild(session)
        elif record_pairs.needs_fill(session):  # migration 0033 creates it empty
            record_pairs.rebuild(session)


def downgrade(engine_or_url: Engine | str, revision: str = "-1") -> None:
    """Run Alembic migrations down to ``revision`` (``base`` empties the schema)."""
    from alembic import command

    engine, owned = _as_engine(engine_or_url)
    try:
        command.downgrade(_alembic_config(engine), revision)
    finally:
        if owned:
            engine.dispose()


def current_revision(engine_or_url: Engine | str) -> str | None:
    """The revision the database is at, or None for an empty database.

    Read from Alembic's ``alembic_version`` table with one query, without importing
    Alembic: every command start-up asks this, and importing Alembic cost about 0.1 CPU-s
    of each ``sphere ingest`` even on a database already at head."""
    engine, owned = _as_engine(engine_or_url)
    try:
        with engine.connect() as connection:
            if not inspect(connection).has_table("alembic_version"):
                return None
            versions = list(connection.scalars(text("SELECT version_num FROM alembic_version")))
    finally:
        if owned:
            engine.dispose()
    if len(versions) > 1:
        raise ConfigurationError(f"database has several schema heads: {sorted(versions)}")
    return versions[0] if versions else None


_REVISION_LINE = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(?:None|\"([^\"]+)\")", re.M)


@cache
def head_revision() -> str | None:
    """The newest revision shipped with this package: the one no migration names as its
    ``down_revision``. Read from the migration files' ``revision`` / ``down_revision``
    lines (a test holds it equal to Alembic's own head), not by loading every migration
    through Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    versions = resources.files("sphere.storage") / "migrations" / "versions"
    for entry in versions.iterdir():
        if not entry.name.endswith(".py"):
            continue
        for match in _REVISION_LINE.finditer(entry.read_text(encoding="utf-8")):
            if match.group(2) is not None:
                (revisions if match.group(1) == "revision" else parents).add(match.group(2))
    heads = revisions - parents
    if len(heads) > 1:
        raise ConfigurationError(f"several migration heads: {sorted(heads)}")
    return next(iter(heads), None)


def alembic_head_revision() -> str | None:
    """The head as Alembic computes it (loads every migration; for tests and checks)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()

"""Shared fixtures: settings, databases (SQLite and PostgreSQL), sessions, keyring.

Databases: ``db_url`` is parametrised over ``sqlite`` and ``postgresql``. Each backend
gets ONE database per test session (a temp SQLite file; a PostgreSQL database named
``sphere_test_<random>`` created and dropped here, so parallel runs do not collide;
per-test databases are schemas in it),
migrated with ``alembic upgrade head`` — never ``create_all``. ``session`` runs each
test inside an outer transaction that is rolled back; code under test may ``flush``
and even ``commit`` (it commits a SAVEPOINT). Tests that need real commits or several
connections use ``fresh_engine`` (a new, migrated database per test) or
``empty_db_url`` (a new, empty database).

PostgreSQL: ``SPHERE_TEST_PG_URL`` (default
``postgresql+psycopg://postgres@127.0.0.1:5432/postgres``) names a server where the
user may CREATE DATABASE. If it is unreachable the postgresql cases are skipped with a
reason — but under ``CI=true`` they FAIL. ``-m "not postgres"`` deselects them.
"""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from sphere.settings import Settings, load_settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_engine, upgrade

DEFAULT_PG_ADMIN_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
TEST_MASTER_KEY = base64.b64encode(bytes(range(32))).decode("ascii")
TEST_PSEUDONYM_SECRET = "test-pseudonym-secret-not-for-production"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "postgres: needs a real PostgreSQL (fails under CI=true when missing)"
    )
    workers = getattr(config.option, "numprocesses", None)
    if workers and not hasattr(config, "workerinput") and "serial" not in config.option.markexpr:
        raise pytest.UsageError(
            "-n runs tests side by side, and the tests marked `serial` (timing, memory, "
            'restarted servers) must run alone: add -m "not serial" and run '
            "`pytest -m serial` after it, as `make test` does"
        )


def _in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def pg_admin_url() -> str:
    """URL of a PostgreSQL server we may create databases on; skip/fail if unreachable."""
    url = os.environ.get("SPHERE_TEST_PG_URL", DEFAULT_PG_ADMIN_URL)
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means: no PostgreSQL here
        message = f"PostgreSQL unreachable at {make_url(url).host}: {type(exc).__name__}"
        if _in_ci():
            pytest.fail(f"{message} (CI=true requires PostgreSQL)")
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


DEFAULT_MARIADB_ADMIN_URL = "mysql+pymysql://root@127.0.0.1:3306/"


@pytest.fixture(scope="session")
def mariadb_admin_url() -> str:
    """URL of a MariaDB/MySQL server where the user may CREATE DATABASE (the shop of
    the connector tests); skipped if unreachable, but under CI=true the test FAILS."""
    url = os.environ.get("SPHERE_TEST_MARIADB_URL", DEFAULT_MARIADB_ADMIN_URL)
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # any failure to connect means: no MariaDB here
        message = f"MariaDB unreachable at {make_url(url).host}: {type(exc).__name__}"
        if _in_ci():
            pytest.fail(f"{message} (CI=true requires MariaDB)")
        pytest.skip(message)
    finally:
        engine.dispose()
    return url


def _create_pg_database(admin_url: str) -> tuple[str, str]:
    name = f"sphere_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    return name, url


def _drop_pg_database(admin_url: str, name: str) -> None:
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
)
def db_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``; every database fixture below follows it."""
    if request.param == "postgresql":
        request.getfixturevalue("pg_admin_url")
    return str(request.param)


@pytest.fixture(scope="session")
def pg_database_url(pg_admin_url: str) -> Iterator[str]:
    """One PostgreSQL database per test session, created here and dropped at the end."""
    name, url = _create_pg_database(pg_admin_url)
    try:
        yield url
    finally:
        _drop_pg_database(pg_admin_url, name)


def _new_database(backend: str, request: pytest.FixtureRequest, tmp_dir: Path) -> Iterator[str]:
    """A new empty database: a SQLite file, or a PostgreSQL schema of its own.

    A schema (selected through ``search_path``) is as isolated as a database for this
    schema's purposes and costs milliseconds instead of a second per CREATE DATABASE.
    """
    if backend == "sqlite":
        yield f"sqlite:///{(tmp_dir / f'sphere-{uuid.uuid4().hex[:8]}.db').as_posix()}"
        return
    base_url: str = request.getfixturevalue("pg_database_url")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        url = (
            make_url(base_url)
            .update_query_dict({"options": f"-csearch_path={schema}"})
            .render_as_string(hide_password=False)
        )
        yield url
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def db_url(
    db_backend: str, request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """URL of this session's test database for the backend (empty until ``engine``)."""
    yield from _new_database(db_backend, request, tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def engine(db_url: str) -> Iterator[Engine]:
    """Engine on the session database, migrated to head with Alembic."""
    eng = make_engine(db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    """A session whose work is rolled back after the test (outer transaction)."""
    connection = engine.connect()
    outer = connection.begin()
    db_session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield db_session
    finally:
        db_session.close()
        if outer.is_active:
            outer.rollback()
        connection.close()


@pytest.fixture
def empty_db_url(db_backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A brand-new EMPTY database for this test (migration tests)."""
    yield from _new_database(db_backend, request, tmp_path)


@pytest.fixture
def fresh_engine(empty_db_url: str) -> Iterator[Engine]:
    """A new database migrated to head, for tests that commit or use several connections."""
    eng = make_engine(empty_db_url)
    upgrade(eng)
    yield eng
    eng.dispose()


@pytest.fixture
def migrated_db_url(empty_db_url: str) -> str:
    """URL of a new database migrated to head (e.g. for ``Settings(database_url=…)``)."""
    upgrade(empty_db_url)
    return empty_db_url


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings: temp SPHERE_HOME, fixed test master key and pseudonym secret."""
    return load_settings(
        env="test",
        home=tmp_path / "sphere-home",
        master_key=TEST_MASTER_KEY,
        pseudonym_secret=TEST_PSEUDONYM_SECRET,
    )


@pytest.fixture
def keyring(settings: Settings) -> Keyring:
    return Keyring.from_settings(settings)

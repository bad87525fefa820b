"""A shop in MariaDB and a CRM in PostgreSQL, each a database of its own per test
(created with a unique name from tests/fixtures/connectors/*.sql, dropped after), and
their connector definitions pointed at them."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url

from sphere.connectors.definition import ConnectorDefinition
from sphere.connectors.loader import load_connector

FIXTURES = Path(__file__).parents[2] / "fixtures" / "connectors"
HASH_KEY = b"test-connector-hash-key-0123456789"


@dataclass
class LiveSystem:
    definition: ConnectorDefinition
    engine: Engine  # the test's own (admin) engine on the system's database
    database: str
    yaml: str  # the definition's text, pointed at this database

    def write(self, directory: Path, **replace: str) -> Path:
        """Write the definition into a connectors directory (``replace``: old=new text)."""
        directory.mkdir(parents=True, exist_ok=True)
        text = self.yaml
        for old, new in replace.items():
            text = text.replace(old, new)
        path = directory / f"{self.definition.system}.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    def scalar(self, sql: str) -> object:
        with self.engine.connect() as connection:
            return connection.execute(text(sql)).scalar()

    def rows(self, sql: str) -> list[tuple[object, ...]]:
        with self.engine.connect() as connection:
            return [tuple(r) for r in connection.execute(text(sql))]


def _statements(name: str) -> list[str]:
    script = (FIXTURES / name).read_text(encoding="utf-8")
    return [s.strip() for s in script.split(";\n") if s.strip()]


@pytest.fixture
def shop(mariadb_admin_url: str) -> Iterator[LiveSystem]:
    name = f"shop_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(mariadb_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    url = make_url(mariadb_admin_url).set(database=name)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in _statements("shop.sql"):
                connection.execute(text(statement))
        base = load_connector(FIXTURES / "shop.yaml")
        connection_spec = dataclasses.replace(
            base.connection,
            host=url.host,
            port=url.port or 3306,
            database=name,
            user=url.username,
            password_env=None,
        )
        yaml = (
            (FIXTURES / "shop.yaml")
            .read_text(encoding="utf-8")
            .replace("  host: 127.0.0.1\n", f"  host: {url.host}\n")
            .replace("  port: 3306\n", f"  port: {url.port or 3306}\n")
            .replace("  database: shop\n", f"  database: {name}\n")
            .replace("  user: sphere_erasure\n", f"  user: {url.username}\n")
            .replace("  password_env: SHOP_DB_PASSWORD\n", "")
        )
        definition = dataclasses.replace(base, connection=connection_spec)
        yield LiveSystem(definition, engine, name, yaml)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
        admin.dispose()


@pytest.fixture
def crm(pg_admin_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[LiveSystem]:
    name = f"crm_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(pg_admin_url).set(database=name)
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            for statement in _statements("crm.sql"):
                connection.execute(text(statement))
        monkeypatch.setenv("CRM_DATABASE_URL", url.render_as_string(hide_password=False))
        yaml = (FIXTURES / "crm.yaml").read_text(encoding="utf-8")
        yield LiveSystem(load_connector(FIXTURES / "crm.yaml"), engine, name, yaml)
    finally:
        engine.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

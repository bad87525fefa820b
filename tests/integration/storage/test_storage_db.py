"""Engines, pragmas, sessions and the unit-of-work contract."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select, text

from sphere.errors import ConfigurationError
from sphere.storage.db import describe_url, make_engine, make_session_factory, session_scope
from sphere.storage.tables import ContactRow


def test_sqlite_creates_parent_dir_and_sets_pragmas(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "deeper" / "sphere.db"
    engine = make_engine(f"sqlite:///{target.as_posix()}")
    try:
        assert target.parent.is_dir()
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert connection.execute(text("PRAGMA busy_timeout")).scalar() >= 1000
    finally:
        engine.dispose()


@pytest.mark.parametrize(
    "url",
    [
        "not a url",
        "mysql://user@localhost/db",  # unsupported backend
    ],
    ids=["garbage", "unsupported-backend"],
)
def test_bad_urls_raise_configuration_error(url: str) -> None:
    with pytest.raises(ConfigurationError):
        make_engine(url)


def test_unreachable_postgres_names_host_port_not_password() -> None:
    url = "postgresql+psycopg://sphere:s3cr3t-pw@127.0.0.1:1/sphere?connect_timeout=2"
    with pytest.raises(ConfigurationError) as caught:
        make_engine(url)
    message = str(caught.value)
    assert "127.0.0.1:1" in message
    assert "s3cr3t-pw" not in message
    assert "\n" not in message


def test_describe_url_hides_password() -> None:
    described = describe_url("postgresql://u:hunter2@db.example.org:6543/crm")
    assert described == "postgresql database crm at db.example.org:6543"


def test_session_scope_commits_and_rolls_back(fresh_engine: Engine) -> None:
    factory = make_session_factory(fresh_engine)
    with session_scope(factory) as session:
        session.add(ContactRow(id="c-commit", created_at=datetime.now(UTC)))
    with pytest.raises(RuntimeError), session_scope(factory) as session:
        session.add(ContactRow(id="c-rollback", created_at=datetime.now(UTC)))
        session.flush()
        raise RuntimeError("boom")
    with session_scope(factory) as session:
        ids = set(session.scalars(select(ContactRow.id)))
    assert ids == {"c-commit"}


def test_foreign_keys_are_enforced(fresh_engine: Engine) -> None:
    from sqlalchemy.exc import IntegrityError

    from sphere.storage.tables import IdentityRow

    factory = make_session_factory(fresh_engine)
    with pytest.raises(IntegrityError), session_scope(factory) as session:
        session.add(
            IdentityRow(
                contact_id="no-such-contact",
                kind="email",
                channel="",
                value_ciphertext=b"x",
                key_id="no-such-contact",
                blind_index="0" * 64,
                created_at=datetime.now(UTC),
            )
        )

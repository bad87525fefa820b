"""The Alembic history builds exactly the ORM schema and tears it down again."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from sphere.storage.db import (
    alembic_head_revision,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)
from sphere.storage.schema import full_metadata


def test_upgrade_matches_models_and_downgrade_empties(empty_db_url: str) -> None:
    engine = make_engine(empty_db_url)
    try:
        assert current_revision(engine) is None
        upgrade(engine)
        assert current_revision(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert set(full_metadata().tables) <= tables
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, full_metadata()) == []
            head = connection.execute(text("SELECT seq, hash FROM audit_head")).one()
            assert tuple(head) == (0, "0" * 64)
        downgrade(engine, "base")
        assert current_revision(engine) is None
        inspect(engine).clear_cache()
        assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
        upgrade(engine)  # and back up again: the downgrade left nothing behind
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()


def test_upgrade_accepts_a_url(empty_db_url: str) -> None:
    upgrade(empty_db_url)
    assert current_revision(empty_db_url) == head_revision()


def test_head_revision_read_from_the_files_is_alembics() -> None:
    """Start-up reads the head from the migration files without loading them through
    Alembic; it must be the head Alembic computes (one head, the newest migration)."""
    assert head_revision() == alembic_head_revision() is not None

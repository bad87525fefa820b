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


def test_stream_receipts_lose_the_ids_from_the_payload(empty_db_url: str) -> None:
    """0041: receipts written as <channel>:<source id>:<digest> (a Bluesky DID, a customer
    number in clear) become <channel>:<digest>, the form new message ids have; others stay."""
    from sphere.domain import Channel
    from sphere.intake.shapes import make_record

    payload = b'{"did":"did:plc:abc123","commit":{"rkey":"3k"}}'
    digest = make_record(Channel.BLUESKY, payload).msg_id.split(":")[1]
    old = {
        f"bluesky:did:plc:abc123_3k:{digest}": f"bluesky:{digest}",
        f"shop:K-100234:{'f' * 24}": f"shop:{'f' * 24}",
        "SPHERE_INTAKE:17": "SPHERE_INTAKE:17",
    }
    engine = make_engine(empty_db_url)
    try:
        upgrade(engine, "0040")
        with engine.begin() as connection:
            for seq, msg_id in enumerate(old):
                connection.execute(
                    text(
                        "INSERT INTO stream_receipts (msg_id, stream_seq, processed_at) "
                        "VALUES (:m, :s, '2026-12-01 00:00:00')"
                    ),
                    {"m": msg_id, "s": seq},
                )
        upgrade(engine)
        with engine.connect() as connection:
            ids = set(connection.scalars(text("SELECT msg_id FROM stream_receipts")))
        assert ids == set(old.values())
    finally:
        engine.dispose()

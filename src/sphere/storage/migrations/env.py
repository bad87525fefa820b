"""Alembic environment. Run through ``sphere.storage.db.upgrade``/``downgrade`` (which
pass the engine in ``config.attributes``) or the ``alembic`` CLI with ``-x url=…``.

SQLite cannot ALTER most things, so migrations run in batch mode there
(``render_as_batch``); on PostgreSQL batch operations are plain ALTERs.
"""

from __future__ import annotations

from alembic import context
from sqlalchemy import Engine

from sphere.storage.schema import full_metadata

config = context.config
target_metadata = full_metadata()


def _engine() -> tuple[Engine, bool]:
    engine = config.attributes.get("connection_engine")
    if engine is not None:
        return engine, False
    from sphere.settings import load_settings
    from sphere.storage.db import make_engine

    url = context.get_x_argument(as_dictionary=True).get("url")
    return make_engine(url or load_settings().resolved_database_url), True


def run_migrations_online() -> None:
    engine, owned = _engine()
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
            connection.commit()
    finally:
        if owned:
            engine.dispose()


if context.is_offline_mode():
    raise SystemExit("offline (SQL script) migrations are not supported; pass a database")
run_migrations_online()

"""quarantine: a retention deadline on every quarantined input

Revision ID: 0008
Revises: 0007

Rows written before this migration get ``created_at`` + 30 days (the default of
``SPHERE_QUARANTINE_RETENTION_DAYS``), computed here row by row so the same code runs on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels = None
depends_on = None

DEFAULT_DAYS = 30


def upgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_until", UTCDateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_quarantine_retention_until"), ["retention_until"], unique=False
        )
    quarantine = sa.table(
        "quarantine",
        sa.column("id", sa.String),
        sa.column("created_at", UTCDateTime()),
        sa.column("retention_until", UTCDateTime()),
    )
    bind = op.get_bind()
    rows = bind.execute(sa.select(quarantine.c.id, quarantine.c.created_at)).all()
    for row_id, created_at in rows:
        bind.execute(
            quarantine.update()
            .where(quarantine.c.id == row_id)
            .values(retention_until=created_at + timedelta(days=DEFAULT_DAYS))
        )


def downgrade() -> None:
    with op.batch_alter_table("quarantine", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarantine_retention_until"))
        batch_op.drop_column("retention_until")

"""ingest run checkpoints

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("source_name", sa.String(100), nullable=False),
        sa.Column("fingerprint", sa.String(64), nullable=False),
        sa.Column("file", sa.String(500), nullable=False),
        sa.Column("last_line", sa.Integer(), nullable=False),
        sa.Column("completed", sa.Boolean(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_runs")),
        sa.UniqueConstraint(
            "source_name", "fingerprint", name=op.f("uq_ingest_runs_source_name_fingerprint")
        ),
    )


def downgrade() -> None:
    op.drop_table("ingest_runs")

"""social listening: anonymous counts of products and sentiment per day and channel

Revision ID: 0017
Revises: 0016
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "listening_counts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_listening_counts")),
        sa.UniqueConstraint(
            "day",
            "channel",
            "kind",
            "value",
            name=op.f("uq_listening_counts_day_channel_kind_value"),
        ),
    )


def downgrade() -> None:
    op.drop_table("listening_counts")

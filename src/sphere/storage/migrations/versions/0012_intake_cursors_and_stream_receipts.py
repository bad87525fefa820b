"""live intake: listener cursors and processed stream messages

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intake_cursors",
        sa.Column("source_name", sa.String(length=100), nullable=False),
        sa.Column("stream", sa.String(length=200), nullable=False),
        sa.Column("cursor", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source_name", "stream", name=op.f("pk_intake_cursors")),
    )
    op.create_table(
        "stream_receipts",
        sa.Column("msg_id", sa.String(length=300), nullable=False),
        sa.Column("stream_seq", sa.BigInteger(), nullable=False),
        sa.Column("processed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("msg_id", name=op.f("pk_stream_receipts")),
    )
    op.create_index(
        "ix_stream_receipts_processed_at", "stream_receipts", ["processed_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_stream_receipts_processed_at", table_name="stream_receipts")
    op.drop_table("stream_receipts")
    op.drop_table("intake_cursors")

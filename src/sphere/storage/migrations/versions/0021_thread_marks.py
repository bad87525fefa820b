"""conversation context: keyed marks of conversations and reply chains with the company

Revision ID: 0021
Revises: 0020
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "thread_marks",
        sa.Column("mark_key", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("mark_key", name=op.f("pk_thread_marks")),
    )
    op.create_index("ix_thread_marks_expires_at", "thread_marks", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_thread_marks_expires_at", table_name="thread_marks")
    op.drop_table("thread_marks")

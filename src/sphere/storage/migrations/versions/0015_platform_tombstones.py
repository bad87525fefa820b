"""platform deletions and edits win over older versions that arrive after them

Revision ID: 0015
Revises: 0014
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "platform_tombstones",
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("deleted_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("channel", "source_id", name=op.f("pk_platform_tombstones")),
    )


def downgrade() -> None:
    op.drop_table("platform_tombstones")

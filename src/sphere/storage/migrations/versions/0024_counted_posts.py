"""counted_posts: keyed tokens of posts and events counted only anonymously, so a
re-delivery is not counted twice

Revision ID: 0024
Revises: 0023
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "counted_posts",
        sa.Column("token", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_counted_posts")),
    )
    op.create_index("ix_counted_posts_expires_at", "counted_posts", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_counted_posts_expires_at", "counted_posts")
    op.drop_table("counted_posts")

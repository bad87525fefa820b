"""privacy accountant: released anonymous figures and their (epsilon, delta) cost

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "privacy_releases",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("release_key", sa.String(length=200), nullable=False),
        sa.Column("epsilon", sa.Float(), nullable=False),
        sa.Column("delta", sa.Float(), nullable=False),
        sa.Column("released_at", UTCDateTime(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_releases")),
        sa.UniqueConstraint(
            "scope", "release_key", name=op.f("uq_privacy_releases_scope_release_key")
        ),
    )
    op.create_index(
        "ix_privacy_releases_scope_period", "privacy_releases", ["scope", "period"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_privacy_releases_scope_period", table_name="privacy_releases")
    op.drop_table("privacy_releases")

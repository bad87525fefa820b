"""portal log-in attempts: the throttle counts every request for a log-in link or handle
challenge (per address or handle, per client, globally), known or not

Revision ID: 0020
Revises: 0019
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_login_attempts",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("target_key", sa.String(length=64), nullable=False),
        sa.Column("client_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_login_attempts")),
    )
    for column in ("target_key", "client_key", "created_at"):
        op.create_index(
            op.f(f"ix_portal_login_attempts_{column}"), "portal_login_attempts", [column]
        )


def downgrade() -> None:
    for column in ("target_key", "client_key", "created_at"):
        op.drop_index(op.f(f"ix_portal_login_attempts_{column}"), "portal_login_attempts")
    op.drop_table("portal_login_attempts")

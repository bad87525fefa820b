"""dpia_approvals: recorded DPIA approvals per purpose (GDPR Art. 35(1))

Revision ID: 0027
Revises: 0026
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dpia_approvals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dpia_approvals")),
    )
    op.create_index(
        "ix_dpia_approvals_purpose", "dpia_approvals", ["purpose", "approved_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_dpia_approvals_purpose", table_name="dpia_approvals")
    op.drop_table("dpia_approvals")

"""campaigns: how a send treats people whose Art. 14 information is still due — carry it
in the message (attach) or hold them (hold, the default) (GDPR Art. 14(3)(b))

Revision ID: 0028
Revises: 0027
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("art14_mode", sa.String(length=10), nullable=False, server_default="hold")
        )


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("art14_mode")

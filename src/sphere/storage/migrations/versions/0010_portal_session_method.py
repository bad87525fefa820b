"""portal sessions: how the person logged in

Revision ID: 0010
Revises: 0009

Sessions opened before this migration were all opened by an e-mail link.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "method",
                sa.String(length=40),
                nullable=False,
                server_default="portal_login_link",
            )
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_sessions", schema=None) as batch_op:
        batch_op.drop_column("method")

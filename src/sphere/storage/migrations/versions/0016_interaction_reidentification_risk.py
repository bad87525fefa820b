"""interactions: re-identification risk level and the policy's action

Revision ID: 0016
Revises: 0015
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reid_risk", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("reid_action", sa.String(length=12), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("reid_action")
        batch_op.drop_column("reid_risk")

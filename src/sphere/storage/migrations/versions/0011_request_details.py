"""data-subject requests: what the person told us, encrypted

Revision ID: 0011
Revises: 0010
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("dsr_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("details_ciphertext", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dsr_requests", schema=None) as batch_op:
        batch_op.drop_column("details_ciphertext")

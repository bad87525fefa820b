"""data-subject requests: a rectification's corrections (field, new value), encrypted

The portal's correction form and the cockpit's store them on the request, under the
contact's key, until the DPO carries the request out (then they travel with each
connected system's task under the request's own key, and this column is cleared).

Revision ID: 0043
Revises: 0042
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0043"
down_revision: str | None = "0042"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dsr_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrections_ciphertext", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("dsr_requests", schema=None) as batch_op:
        batch_op.drop_column("corrections_ciphertext")

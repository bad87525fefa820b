"""contacts: minor flag with its evidence; consents: given by a holder of parental
responsibility (GDPR Art. 8(1), Recital 38)

Revision ID: 0026
Revises: 0025
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("minor_since", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("minor_evidence", sa.String(length=200), nullable=True))
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("guardian", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("guardian")
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_column("minor_evidence")
        batch_op.drop_column("minor_since")

"""readmodel_record_pairs: stored interactions and events per contact and deciding
facts, kept current with the records, so a what-if does not read every record and its
decision on each pass (issue 12)

Revision ID: 0033
Revises: 0032

The table starts empty; ``sphere.storage.db.upgrade`` fills it from the stored records
right after migrating (``record_pairs.needs_fill``), as for migration 0018.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "readmodel_record_pairs",
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("f0", sa.String(length=40), nullable=False),
        sa.Column("f1", sa.String(length=40), nullable=False),
        sa.Column("f2", sa.Boolean(), nullable=False),
        sa.Column("f3", sa.String(length=100), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("policy_version", sa.String(length=64), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("first_id", sa.String(length=36), nullable=True),
        sa.PrimaryKeyConstraint(
            "record_type",
            "contact_id",
            "f0",
            "f1",
            "f2",
            "f3",
            "rule_id",
            "purpose",
            "policy_version",
            name=op.f("pk_readmodel_record_pairs"),
        ),
    )


def downgrade() -> None:
    op.drop_table("readmodel_record_pairs")

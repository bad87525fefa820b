"""recipients: the register of recipients, processors and sub-processors with their
processing agreement, location and transfer mechanism (issue 14, point 4)

Revision ID: 0034
Revises: 0033
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "recipients",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("processor_of", sa.String(length=200), nullable=True),
        sa.Column("purposes", sa.JSON(), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("agreement_date", UTCDateTime(), nullable=True),
        sa.Column("agreement_scope", sa.Text(), nullable=False),
        sa.Column("transfer_mechanism", sa.String(length=40), nullable=True),
        sa.Column("scc_module", sa.Integer(), nullable=True),
        sa.Column("tia_date", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipients")),
        sa.UniqueConstraint("name", name=op.f("uq_recipients_name")),
    )


def downgrade() -> None:
    op.drop_table("recipients")

"""finding_states: a finding's life by its code — since when it exists, and whether the
DPO acknowledged or resolved it (with a note) — replacing finding_reviews; an index on
consents.recorded_at for the cockpit home's grants and withdrawals per period

Revision ID: 0029
Revises: 0028
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "finding_states",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("gone_at", UTCDateTime(), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False, server_default="open"),
        sa.Column("count", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
        sa.Column("decided_by", sa.String(length=100), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_finding_states")),
    )
    # A review kept its finding quiet until the count moved: the nearest new state is
    # "acknowledged" (seen, being dealt with), since the review.
    op.execute(
        "INSERT INTO finding_states (code, first_seen_at, state, count, note, decided_by, "
        "decided_at) SELECT code, reviewed_at, 'acknowledged', "
        "count, note, reviewed_by, reviewed_at FROM finding_reviews"
    )
    op.drop_table("finding_reviews")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index("ix_consents_recorded_at", ["recorded_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index("ix_consents_recorded_at")
    op.create_table(
        "finding_reviews",
        sa.Column("code", sa.String(length=100), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=100), nullable=False),
        sa.Column("reviewed_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_finding_reviews")),
    )
    op.execute(
        "INSERT INTO finding_reviews (code, count, note, reviewed_by, reviewed_at) "
        "SELECT code, count, note, decided_by, decided_at FROM finding_states "
        "WHERE decided_at IS NOT NULL"
    )
    op.drop_table("finding_states")

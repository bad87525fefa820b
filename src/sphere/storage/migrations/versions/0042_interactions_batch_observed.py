"""interactions.batch_observed: whether the pipeline's batch observers (the Art. 14 duty
keeper) were told of a record in the transaction that stored it. Rows a worker of an older
version stores during a rolling upgrade are NULL; the duty sync looks at those (a partial
index finds them) before it trusts the keeper, so ``sphere notices due`` / ``send`` no
longer need a full sync per call. Rows stored before this revision are false, and the
sync mark is deleted, so the first sync after the upgrade is a full one.

Revision ID: 0042
Revises: 0041
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0042"
down_revision: str | None = "0041"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNOBSERVED = "batch_observed IS NULL"


def upgrade() -> None:
    # Rows stored so far are false ("before the keeper"): the next sync is a full one
    # (the sync mark is deleted below), which covers them. Rows written afterwards
    # without the column (a worker of an older version) are NULL, which the sync looks
    # for. PostgreSQL: a default added with the column is kept as metadata (no rewrite),
    # then dropped. SQLite cannot drop a default without rebuilding the table: the
    # column comes without one and the rows are set (one pass over the table).
    if op.get_bind().dialect.name == "postgresql":
        op.add_column(
            "interactions",
            sa.Column("batch_observed", sa.Boolean(), nullable=True, server_default=sa.false()),
        )
        op.alter_column("interactions", "batch_observed", server_default=None)
    else:
        op.add_column("interactions", sa.Column("batch_observed", sa.Boolean(), nullable=True))
        op.execute("UPDATE interactions SET batch_observed = 0")
    op.create_index(
        "ix_interactions_unobserved",
        "interactions",
        ["id"],
        postgresql_where=sa.text(UNOBSERVED),
        sqlite_where=sa.text(UNOBSERVED),
    )
    op.execute("DELETE FROM readmodel_marks WHERE name = 'notice_duties'")


def downgrade() -> None:
    op.drop_index("ix_interactions_unobserved", table_name="interactions")
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_column("batch_observed")

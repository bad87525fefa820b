"""dsr_system_tasks: per connected system, the state of a data-subject request's work
there (pending, failed, done, dead_letter), attempts, back-off, last error, and what
was and was not done (issue 15, point 3)

Revision ID: 0035
Revises: 0034
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsr_system_tasks",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("system", sa.String(length=40), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", UTCDateTime(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("key_id", sa.String(length=80), nullable=False),
        sa.Column("identifiers_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["dsr_requests.id"],
            name=op.f("fk_dsr_system_tasks_request_id_dsr_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsr_system_tasks")),
        sa.UniqueConstraint(
            "request_id",
            "system",
            "action",
            name=op.f("uq_dsr_system_tasks_request_id_system_action"),
        ),
    )
    with op.batch_alter_table("dsr_system_tasks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_dsr_system_tasks_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_dsr_system_tasks_state"), ["state"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_dsr_system_tasks_next_attempt_at"), ["next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("dsr_system_tasks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dsr_system_tasks_next_attempt_at"))
        batch_op.drop_index(batch_op.f("ix_dsr_system_tasks_state"))
        batch_op.drop_index(batch_op.f("ix_dsr_system_tasks_request_id"))
    op.drop_table("dsr_system_tasks")

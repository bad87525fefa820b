"""dsr_system_tasks beyond requests and beyond APIs (issue 15): a task may belong to a
consent event instead of a request (a withdrawal or objection outside any request:
``request_id`` nullable, ``event_id`` and ``contact_id``), carries its operation's
parameters (``params``: purpose and state, never a value), and a manual task waits for
its owner (``due_at``, the one-time confirmation link's ``token_hash`` and expiry).

Revision ID: 0040
Revises: 0039
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0040"
down_revision: str | None = "0039"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("dsr_system_tasks", schema=None) as batch_op:
        batch_op.alter_column("request_id", existing_type=sa.String(length=36), nullable=True)
        batch_op.add_column(sa.Column("event_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("contact_id", sa.String(length=36), nullable=True))
        batch_op.add_column(sa.Column("params", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("due_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("token_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("token_expires_at", UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f("ix_dsr_system_tasks_event_id"), ["event_id"])
        batch_op.create_index(
            batch_op.f("ix_dsr_system_tasks_token_hash"), ["token_hash"], unique=True
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_dsr_system_tasks_event_id_system_action"),
            ["event_id", "system", "action"],
        )
    op.execute(
        "UPDATE dsr_system_tasks SET contact_id = (SELECT r.contact_id FROM dsr_requests r "
        "WHERE r.id = dsr_system_tasks.request_id) WHERE contact_id IS NULL"
    )


def downgrade() -> None:
    op.execute("DELETE FROM dsr_system_tasks WHERE request_id IS NULL")
    with op.batch_alter_table("dsr_system_tasks", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_dsr_system_tasks_event_id_system_action"), type_="unique"
        )
        batch_op.drop_index(batch_op.f("ix_dsr_system_tasks_token_hash"))
        batch_op.drop_index(batch_op.f("ix_dsr_system_tasks_event_id"))
        for column in ("token_expires_at", "token_hash", "due_at", "params", "contact_id"):
            batch_op.drop_column(column)
        batch_op.drop_column("event_id")
        batch_op.alter_column("request_id", existing_type=sa.String(length=36), nullable=False)

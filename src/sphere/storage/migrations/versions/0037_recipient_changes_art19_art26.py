"""recipients: location, TIA outcome, edits and retirement; recipient_notifications
(Art. 19); joint_arrangements (Art. 26) per registered source (issue 14, points 4-5)

Revision ID: 0037
Revises: 0036
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0037"
down_revision: str | None = "0036"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("location", sa.String(length=200), nullable=False, server_default="")
        )
        batch_op.add_column(sa.Column("tia_summary", sa.Text(), nullable=False, server_default=""))
        batch_op.add_column(sa.Column("updated_at", UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("retired_at", UTCDateTime(), nullable=True))
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.alter_column("location", server_default=None)
        batch_op.alter_column("tia_summary", server_default=None)
    op.create_table(
        "recipient_notifications",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("request_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("recipient_id", sa.String(length=36), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("notified_at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recipient_notifications")),
    )
    with op.batch_alter_table("recipient_notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recipient_notifications_request_id"), ["request_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_recipient_notifications_contact_id"), ["contact_id"], unique=False
        )
    op.create_table(
        "joint_arrangements",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("source_name", sa.String(length=100), nullable=False),
        sa.Column("needed", sa.Boolean(), nullable=False),
        sa.Column("platform", sa.String(length=200), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("agreed_on", UTCDateTime(), nullable=True),
        sa.Column("url", sa.String(length=500), nullable=False),
        sa.Column("contact_point", sa.String(length=500), nullable=False),
        sa.Column("rights", sa.JSON(), nullable=False),
        sa.Column("essence_en", sa.Text(), nullable=False),
        sa.Column("essence_de", sa.Text(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_joint_arrangements")),
        sa.UniqueConstraint("source_name", name=op.f("uq_joint_arrangements_source_name")),
    )


def downgrade() -> None:
    op.drop_table("joint_arrangements")
    with op.batch_alter_table("recipient_notifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recipient_notifications_contact_id"))
        batch_op.drop_index(batch_op.f("ix_recipient_notifications_request_id"))
    op.drop_table("recipient_notifications")
    with op.batch_alter_table("recipients", schema=None) as batch_op:
        batch_op.drop_column("retired_at")
        batch_op.drop_column("updated_at")
        batch_op.drop_column("tia_summary")
        batch_op.drop_column("location")

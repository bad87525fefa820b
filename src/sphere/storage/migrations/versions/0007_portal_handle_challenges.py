"""portal: log-in by social-handle challenge

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_handle_challenges",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("phrase_sha256", sa.String(length=64), nullable=False),
        sa.Column("secret_sha256", sa.String(length=64), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("throttle_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("met_at", UTCDateTime(), nullable=True),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_portal_handle_challenges_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_handle_challenges")),
        sa.UniqueConstraint(
            "secret_sha256", name=op.f("uq_portal_handle_challenges_secret_sha256")
        ),
    )
    with op.batch_alter_table("portal_handle_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_portal_handle_challenges_contact_id"), ["contact_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_portal_handle_challenges_phrase_sha256"),
            ["phrase_sha256"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_portal_handle_challenges_throttle_key"), ["throttle_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("portal_handle_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_portal_handle_challenges_throttle_key"))
        batch_op.drop_index(batch_op.f("ix_portal_handle_challenges_phrase_sha256"))
        batch_op.drop_index(batch_op.f("ix_portal_handle_challenges_contact_id"))
    op.drop_table("portal_handle_challenges")

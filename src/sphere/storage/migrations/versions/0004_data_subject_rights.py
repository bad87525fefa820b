"""data-subject rights: requests, verification challenges, Art. 14 notice duties

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "dsr_requests",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contact_id", sa.String(36), nullable=True),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("state", sa.String(40), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("extended_until", UTCDateTime(), nullable=True),
        sa.Column("extension_reason", sa.Text(), nullable=True),
        sa.Column("verified_at", UTCDateTime(), nullable=True),
        sa.Column("verification_method", sa.String(40), nullable=True),
        sa.Column("rejected_reason", sa.Text(), nullable=True),
        sa.Column("completed_at", UTCDateTime(), nullable=True),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("opened_by", sa.String(100), nullable=False),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_dsr_requests_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsr_requests")),
    )
    with op.batch_alter_table("dsr_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dsr_requests_contact_id"), ["contact_id"])
        batch_op.create_index(batch_op.f("ix_dsr_requests_state"), ["state"])

    op.create_table(
        "dsr_verifications",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("request_id", sa.String(36), nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("identity_id", sa.String(36), nullable=True),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("consumed_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["identities.id"],
            name=op.f("fk_dsr_verifications_identity_id_identities"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["dsr_requests.id"],
            name=op.f("fk_dsr_verifications_request_id_dsr_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dsr_verifications")),
    )
    with op.batch_alter_table("dsr_verifications", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_dsr_verifications_request_id"), ["request_id"])

    op.create_table(
        "notice_duties",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("contact_id", sa.String(36), nullable=False),
        sa.Column("source_name", sa.String(100), nullable=False),
        sa.Column("channel", sa.String(40), nullable=False),
        sa.Column("obtained_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("notice_sha256", sa.String(64), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_notice_duties_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notice_duties")),
        sa.UniqueConstraint(
            "contact_id", "source_name", name=op.f("uq_notice_duties_contact_id_source_name")
        ),
    )
    with op.batch_alter_table("notice_duties", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notice_duties_contact_id"), ["contact_id"])
        batch_op.create_index(batch_op.f("ix_notice_duties_due_at"), ["due_at"])


def downgrade() -> None:
    with op.batch_alter_table("notice_duties", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notice_duties_due_at"))
        batch_op.drop_index(batch_op.f("ix_notice_duties_contact_id"))
    op.drop_table("notice_duties")
    with op.batch_alter_table("dsr_verifications", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dsr_verifications_request_id"))
    op.drop_table("dsr_verifications")
    with op.batch_alter_table("dsr_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_dsr_requests_state"))
        batch_op.drop_index(batch_op.f("ix_dsr_requests_contact_id"))
    op.drop_table("dsr_requests")

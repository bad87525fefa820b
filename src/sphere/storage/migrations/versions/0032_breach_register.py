"""breaches and breach_subjects: the breach register (GDPR Art. 33(5)) with the people
concerned as computed from Sphere's own data (issue 14, point 3)

Revision ID: 0032
Revises: 0031
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "breaches",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("kinds", sa.JSON(), nullable=False),
        sa.Column("started_at", UTCDateTime(), nullable=False),
        sa.Column("discovered_at", UTCDateTime(), nullable=False),
        sa.Column("ended_at", UTCDateTime(), nullable=True),
        sa.Column("systems", sa.JSON(), nullable=False),
        sa.Column("sources", sa.JSON(), nullable=False),
        sa.Column("data_categories", sa.JSON(), nullable=False),
        sa.Column("records_from", UTCDateTime(), nullable=True),
        sa.Column("records_to", UTCDateTime(), nullable=True),
        sa.Column("affected_subjects", sa.Integer(), nullable=False),
        sa.Column("affected_pseudonymous", sa.Integer(), nullable=False),
        sa.Column("affected_records", sa.Integer(), nullable=False),
        sa.Column("affected_detail", sa.JSON(), nullable=False),
        sa.Column("affected_at", UTCDateTime(), nullable=True),
        sa.Column("consequences", sa.Text(), nullable=False),
        sa.Column("measures", sa.Text(), nullable=False),
        sa.Column("risk", sa.String(length=40), nullable=False),
        sa.Column("risk_reasons", sa.Text(), nullable=False),
        sa.Column("notify_authority", sa.Boolean(), nullable=True),
        sa.Column("authority_reason", sa.Text(), nullable=False),
        sa.Column("notify_subjects", sa.Boolean(), nullable=True),
        sa.Column("subjects_reason", sa.Text(), nullable=False),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("authority_notified_at", UTCDateTime(), nullable=True),
        sa.Column("authority_reference", sa.String(length=100), nullable=False),
        sa.Column("delay_reason", sa.Text(), nullable=False),
        sa.Column("subjects_notified_at", UTCDateTime(), nullable=True),
        sa.Column("closed_at", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_breaches")),
        sa.UniqueConstraint("reference", name=op.f("uq_breaches_reference")),
    )
    with op.batch_alter_table("breaches", schema=None) as batch_op:
        batch_op.create_index("ix_breaches_discovered_at", ["discovered_at"], unique=False)

    op.create_table(
        "breach_subjects",
        sa.Column("breach_id", sa.String(length=36), nullable=False),
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.ForeignKeyConstraint(
            ["breach_id"],
            ["breaches.id"],
            name=op.f("fk_breach_subjects_breach_id_breaches"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_breach_subjects_contact_id_contacts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("breach_id", "contact_id", name=op.f("pk_breach_subjects")),
    )
    with op.batch_alter_table("breach_subjects", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_breach_subjects_contact_id"), ["contact_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("breach_subjects", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_breach_subjects_contact_id"))

    op.drop_table("breach_subjects")
    with op.batch_alter_table("breaches", schema=None) as batch_op:
        batch_op.drop_index("ix_breaches_discovered_at")

    op.drop_table("breaches")

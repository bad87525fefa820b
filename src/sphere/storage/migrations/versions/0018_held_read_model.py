"""read model: counts of what is held, kept current with the records

Revision ID: 0018
Revises: 0017

Creates ``held_counts``, ``held_contact_purposes`` and ``held_purpose_contacts``
(``sphere.storage.readmodel_tables``) and two indexes the oversight queries use: the
latest decision per purpose, attributes past their retention deadline and the newest
stored posts. The tables
start empty; ``sphere.storage.db.upgrade`` fills them from the stored records right
after migrating when they are empty and records exist (with the code of the version
being installed, so this migration never depends on later schema changes).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "held_counts",
        sa.Column("record_type", sa.String(length=16), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("legal_basis", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=100), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("special", sa.String(length=200), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("reid", sa.String(length=24), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "record_type",
            "purpose",
            "legal_basis",
            "outcome",
            "source",
            "channel",
            "special",
            "day",
            "reid",
            name=op.f("pk_held_counts"),
        ),  # fmt: skip
    )
    op.create_table(
        "held_contact_purposes",
        sa.Column("contact_id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("contact_id", "purpose", name=op.f("pk_held_contact_purposes")),
    )
    op.create_table(
        "held_purpose_contacts",
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("contacts", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("purpose", name=op.f("pk_held_purpose_contacts")),
    )
    op.create_table(
        "readmodel_marks",
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_readmodel_marks")),
    )
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.create_index("ix_decisions_purpose_decided_at", ["purpose", "decided_at"])
    with op.batch_alter_table("attributes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_attributes_retention_until"), ["retention_until"])
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_interactions_ingested_at"), ["ingested_at"])


def downgrade() -> None:
    with op.batch_alter_table("interactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_interactions_ingested_at"))
    with op.batch_alter_table("attributes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attributes_retention_until"))
    with op.batch_alter_table("decisions", schema=None) as batch_op:
        batch_op.drop_index("ix_decisions_purpose_decided_at")
    op.drop_table("readmodel_marks")
    op.drop_table("held_purpose_contacts")
    op.drop_table("held_contact_purposes")
    op.drop_table("held_counts")

"""review queue for posts addressed to the company that could not be stored as they are;
the decision log records the special categories found

Revision ID: 0022
Revises: 0021
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("ref_key", sa.String(length=64), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("channel", sa.String(length=40), nullable=False),
        sa.Column("visibility", sa.String(length=40), nullable=False),
        sa.Column("addressing", sa.String(length=40), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=True),
        sa.Column("contact_id", sa.String(length=36), nullable=True),
        sa.Column("subject_id", sa.String(length=80), nullable=False),
        sa.Column("decision_id", sa.String(length=36), nullable=True),
        sa.Column("outcome", sa.String(length=40), nullable=False),
        sa.Column("rule_id", sa.String(length=100), nullable=False),
        sa.Column("article", sa.String(length=200), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("post_ref_ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("text_ciphertext", sa.LargeBinary(), nullable=True),
        sa.Column("text_basis", sa.String(length=40), nullable=True),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("state_changed_at", UTCDateTime(), nullable=True),
        sa.Column("state_changed_by", sa.String(length=100), nullable=True),
        sa.ForeignKeyConstraint(
            ["contact_id"],
            ["contacts.id"],
            name=op.f("fk_review_items_contact_id_contacts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint("ref_key", name=op.f("uq_review_items_ref_key")),
    )
    op.create_index("ix_review_items_state_created_at", "review_items", ["state", "created_at"])
    op.create_index("ix_review_items_expires_at", "review_items", ["expires_at"])
    op.create_index(op.f("ix_review_items_contact_id"), "review_items", ["contact_id"])
    op.create_index(op.f("ix_review_items_subject_id"), "review_items", ["subject_id"])
    op.add_column("decisions", sa.Column("special_categories", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("special_categories")
    op.drop_table("review_items")

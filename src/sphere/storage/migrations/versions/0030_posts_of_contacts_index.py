"""interactions: a covering index of live posts by known authors (contact, addressing;
PostgreSQL includes the Art. 9 categories), read index-only by the planning check and
the dry run instead of every stored interaction

Revision ID: 0030
Revises: 0029
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels = None
depends_on = None

WHERE = "deleted_at IS NULL AND contact_id IS NOT NULL"


def upgrade() -> None:
    op.create_index(
        "ix_interactions_contact_posts",
        "interactions",
        ["contact_id", "addressing"],
        postgresql_include=["special_categories"],
        postgresql_where=sa.text(WHERE),
        sqlite_where=sa.text(WHERE),
    )


def downgrade() -> None:
    op.drop_index("ix_interactions_contact_posts", table_name="interactions")

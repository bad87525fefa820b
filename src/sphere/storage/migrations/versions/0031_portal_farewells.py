"""portal_farewells: hashes of portal session tokens whose person was erased, so the
browser's next click says what happened (issue 16); nothing else, kept 30 days

Revision ID: 0031
Revises: 0030
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_farewells",
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("token_sha256", name=op.f("pk_portal_farewells")),
    )


def downgrade() -> None:
    op.drop_table("portal_farewells")

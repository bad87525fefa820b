"""audit entries keyed by an HMAC key held outside the database

Revision ID: 0013
Revises: 0012

Entries written before this revision keep ``key_id`` NULL and stay plain SHA-256 links;
every entry after it is an HMAC-SHA256 link under the key ``key_id`` names. Nothing is
rewritten: the first keyed entry chains to the last plain one, so the plain prefix can no
longer be recomputed without also forging a keyed entry (docs/security.md).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("key_id", sa.String(length=16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_column("key_id")

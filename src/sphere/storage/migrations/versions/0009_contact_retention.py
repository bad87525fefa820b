"""contacts: a retention deadline of their own

Revision ID: 0009
Revises: 0008

Contacts imported before this migration (those with a ``contact`` decision in the log)
get ``created_at`` + 1,095 days, the default policy's retention for service provision;
the next import of the same customer moves it to that import + the policy's value.
Contacts that were never imported keep no deadline.
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels = None
depends_on = None

DEFAULT_DAYS = 1095


def upgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_until", UTCDateTime(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_contacts_retention_until"), ["retention_until"], unique=False
        )
    contacts = sa.table(
        "contacts",
        sa.column("id", sa.String),
        sa.column("created_at", UTCDateTime()),
        sa.column("erased_at", UTCDateTime()),
        sa.column("retention_until", UTCDateTime()),
    )
    decisions = sa.table(
        "decisions", sa.column("contact_id", sa.String), sa.column("record_type", sa.String)
    )
    imported = (
        sa.select(contacts.c.id, contacts.c.created_at)
        .where(contacts.c.erased_at.is_(None))
        .where(
            sa.exists()
            .where(decisions.c.contact_id == contacts.c.id)
            .where(decisions.c.record_type == "contact")
        )
    )
    bind = op.get_bind()
    for contact_id, created_at in bind.execute(imported).all():
        bind.execute(
            contacts.update()
            .where(contacts.c.id == contact_id)
            .values(retention_until=created_at + timedelta(days=DEFAULT_DAYS))
        )


def downgrade() -> None:
    with op.batch_alter_table("contacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contacts_retention_until"))
        batch_op.drop_column("retention_until")

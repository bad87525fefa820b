"""consents: the sources and data categories a consent covers (GDPR Art. 4(11))

Consent is specific: to a purpose and to the data it covers. Existing consents imported
from the CRM (the newsletter/e-mail/phone ticks) covered the contact data held in the
CRM and nothing else; they are given that scope. Other existing consents keep NULL
(not narrowed: what their notice described for the purpose).

Revision ID: 0025
Revises: 0024
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sources", sa.String(length=400), nullable=True))
        batch_op.add_column(sa.Column("data_categories", sa.String(length=400), nullable=True))
    op.execute(
        "UPDATE consents SET sources = ',crm,', data_categories = ',contact_data,' "
        "WHERE channel = 'crm' AND action = 'given'"
    )


def downgrade() -> None:
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_column("data_categories")
        batch_op.drop_column("sources")

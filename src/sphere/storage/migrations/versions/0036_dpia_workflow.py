"""dpias, dpia_versions: the DPIA workflow (GDPR Art. 35, 36) with versions kept; the
approvals recorded so far become signed-off version 1 of their purpose's DPIA (issue 14,
point 2)

Each purpose's latest ``dpia_approvals`` row becomes DPIA-<year>-<n>, version 1, signed
off by whoever approved it, with the approval's reference kept as ``legacy_reference``
(the DPIA document outside Sphere), assessed on the day of the approval and due for
review a year later (Art. 35(11)): the gate stays open as before, and the next change
makes version 2 with a risk register.

Revision ID: 0036
Revises: 0035
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import sqlalchemy as sa
from alembic import op

from sphere.storage.types import UTCDateTime

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    dpias = op.create_table(
        "dpias",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("measure", sa.String(length=200), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dpias")),
        sa.UniqueConstraint("reference", name=op.f("uq_dpias_reference")),
    )
    op.create_index(op.f("ix_dpias_purpose"), "dpias", ["purpose"], unique=False)
    versions = op.create_table(
        "dpia_versions",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("dpia_id", sa.String(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("state", sa.String(length=40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("necessity", sa.Text(), nullable=False),
        sa.Column("criteria", sa.JSON(), nullable=False),
        sa.Column("declared", sa.JSON(), nullable=False),
        sa.Column("risks", sa.JSON(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=True),
        sa.Column("review_on", sa.Date(), nullable=True),
        sa.Column("dpo_opinion", sa.Text(), nullable=False),
        sa.Column("dpo_opinion_by", sa.String(length=200), nullable=True),
        sa.Column("dpo_opinion_at", UTCDateTime(), nullable=True),
        sa.Column("consultation_on", sa.Date(), nullable=True),
        sa.Column("consultation_reference", sa.String(length=100), nullable=False),
        sa.Column("consultation_outcome", sa.Text(), nullable=False),
        sa.Column("legacy_reference", sa.String(length=200), nullable=False),
        sa.Column("signed_off_at", UTCDateTime(), nullable=True),
        sa.Column("signed_off_by", sa.String(length=200), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["dpia_id"],
            ["dpias.id"],
            name=op.f("fk_dpia_versions_dpia_id_dpias"),
            ondelete="CASCADE",
        ),  # fmt: skip
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dpia_versions")),
        sa.UniqueConstraint("dpia_id", "version", name=op.f("uq_dpia_versions_dpia_id_version")),
    )
    approvals = sa.table(
        "dpia_approvals",
        sa.column("purpose", sa.String()),
        sa.column("reference", sa.String()),
        sa.column("approved_by", sa.String()),
        sa.column("approved_at", UTCDateTime()),
    )
    bind = op.get_bind()
    latest: dict[str, sa.Row] = {}
    for row in bind.execute(
        sa.select(approvals).order_by(approvals.c.approved_at, approvals.c.purpose)
    ):
        latest[row.purpose] = row
    numbers: dict[int, int] = {}
    for row in sorted(latest.values(), key=lambda r: (r.approved_at, r.purpose)):
        year = row.approved_at.year
        numbers[year] = numbers.get(year, 0) + 1
        dpia_id = str(uuid.uuid4())
        day = row.approved_at.date()
        bind.execute(sa.insert(dpias).values(
            id=dpia_id, reference=f"DPIA-{year}-{numbers[year]:03d}", purpose=row.purpose,
            measure=None, title=row.purpose, created_at=row.approved_at,
            created_by=row.approved_by))  # fmt: skip
        bind.execute(sa.insert(versions).values(
            id=str(uuid.uuid4()), dpia_id=dpia_id, version=1, state="signed_off",
            description="", necessity="", criteria=[], declared={}, risks=[],
            assessed_on=day, review_on=day + timedelta(days=365), dpo_opinion="",
            consultation_reference="", consultation_outcome="",
            legacy_reference=row.reference, signed_off_at=row.approved_at,
            signed_off_by=row.approved_by, created_at=row.approved_at,
            created_by=row.approved_by, updated_at=row.approved_at))  # fmt: skip
    op.drop_index("ix_dpia_approvals_purpose", table_name="dpia_approvals")
    op.drop_table("dpia_approvals")


def downgrade() -> None:
    approvals = op.create_table(
        "dpia_approvals",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("approved_by", sa.String(length=200), nullable=False),
        sa.Column("approved_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dpia_approvals")),
    )
    op.create_index(
        "ix_dpia_approvals_purpose", "dpia_approvals", ["purpose", "approved_at"], unique=False
    )
    bind = op.get_bind()
    d = sa.table("dpias", sa.column("id"), sa.column("purpose"), sa.column("reference"),
                 sa.column("measure"))  # fmt: skip
    v = sa.table("dpia_versions", sa.column("dpia_id"), sa.column("version"),
                 sa.column("state"), sa.column("signed_off_by"),
                 sa.column("signed_off_at", UTCDateTime()))  # fmt: skip
    rows = bind.execute(
        sa.select(d.c.purpose, d.c.reference, v.c.version, v.c.signed_off_by, v.c.signed_off_at)
        .join(v, v.c.dpia_id == d.c.id)
        .where(d.c.measure.is_(None), v.c.state == "signed_off")
    ).all()
    for purpose, reference, version, by, at in rows:
        bind.execute(sa.insert(approvals).values(
            id=str(uuid.uuid4()), purpose=purpose, reference=f"{reference} v{version}",
            approved_by=by or "", approved_at=at))  # fmt: skip
    op.drop_table("dpia_versions")
    op.drop_index(op.f("ix_dpias_purpose"), table_name="dpias")
    op.drop_table("dpias")

"""Stream receipts without identifiers from the payload.

Message ids were ``<channel>:<source id>:<digest of the bytes>``; the source id could be
a Bluesky DID or a shop's customer number, kept in clear in ``stream_receipts`` after the
person's erasure. Ids are now ``<channel>:<digest>`` (``sphere.intake.shapes``); this
rewrites the receipts already written to the same form, so a message published before
the upgrade and redelivered after it is still recognised. Ids of another form (a worker's
``<stream>:<sequence>`` fallback) hold no identifier and are left alone.

Revision ID: 0041
Revises: 0040
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0041"
down_revision: str | None = "0040"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# two colons or more: <channel>:<source id>:<24 hex digits>
_OLD_FORM = "length(msg_id) - length(replace(msg_id, ':', '')) >= 2"


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        new_id = "split_part(msg_id, ':', 1) || ':' || right(msg_id, 24)"
    else:  # SQLite
        new_id = "substr(msg_id, 1, instr(msg_id, ':') - 1) || ':' || substr(msg_id, -24)"
    op.execute(f"UPDATE stream_receipts SET msg_id = {new_id} WHERE {_OLD_FORM}")


def downgrade() -> None:
    pass  # the source ids are gone, by design

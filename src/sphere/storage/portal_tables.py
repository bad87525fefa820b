"""ORM models for the data-subject portal: one-time log-in links and portal sessions.

Both hold only the SHA-256 of a 256-bit random token (a plain hash suffices for
high-entropy secrets), never the token itself, so a copy of the database does not let
anyone log in. ``address_key`` is a keyed HMAC of the e-mail address the link was asked
for — used only to rate-limit requests per address, never the clear address.
Rows go with the contact (ON DELETE CASCADE); an erasure ends every portal session
because ``sphere.portal`` refuses sessions of an erased contact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ID, Base, new_id


class PortalLoginLinkRow(Base):
    """A one-time log-in link: valid for 15 minutes, redeemable once."""

    __tablename__ = "portal_login_links"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    address_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class PortalSessionRow(Base):
    """A portal session of one data subject (separate from staff sessions)."""

    __tablename__ = "portal_sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[str] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]

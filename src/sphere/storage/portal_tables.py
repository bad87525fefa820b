"""ORM models for the data-subject portal: one-time log-in links, social-handle log-in
challenges and portal sessions.

Links, challenges and sessions hold only the SHA-256 of a 256-bit random token (a plain
hash suffices for high-entropy secrets), never the token itself, so a copy of the
database does not let anyone log in. ``address_key`` is a keyed HMAC of the e-mail
address the link was asked for — used only to rate-limit requests per address, never the
clear address.
Rows go with the contact (ON DELETE CASCADE); an erasure ends every portal session
because ``sphere.portal`` refuses sessions of an erased contact.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


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
    # How the person proved who they are (recorded on the requests they open):
    # "portal_login_link" (e-mail) or "portal_handle_challenge" (social account).
    method: Mapped[str] = mapped_column(String(40), default="portal_login_link")


class PortalFarewellRow(Base):
    """The hash of a portal session token whose person was erased, so the next click
    says what happened instead of a bare log-in page. Nothing else: no contact id, no
    time of the session; gone after ``expires_at`` (the retention run)."""

    __tablename__ = "portal_farewells"

    token_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime]


class PortalHandleChallengeRow(Base):
    """A log-in by social-handle challenge: the person posts a public phrase from their
    account; the browser that holds the secret may then open a portal session once.

    ``phrase_sha256`` finds the challenge when a post quotes the phrase; ``secret_sha256``
    is what the browser proves (the phrase alone never logs anyone in). ``contact_id`` is
    NULL when the handle typed matched no single living contact: such a row exists only
    so that the answer and the rate limit look the same, and can never be met.
    ``throttle_key`` is a keyed HMAC of channel and handle, never the clear handle.
    """

    __tablename__ = "portal_handle_challenges"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    phrase_sha256: Mapped[str] = mapped_column(String(64), index=True)
    secret_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    contact_id: Mapped[str | None] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), index=True
    )
    channel: Mapped[str] = mapped_column(ENUM)
    throttle_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]
    met_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(Integer, default=0)


class PortalLoginAttemptRow(Base):
    """One request for a portal log-in (e-mail link or handle challenge), counted by the
    throttle whether or not the address or handle is on file (no account enumeration).

    ``target_key`` is the keyed HMAC of the address (or channel and handle) and
    ``client_key`` the keyed HMAC of the client's network address: neither is reversible
    without the pseudonym secret. Rows expire with the throttle window and are deleted by
    the retention run (``storage.repositories.credentials``).
    """

    __tablename__ = "portal_login_attempts"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    target_key: Mapped[str] = mapped_column(String(64), index=True)
    client_key: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    expires_at: Mapped[datetime]

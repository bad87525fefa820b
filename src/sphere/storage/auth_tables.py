"""ORM models for staff accounts: users, server-side sessions, API tokens, login throttle.

They live on the same declarative ``Base`` (and so the same ``MetaData``) as
``sphere.storage.tables``; Alembic's ``env.py`` must import this module for
autogenerate to see them.

Secrets are never stored in a form that lets someone with a copy of the database log
in: passwords as argon2id hashes (``password_hash``), session and API tokens as the
hex SHA-256 of a 256-bit random token (a plain hash suffices for high-entropy tokens;
a slow hash is only needed for low-entropy secrets such as passwords). Throttle keys
are keyed HMACs of the user name or client address, never the clear value.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Integer, String, false
from sqlalchemy.orm import Mapped, mapped_column

from sphere.domain.time import utcnow
from sphere.storage.tables import ENUM, ID, Base, new_id


class StaffUserRow(Base):
    """A member of staff who may use the cockpit or the API (role: see ``sphere.accounts``)."""

    __tablename__ = "staff_users"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[str] = mapped_column(ENUM)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    # Set for accounts whose password someone else knows (the demo's printed one): the
    # cockpit and the API refuse everything but changing it until it is changed.
    must_change_password: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )


class StaffSessionRow(Base):
    """A server-side login session; the browser holds the token, we hold its SHA-256."""

    __tablename__ = "staff_sessions"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[str] = mapped_column(
        ForeignKey("staff_users.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime]  # absolute expiry; idle expiry is last_seen_at + idle
    revoked_at: Mapped[datetime | None]


class ApiTokenRow(Base):
    """A machine credential (``Authorization: Bearer …``) scoped to one role."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(ID, primary_key=True, default=new_id)
    name: Mapped[str] = mapped_column(String(100))
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(ENUM)
    created_by: Mapped[str | None] = mapped_column(
        ForeignKey("staff_users.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginThrottleRow(Base):
    """Failed log-in counter for one key (``account:<hmac>`` or ``ip:<hmac>``).

    Stored rather than in memory so that several server processes share the limit.
    """

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime]
    locked_until: Mapped[datetime | None]

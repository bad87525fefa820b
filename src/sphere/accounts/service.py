"""Staff accounts: create users, log in with throttling, sessions and API tokens.

Security model (also in ``docs/web.md``):

* Passwords are hashed with argon2id (``argon2-cffi`` defaults, RFC 9106 low-memory
  profile); hashes are upgraded on the next successful log-in when parameters change.
  An unknown user name costs the same hash verification as a wrong password, and both
  give the same ``LoginFailed`` — the response does not reveal which accounts exist.
* Sessions and API tokens are 256-bit random tokens; only their SHA-256 is stored, so
  a copy of the database cannot be used to log in. A session ends at whichever comes
  first: ``SessionLimits.idle`` after the last request, ``SessionLimits.absolute`` after
  log-in, or log-out (revocation).
* Log-in throttling uses counters stored in the database (shared by every server
  process), keyed by an HMAC of the user name and of the client address (never the
  clear values): after ``LoginLimits.max_account_failures`` failures for one account,
  or ``max_address_failures`` from one address, within ``window``, further attempts are
  refused for ``lockout`` without checking the password. A success clears the
  account's counter only.

Roles: ``dpo`` and ``admin`` run the cockpit; ``marketer`` and ``agent`` use the API
for their work; ``auditor`` reads everything a DPO reads and may change nothing.

Every function takes the caller's SQLAlchemy ``Session`` and never commits.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.orm import Session

from sphere.accounts.exceptions import (
    AuthenticationError,
    LoginFailed,
    LoginThrottled,
    NotAuthenticated,
)
from sphere.domain.time import Clock, SystemClock
from sphere.errors import InvalidInput
from sphere.storage.repositories.staff import ApiToken, StaffRepository, StaffUser

MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "sph_"
_USERNAME = re.compile(r"^[a-z0-9][a-z0-9._@-]{1,99}$")
# Session "last seen" is written at most once per this interval (fewer writes per request);
# idle expiry is therefore accurate to this granularity.
TOUCH_INTERVAL = timedelta(minutes=1)


class Role(StrEnum):
    """What a member of staff may do. ``auditor`` is read-only: any non-GET is refused."""

    DPO = "dpo"
    MARKETER = "marketer"
    AGENT = "agent"
    ADMIN = "admin"
    AUDITOR = "auditor"

    @property
    def is_read_only(self) -> bool:
        return self is Role.AUDITOR


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is making a request: a staff member by session, or a machine by API token."""

    user_id: str | None  # None for a token whose creator was deleted
    username: str
    role: Role
    via: Literal["session", "token"]
    credential_id: str  # session id or token id (never the token itself)
    display_name: str = ""
    must_change_password: bool = False  # sessions only; see PasswordChangeRequired


@dataclass(frozen=True, slots=True)
class LoginLimits:
    max_account_failures: int = 5
    max_address_failures: int = 20
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)


@dataclass(frozen=True, slots=True)
class SessionLimits:
    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)


@dataclass(frozen=True, slots=True)
class LoginResult:
    """The outcome of a log-in attempt. A value, so the caller can commit the failure
    counters before turning ``failure`` into an error response."""

    principal: Principal | None
    failure: AuthenticationError | None = None

    def unwrap(self) -> Principal:
        if self.failure is not None:
            raise self.failure
        assert self.principal is not None
        return self.principal


@dataclass(frozen=True, slots=True)
class IssuedSession:
    token: str  # goes into the cookie; never stored or logged
    session_id: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str  # shown once to the person who created it
    api_token: ApiToken


def make_password_hasher(*, fast: bool = False) -> PasswordHasher:
    """argon2id with library defaults; ``fast=True`` is for tests only (cheap parameters)."""
    if fast:
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    return PasswordHasher()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _now(clock: Clock | None) -> datetime:
    return (clock or SystemClock()).now()


def _principal(user: StaffUser, *, via: Literal["session", "token"], credential: str) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        role=Role(user.role),
        via=via,
        credential_id=credential,
        display_name=user.display_name,
        must_change_password=via == "session" and user.must_change_password,
    )


def normalize_username(username: str) -> str:
    return username.strip().lower()


# -- users ---------------------------------------------------------------------------


def create_staff_user(
    db: Session,
    username: str,
    password: str,
    *,
    role: Role,
    display_name: str = "",
    hasher: PasswordHasher | None = None,
    clock: Clock | None = None,
    must_change_password: bool = False,
) -> StaffUser:
    """Create an account. User names are lower-case ``[a-z0-9._@-]``, 2–100 characters;
    passwords need at least ``MIN_PASSWORD_LENGTH`` characters. ``must_change_password``
    for a password others know (the demo prints its own): its sessions may do nothing but
    change it (``change_password``)."""
    name = normalize_username(username)
    if not _USERNAME.match(name):
        raise InvalidInput("user name must be 2-100 characters of a-z, 0-9, '.', '_', '@', '-'")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(f"password must have at least {MIN_PASSWORD_LENGTH} characters")
    password_hash = (hasher or make_password_hasher()).hash(password)
    return StaffRepository(db).add_user(
        name,
        role=Role(role).value,
        password_hash=password_hash,
        display_name=display_name.strip(),
        at=_now(clock),
        must_change_password=must_change_password,
    )


def change_password(
    db: Session,
    user_id: str,
    current: str,
    new: str,
    *,
    hasher: PasswordHasher,
) -> None:
    """The owner sets a new password: the current one must match (``LoginFailed``), the
    new one must be long enough and differ from it (``InvalidInput``). Clears a forced
    change."""
    repo = StaffRepository(db)
    user = repo.get_user(user_id)
    try:
        hasher.verify(user.password_hash, current)
    except (VerificationError, InvalidHashError):
        raise InvalidInput("current_password: this is not the current password") from None
    if len(new) < MIN_PASSWORD_LENGTH:
        raise InvalidInput(
            f"new_password: a password needs at least {MIN_PASSWORD_LENGTH} characters"
        )
    if new == current:
        raise InvalidInput("new_password: choose a password different from the current one")
    repo.replace_password(user.id, hasher.hash(new))


def list_staff_users(db: Session) -> list[StaffUser]:
    return StaffRepository(db).list_users()


# -- log-in --------------------------------------------------------------------------


def _throttle_key(kind: str, value: str, secret: bytes) -> str:
    mac = hmac.new(secret, f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()
    return f"{kind}:{mac[:64]}"


def _locked_until(repo: StaffRepository, key: str, now: datetime) -> datetime | None:
    state = repo.throttle(key)
    if state is not None and state.locked_until is not None and state.locked_until > now:
        return state.locked_until
    return None


def _record_failure(
    repo: StaffRepository, key: str, *, limit: int, limits: LoginLimits, now: datetime
) -> None:
    state = repo.throttle(key)
    if state is None or now - state.window_started_at >= limits.window:
        failures, started = 1, now
    else:
        failures, started = state.failures + 1, state.window_started_at
    locked = now + limits.lockout if failures >= limit else None
    repo.save_throttle(key, failures=failures, window_started_at=started, locked_until=locked)


def authenticate(
    db: Session,
    username: str,
    password: str,
    *,
    client_address: str | None,
    throttle_secret: bytes,
    limits: LoginLimits | None = None,
    hasher: PasswordHasher | None = None,
    clock: Clock | None = None,
) -> LoginResult:
    """Check a user name and password, counting failures (see the module docstring).

    Returns a ``LoginResult`` rather than raising so that the caller commits the
    updated counters; ``result.unwrap()`` then raises ``LoginFailed``/``LoginThrottled``.
    """
    limits = limits or LoginLimits()
    hasher = hasher or make_password_hasher()
    now = _now(clock)
    repo = StaffRepository(db)
    name = normalize_username(username)
    account_key = _throttle_key("account", name, throttle_secret)
    address_key = _throttle_key("ip", client_address or "unknown", throttle_secret)

    locks = [t for t in (_locked_until(repo, k, now) for k in (account_key, address_key)) if t]
    if locks:
        return LoginResult(None, LoginThrottled(max(locks)))

    user = repo.user_by_username(name)
    ok = False
    if user is None:
        hasher.hash(password)  # same cost as a verification: timing does not reveal accounts
    else:
        try:
            ok = hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    if user is None or not user.is_active or not ok:
        for key, limit in (
            (account_key, limits.max_account_failures),
            (address_key, limits.max_address_failures),
        ):
            _record_failure(repo, key, limit=limit, limits=limits, now=now)
        return LoginResult(None, LoginFailed())

    repo.clear_throttle(account_key)
    if hasher.check_needs_rehash(user.password_hash):
        repo.set_password_hash(user.id, hasher.hash(password))
    repo.record_login(user.id, at=now)
    return LoginResult(_principal(user, via="session", credential=""))


# -- sessions ------------------------------------------------------------------------


def create_session(
    db: Session,
    user_id: str,
    *,
    limits: SessionLimits | None = None,
    clock: Clock | None = None,
) -> IssuedSession:
    """Start a new session for ``user_id`` (always a fresh token: no session fixation)."""
    limits = limits or SessionLimits()
    now = _now(clock)
    token = secrets.token_urlsafe(32)
    stored = StaffRepository(db).add_session(
        user_id, token_sha256=_digest(token), at=now, expires_at=now + limits.absolute
    )
    return IssuedSession(token=token, session_id=stored.id, expires_at=stored.expires_at)


def resolve_session(
    db: Session,
    token: str,
    *,
    limits: SessionLimits | None = None,
    clock: Clock | None = None,
) -> Principal:
    """The principal behind a session cookie; ``NotAuthenticated`` if unknown, revoked,
    idle for longer than ``limits.idle``, past its absolute expiry or the user disabled."""
    limits = limits or SessionLimits()
    now = _now(clock)
    repo = StaffRepository(db)
    stored = repo.session_by_digest(_digest(token))
    if stored is None or stored.revoked_at is not None:
        raise NotAuthenticated("no valid session")
    if now >= stored.expires_at or now - stored.last_seen_at >= limits.idle:
        raise NotAuthenticated("session expired")
    user = repo.get_user(stored.user_id)
    if not user.is_active:
        raise NotAuthenticated("account disabled")
    if now - stored.last_seen_at >= TOUCH_INTERVAL:
        repo.touch_session(stored.id, at=now)
    return _principal(user, via="session", credential=stored.id)


def revoke_session(db: Session, token: str, *, clock: Clock | None = None) -> None:
    """End the session behind ``token`` (log-out). Unknown tokens are ignored."""
    repo = StaffRepository(db)
    stored = repo.session_by_digest(_digest(token))
    if stored is not None:
        repo.revoke_session(stored.id, at=_now(clock))


# -- API tokens ----------------------------------------------------------------------


def create_api_token(
    db: Session,
    *,
    name: str,
    role: Role,
    created_by: str | None = None,
    expires_at: datetime | None = None,
    clock: Clock | None = None,
) -> IssuedToken:
    """Issue a machine token for ``role``; the clear token is returned once, never stored."""
    if not name.strip() or len(name) > 100:
        raise InvalidInput("token name must be 1-100 characters")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    stored = StaffRepository(db).add_token(
        name.strip(),
        role=Role(role).value,
        token_sha256=_digest(token),
        created_by=created_by,
        at=_now(clock),
        expires_at=expires_at,
    )
    return IssuedToken(token=token, api_token=stored)


def verify_api_token(db: Session, token: str, *, clock: Clock | None = None) -> Principal:
    """The principal behind a Bearer token; ``NotAuthenticated`` if unknown, revoked or expired."""
    now = _now(clock)
    repo = StaffRepository(db)
    stored = repo.token_by_digest(_digest(token)) if token.startswith(TOKEN_PREFIX) else None
    if stored is None or stored.revoked_at is not None:
        raise NotAuthenticated("invalid API token")
    if stored.expires_at is not None and now >= stored.expires_at:
        raise NotAuthenticated("API token expired")
    if stored.last_used_at is None or now - stored.last_used_at >= TOUCH_INTERVAL:
        repo.touch_token(stored.id, at=now)
    return Principal(
        user_id=stored.created_by,
        username=f"token:{stored.name}",
        role=Role(stored.role),
        via="token",
        credential_id=stored.id,
    )


def revoke_api_token(db: Session, token_id: str, *, clock: Clock | None = None) -> None:
    StaffRepository(db).revoke_token(token_id, at=_now(clock))

"""Staff accounts, sessions, API tokens and log-in throttle counters.

The repository stores what it is given: hashing passwords and tokens, role rules and
expiry decisions belong to ``sphere.accounts``. Roles are plain strings here (storage
does not know the role vocabulary). Nothing here commits; the caller owns the unit of
work. Password hashes and token digests are kept out of ``repr``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sphere.errors import InvalidInput, NotFound
from sphere.storage.auth_tables import ApiTokenRow, LoginThrottleRow, StaffSessionRow, StaffUserRow


@dataclass(frozen=True, slots=True)
class StaffUser:
    id: str
    username: str
    display_name: str
    role: str
    is_active: bool
    created_at: datetime
    last_login_at: datetime | None
    password_hash: str = field(repr=False)
    must_change_password: bool = False


@dataclass(frozen=True, slots=True)
class StaffSession:
    id: str
    user_id: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ApiToken:
    id: str
    name: str
    role: str
    created_by: str | None
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


@dataclass(frozen=True, slots=True)
class ThrottleState:
    key: str = field(repr=False)
    failures: int
    window_started_at: datetime
    locked_until: datetime | None


def _user(row: StaffUserRow) -> StaffUser:
    return StaffUser(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        is_active=row.is_active,
        created_at=row.created_at,
        last_login_at=row.last_login_at,
        password_hash=row.password_hash,
        must_change_password=bool(row.must_change_password),
    )


def _session(row: StaffSessionRow) -> StaffSession:
    return StaffSession(
        id=row.id,
        user_id=row.user_id,
        created_at=row.created_at,
        last_seen_at=row.last_seen_at,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


def _token(row: ApiTokenRow) -> ApiToken:
    return ApiToken(
        id=row.id,
        name=row.name,
        role=row.role,
        created_by=row.created_by,
        created_at=row.created_at,
        expires_at=row.expires_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


def _throttle(row: LoginThrottleRow) -> ThrottleState:
    return ThrottleState(
        key=row.key,
        failures=row.failures,
        window_started_at=row.window_started_at,
        locked_until=row.locked_until,
    )


class StaffRepository:
    """Staff users and their credentials (sessions, API tokens, throttle counters)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    # -- users ---------------------------------------------------------------------
    def add_user(
        self,
        username: str,
        *,
        role: str,
        password_hash: str,
        display_name: str = "",
        at: datetime,
        must_change_password: bool = False,
    ) -> StaffUser:
        if self.session.scalar(select(StaffUserRow.id).where(StaffUserRow.username == username)):
            raise InvalidInput(f"staff user {username!r} already exists")
        row = StaffUserRow(
            username=username,
            role=role,
            password_hash=password_hash,
            display_name=display_name,
            created_at=at,
            is_active=True,
            must_change_password=must_change_password,
        )
        self.session.add(row)
        self.session.flush()
        return _user(row)

    def user_by_username(self, username: str) -> StaffUser | None:
        row = self.session.scalar(select(StaffUserRow).where(StaffUserRow.username == username))
        return None if row is None else _user(row)

    def get_user(self, user_id: str) -> StaffUser:
        row = self.session.get(StaffUserRow, user_id)
        if row is None:
            raise NotFound(f"staff user {user_id} not found")
        return _user(row)

    def list_users(self) -> list[StaffUser]:
        rows = self.session.scalars(select(StaffUserRow).order_by(StaffUserRow.username))
        return [_user(r) for r in rows]

    def record_login(self, user_id: str, *, at: datetime) -> None:
        row = self.session.get(StaffUserRow, user_id)
        if row is None:
            raise NotFound(f"staff user {user_id} not found")
        row.last_login_at = at
        self.session.flush()

    def set_password_hash(self, user_id: str, password_hash: str) -> None:
        row = self.session.get(StaffUserRow, user_id)
        if row is None:
            raise NotFound(f"staff user {user_id} not found")
        row.password_hash = password_hash
        self.session.flush()

    def replace_password(self, user_id: str, password_hash: str) -> None:
        """A password chosen by its owner: the hash, and no forced change any more."""
        row = self.session.get(StaffUserRow, user_id)
        if row is None:
            raise NotFound(f"staff user {user_id} not found")
        row.password_hash = password_hash
        row.must_change_password = False
        self.session.flush()

    def set_active(self, user_id: str, *, is_active: bool) -> None:
        row = self.session.get(StaffUserRow, user_id)
        if row is None:
            raise NotFound(f"staff user {user_id} not found")
        row.is_active = is_active
        self.session.flush()

    # -- sessions ------------------------------------------------------------------
    def add_session(
        self, user_id: str, *, token_sha256: str, at: datetime, expires_at: datetime
    ) -> StaffSession:
        row = StaffSessionRow(
            user_id=user_id,
            token_sha256=token_sha256,
            created_at=at,
            last_seen_at=at,
            expires_at=expires_at,
        )
        self.session.add(row)
        self.session.flush()
        return _session(row)

    def session_by_digest(self, token_sha256: str) -> StaffSession | None:
        row = self.session.scalar(
            select(StaffSessionRow).where(StaffSessionRow.token_sha256 == token_sha256)
        )
        return None if row is None else _session(row)

    def touch_session(self, session_id: str, *, at: datetime) -> None:
        self.session.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.id == session_id)
            .values(last_seen_at=at)
            .execution_options(synchronize_session=False)
        )

    def revoke_session(self, session_id: str, *, at: datetime) -> None:
        self.session.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.id == session_id, StaffSessionRow.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )

    def revoke_user_sessions(self, user_id: str, *, at: datetime) -> None:
        self.session.execute(
            update(StaffSessionRow)
            .where(StaffSessionRow.user_id == user_id, StaffSessionRow.revoked_at.is_(None))
            .values(revoked_at=at)
            .execution_options(synchronize_session=False)
        )

    # -- API tokens ----------------------------------------------------------------
    def add_token(
        self,
        name: str,
        *,
        role: str,
        token_sha256: str,
        created_by: str | None,
        at: datetime,
        expires_at: datetime | None = None,
    ) -> ApiToken:
        row = ApiTokenRow(
            name=name,
            role=role,
            token_sha256=token_sha256,
            created_by=created_by,
            created_at=at,
            expires_at=expires_at,
        )
        self.session.add(row)
        self.session.flush()
        return _token(row)

    def token_by_digest(self, token_sha256: str) -> ApiToken | None:
        row = self.session.scalar(
            select(ApiTokenRow).where(ApiTokenRow.token_sha256 == token_sha256)
        )
        return None if row is None else _token(row)

    def list_tokens(self) -> list[ApiToken]:
        rows = self.session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.created_at))
        return [_token(r) for r in rows]

    def touch_token(self, token_id: str, *, at: datetime) -> None:
        self.session.execute(
            update(ApiTokenRow)
            .where(ApiTokenRow.id == token_id)
            .values(last_used_at=at)
            .execution_options(synchronize_session=False)
        )

    def revoke_token(self, token_id: str, *, at: datetime) -> None:
        row = self.session.get(ApiTokenRow, token_id)
        if row is None:
            raise NotFound(f"API token {token_id} not found")
        if row.revoked_at is None:
            row.revoked_at = at
        self.session.flush()

    # -- log-in throttle -----------------------------------------------------------
    def throttle(self, key: str) -> ThrottleState | None:
        row = self.session.get(LoginThrottleRow, key)
        return None if row is None else _throttle(row)

    def save_throttle(
        self,
        key: str,
        *,
        failures: int,
        window_started_at: datetime,
        locked_until: datetime | None,
    ) -> ThrottleState:
        row = self.session.get(LoginThrottleRow, key)
        if row is None:
            row = LoginThrottleRow(key=key)
            self.session.add(row)
        row.failures = failures
        row.window_started_at = window_started_at
        row.locked_until = locked_until
        self.session.flush()
        return _throttle(row)

    def clear_throttle(self, key: str) -> None:
        row = self.session.get(LoginThrottleRow, key)
        if row is not None:
            self.session.delete(row)
            self.session.flush()

"""Authentication and authorisation errors. Messages never contain passwords, tokens,
user names typed at the log-in form or client addresses."""

from __future__ import annotations

from datetime import datetime

from sphere.errors import SphereError


class AuthenticationError(SphereError):
    """Who is asking could not be established (HTTP: 401)."""


class NotAuthenticated(AuthenticationError):
    """No credential, or an unknown, expired or revoked session or token."""


class LoginFailed(AuthenticationError):
    """User name or password wrong, or the account is disabled (deliberately one message)."""

    def __init__(self) -> None:
        super().__init__("wrong user name or password")


class LoginThrottled(AuthenticationError):
    """Too many failed log-ins for this account or from this address (HTTP: 429)."""

    def __init__(
        self, until: datetime, message: str = "too many failed log-in attempts; try again later"
    ) -> None:
        self.until = until
        super().__init__(message)


class AccessDenied(SphereError):
    """The caller is known but their role may not do this (HTTP: 403)."""


class PasswordChangeRequired(AccessDenied):
    """The account's password is known to others (a demo account): nothing but changing
    it is allowed until it is changed (HTTP: 403; the cockpit redirects to the form)."""

    def __init__(self) -> None:
        super().__init__(
            "this account must change its password before it can do anything else: open "
            "/cockpit/password, or POST /api/v1/auth/password with current_password and "
            "new_password"
        )

"""Staff accounts: roles, password log-in with throttling, server-side sessions, API tokens.

The web layer and the CLI call these functions; they hold no HTTP knowledge. See
``docs/web.md`` for the security model.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from sphere.accounts.exceptions import (
    AccessDenied,
    AuthenticationError,
    LoginFailed,
    LoginThrottled,
    NotAuthenticated,
    PasswordChangeRequired,
)

if TYPE_CHECKING:
    from sphere.accounts.service import (
        IssuedSession,
        IssuedToken,
        LoginLimits,
        Principal,
        Role,
        SessionLimits,
        authenticate,
        change_password,
        create_api_token,
        create_session,
        create_staff_user,
        list_staff_users,
        make_password_hasher,
        resolve_session,
        revoke_api_token,
        revoke_session,
        verify_api_token,
    )

# The service (password hashing, staff tables) is imported on first use (PEP 562): the
# pipeline imports the exceptions for its log-in observer and needs none of the rest.
_SERVICE = frozenset(
    {
        "IssuedSession",
        "IssuedToken",
        "LoginLimits",
        "Principal",
        "Role",
        "SessionLimits",
        "authenticate",
        "change_password",
        "create_api_token",
        "create_session",
        "create_staff_user",
        "list_staff_users",
        "make_password_hasher",
        "resolve_session",
        "revoke_api_token",
        "revoke_session",
        "verify_api_token",
    }
)


def __getattr__(name: str) -> Any:
    if name not in _SERVICE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module("sphere.accounts.service"), name)
    globals()[name] = value
    return value


__all__ = [
    "AccessDenied",
    "AuthenticationError",
    "IssuedSession",
    "IssuedToken",
    "LoginFailed",
    "LoginLimits",
    "LoginThrottled",
    "NotAuthenticated",
    "PasswordChangeRequired",
    "Principal",
    "Role",
    "SessionLimits",
    "authenticate",
    "change_password",
    "create_api_token",
    "create_session",
    "create_staff_user",
    "list_staff_users",
    "make_password_hasher",
    "resolve_session",
    "revoke_api_token",
    "revoke_session",
    "verify_api_token",
]

"""Staff accounts: roles, password log-in with throttling, server-side sessions, API tokens.

The web layer and the CLI call these functions; they hold no HTTP knowledge. See
``docs/web.md`` for the security model.
"""

from sphere.accounts.exceptions import (
    AccessDenied,
    AuthenticationError,
    LoginFailed,
    LoginThrottled,
    NotAuthenticated,
    PasswordChangeRequired,
)
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

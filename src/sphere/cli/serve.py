"""``sphere serve`` (one command) and ``sphere staff …`` (a sub-app) for the web layer.

The lead registers them in ``sphere.cli.app``::

    ("sphere.cli.serve", "staff_app", "staff", "Manage staff accounts and API tokens."),  # _SUBAPPS
    ("sphere.cli.serve", "serve", "serve"),  # _COMMANDS

``serve`` never imports ``sphere.web`` (web and cli stay independent): uvicorn loads
the factory ``sphere.web.app:create_app_from_env`` by name.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from typing import Annotated

import typer

from sphere.cli._output import fail, print_json
from sphere.errors import SphereError

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
APP_FACTORY = "sphere.web.app:create_app_from_env"
INTAKE_FACTORY = "sphere.web.intake_app:create_intake_app_from_env"

staff_app = typer.Typer(no_args_is_help=True, add_completion=False)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for scripts.")]


def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--insecure-cookies",
            help="Secure (HTTPS-only) cookies. Default: secure, except on a loopback address "
            "(plain http://127.0.0.1 for trying it out). SPHERE_WEB_COOKIE_SECURE wins.",
        ),
    ] = None,
    proxy_headers: Annotated[
        bool, typer.Option(help="Trust X-Forwarded-For/-Proto from a reverse proxy.")
    ] = False,
    demo_link: Annotated[
        bool,
        typer.Option(
            help="On the demo's database, print a fresh one-time portal link for a demo "
            "customer (links last 15 minutes)."
        ),
    ] = True,
    intake_only: Annotated[
        bool,
        typer.Option(
            "--intake-only",
            help="Serve only the webhook intake (/api/v1/intake/…, /api/v1/health): no "
            "cockpit, portal or job runner; a fraction of the CPU per delivery.",
        ),
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Server processes (uvicorn workers). More than one needs SPHERE_NATS_URL "
            "and --intake-only: deliveries then go to the stream, not to this process.",
        ),
    ] = 1,
) -> None:
    """Serve the API, cockpit, portal and transparency page (database must be migrated)."""
    import uvicorn

    from sphere.settings import DEV_PLACEHOLDER, load_settings

    try:
        settings = load_settings()
    except SphereError as exc:
        fail(exc)
    if host not in LOOPBACK_HOSTS and (
        settings.pseudonym_secret.get_secret_value() == DEV_PLACEHOLDER
    ):
        # The placeholder is public (it is in the source): pseudonyms made with it can
        # be recomputed by anyone who can reach a non-loopback address.
        fail(
            f"refusing to serve on {host}: SPHERE_PSEUDONYM_SECRET is the public "
            "placeholder; set a secret of your own (or serve on 127.0.0.1)"
        )

    if workers > 1 and not (intake_only and settings.nats_url):
        fail(
            "--workers above 1 needs --intake-only and SPHERE_NATS_URL (the cockpit's job "
            "runner and the in-process pipeline run in one process)"
        )
    if "SPHERE_WEB_COOKIE_SECURE" not in os.environ:
        secure = secure_cookies if secure_cookies is not None else host not in LOOPBACK_HOSTS
        os.environ["SPHERE_WEB_COOKIE_SECURE"] = "true" if secure else "false"
    scheme = "https" if os.environ["SPHERE_WEB_COOKIE_SECURE"] == "true" else "http"
    base = f"{scheme}://{host}:{port}"
    if intake_only:
        typer.echo(f"  {'webhook intake':<19} {base}/api/v1/intake/SOURCE ({workers} process(es))")
        demo_link = False
    for label, path in (
        ()
        if intake_only
        else (
            ("DPO cockpit", "/cockpit/"),
            ("customer portal", "/portal/"),
            ("transparency page", "/transparency"),
            ("JSON API (OpenAPI)", "/openapi.json"),
        )
    ):
        typer.echo(f"  {label:<19} {base}{path}")
    if demo_link:
        link = _demo_link(base)
        if link:
            typer.echo(f"  {'demo customer':<19} {link} (one use, 15 minutes)")
    typer.echo("Sphere is serving (Ctrl+C stops)")
    uvicorn.run(
        INTAKE_FACTORY if intake_only else APP_FACTORY,
        factory=True,
        workers=workers,
        host=host,
        port=port,
        proxy_headers=proxy_headers,
        server_header=False,
        log_level="info",
    )


def _demo_link(base: str) -> str | None:
    """A fresh portal link for the demo customer, only on the demo's database."""
    from sphere.cli._runtime import runtime
    from sphere.portal import demo_portal_link

    try:
        with runtime() as rt:
            return demo_portal_link(rt, base_url=base)
    except SphereError:
        return None  # not migrated yet, or no contacts: uvicorn says what is wrong


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        return sys.stdin.readline().rstrip("\n")
    return str(typer.prompt("Password", hide_input=True, confirmation_prompt=True))


@staff_app.command("add")
def add(
    username: Annotated[str, typer.Argument(help="Log-in name (lower case; an e-mail is fine).")],
    role: Annotated[str, typer.Option(help="dpo, admin, auditor, marketer or agent.")] = "dpo",
    display_name: Annotated[str, typer.Option(help="Name shown in the cockpit.")] = "",
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from stdin.")
    ] = False,
) -> None:
    """Create a staff account (the password is asked for, or read with --password-stdin)."""
    from sphere.accounts import Role, create_staff_user
    from sphere.runtime import audited_session_factory
    from sphere.settings import load_settings
    from sphere.storage.db import make_engine, session_scope

    try:
        chosen = Role(role)
    except ValueError:
        fail(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}")
    password = _read_password(password_stdin)
    try:
        settings = load_settings()
        engine = make_engine(settings.resolved_database_url)
        try:
            with session_scope(audited_session_factory(settings, engine)) as db:
                user = create_staff_user(
                    db, username, password, role=chosen, display_name=display_name
                )
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    typer.echo(f"created {user.role} account {user.username}")


@staff_app.command("list")
def list_users(as_json: JsonFlag = False) -> None:
    """List staff accounts (never password hashes)."""
    from sphere.accounts import list_staff_users
    from sphere.runtime import audited_session_factory
    from sphere.settings import load_settings
    from sphere.storage.db import make_engine, session_scope

    try:
        settings = load_settings()
        engine = make_engine(settings.resolved_database_url)
        try:
            with session_scope(audited_session_factory(settings, engine)) as db:
                users = list_staff_users(db)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    rows = [
        {
            "username": u.username,
            "role": u.role,
            "display_name": u.display_name,
            "active": u.is_active,
            "last_login_at": u.last_login_at.isoformat() if u.last_login_at else None,
        }
        for u in users
    ]
    if as_json:
        print_json(rows)
        return
    for row in rows:
        state = "" if row["active"] else " (disabled)"
        typer.echo(f"{row['username']:<40} {row['role']:<9} {row['display_name']}{state}")


@staff_app.command("token")
def token(
    name: Annotated[str, typer.Argument(help="What the token is for, e.g. 'crm-sync'.")],
    role: Annotated[str, typer.Option(help="Role the token acts with.")] = "agent",
    expires_days: Annotated[
        int | None, typer.Option(help="Days until the token expires (default: never).")
    ] = None,
) -> None:
    """Issue an API token (printed once; only its hash is stored)."""
    from sphere.accounts import Role, create_api_token
    from sphere.domain.time import utcnow
    from sphere.runtime import audited_session_factory
    from sphere.settings import load_settings
    from sphere.storage.db import make_engine, session_scope

    try:
        chosen = Role(role)
    except ValueError:
        fail(f"unknown role {role!r}; choose one of {', '.join(r.value for r in Role)}")
    expires_at = utcnow() + timedelta(days=expires_days) if expires_days else None
    try:
        settings = load_settings()
        engine = make_engine(settings.resolved_database_url)
        try:
            with session_scope(audited_session_factory(settings, engine)) as db:
                issued = create_api_token(db, name=name, role=chosen, expires_at=expires_at)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    typer.echo(
        f"token id {issued.api_token.id} ({chosen.value}); store it now, it is not shown again:"
    )
    typer.echo(issued.token)


@staff_app.command("revoke")
def revoke(token_id: Annotated[str, typer.Argument(help="Token id printed by 'token'.")]) -> None:
    """Revoke an API token."""
    from sphere.accounts import revoke_api_token
    from sphere.runtime import audited_session_factory
    from sphere.settings import load_settings
    from sphere.storage.db import make_engine, session_scope

    try:
        settings = load_settings()
        engine = make_engine(settings.resolved_database_url)
        try:
            with session_scope(audited_session_factory(settings, engine)) as db:
                revoke_api_token(db, token_id)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    typer.echo(f"revoked token {token_id}")

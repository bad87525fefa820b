"""The ``sphere`` command. Sub-apps live one module per noun; this file only wires them.

Errors from the ``SphereError`` family become one line on stderr and exit code 2;
anything else is a bug and shows a traceback.
"""

from __future__ import annotations

import importlib
import sys

import click
import typer

from sphere.errors import SphereError

# (module, attribute, command name, help). A module exposes either a Typer sub-app
# or a single command function.
_SUBAPPS: tuple[tuple[str, str, str, str], ...] = (
    ("sphere.cli.db", "app", "db", "Create, upgrade and inspect the database schema."),
    ("sphere.cli.audit", "app", "audit", "Verify and list the hash-chained audit log."),
    ("sphere.cli.policy", "app", "policy", "Show, validate, apply and diff policy versions."),
    ("sphere.cli.source", "app", "source", "Register, list and remove channel sources."),
    ("sphere.cli.quarantine", "app", "quarantine", "Inspect and resolve quarantined input."),
    ("sphere.cli.serve", "staff_app", "staff", "Manage staff accounts and API tokens."),
    ("sphere.cli.consent", "app", "consent", "Record, withdraw and show consents (Art. 7)."),
    ("sphere.cli.dsr", "app", "dsr", "Data-subject requests (Art. 12-21)."),
    ("sphere.cli.notices", "app", "notices", "Art. 14 notices: what is due, record sending."),
    ("sphere.cli.dpia", "app", "dpia", "DPIAs (Art. 35): assess, risks, sign-off."),
    ("sphere.cli.breach", "app", "breach", "Personal-data breaches (Art. 33/34): record, notify."),
    ("sphere.cli.recipient", "app", "recipient", "Recipients, processors, transfers."),
    ("sphere.cli.connector", "app", "connector", "Connected systems: definitions, health, tasks."),
    ("sphere.cli.crm", "app", "crm", "The CRM sync: records the gate allowed, to the CRM."),
    ("sphere.cli.joint", "app", "joint", "Joint controllers (Art. 26): arrangements per source."),
    ("sphere.cli.tom", "app", "tom", "Technical and organisational measures (Art. 32)."),
    ("sphere.cli.record", "app", "record", "The record of processing (Art. 30): check, export."),
    ("sphere.cli.retention", "app", "retention", "Purpose-bound retention (Art. 5(1)(e))."),
    ("sphere.cli.measure", "app", "measure", "Plan measures and record the DPO's decision."),
    ("sphere.cli.campaign", "app", "campaign", "Create, dry-run, run and list campaigns."),
    ("sphere.cli.profile", "app", "profile", "Explain and build contacts' derived profiles."),
    ("sphere.cli.job", "app", "job", "Long work with progress: list, show, resume, cancel."),
    ("sphere.cli.portal", "app", "portal", "Customer portal: issue a one-time log-in link."),
)
_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("sphere.cli.scrub", "scrub", "scrub"),
    ("sphere.cli.ingest", "ingest", "ingest"),
    ("sphere.cli.serve", "serve", "serve"),
    ("sphere.cli.demo", "demo", "demo"),
    ("sphere.cli.worker", "worker", "worker"),
    ("sphere.cli.listen", "listen", "listen"),
)


def build_app(only: str | None = None) -> typer.Typer:
    """The whole command tree, or — with ``only`` — just that command (plus ``version``).

    Importing a sub-command pulls in what it needs (SQLAlchemy, the web app, the PII
    models); ``main`` builds only the command being run, so ``sphere scrub`` does not pay
    for the database layer at start-up.
    """
    app = typer.Typer(
        name="sphere",
        help="Sphere — data protection for Social CRM.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for module_name, attribute, name, help_text in _SUBAPPS:
        if only in (None, name):
            module = importlib.import_module(module_name)
            app.add_typer(getattr(module, attribute), name=name, help=help_text)
    for module_name, attribute, name in _COMMANDS:
        if only in (None, name):
            module = importlib.import_module(module_name)
            app.command(name=name)(getattr(module, attribute))

    @app.command()
    def version() -> None:
        """Print the installed version."""
        from sphere import __version__

        typer.echo(__version__)

    return app


def _usage_line(exc: Exception) -> str:
    """One line for a usage mistake: the message and where to find help.

    Typer ≥ 0.20 ships its own copy of Click, so its exceptions do not derive from
    ``click.ClickException``; both families are handled alike.
    """
    format_message = getattr(exc, "format_message", None)
    message = format_message() if callable(format_message) else str(exc)
    message = " ".join(str(message).split()) or type(exc).__name__
    ctx = getattr(exc, "ctx", None)
    path = getattr(ctx, "command_path", "") if ctx is not None else ""
    hint = f" (see '{path} --help')" if path else ""
    return f"error: {message}{hint}"


def main(argv: list[str] | None = None) -> None:
    """Run the command line. User mistakes end with one ``error:`` line on stderr and a
    non-zero exit (2 for usage and ``SphereError``, 1 for an abort); a database that cannot
    be reached is a configuration mistake, not a bug, and is reported the same way."""
    from sqlalchemy.exc import OperationalError

    args = sys.argv[1:] if argv is None else argv
    known = {entry[2] for entry in _SUBAPPS} | {entry[2] for entry in _COMMANDS}
    only = args[0] if args and args[0] in known else None
    command = typer.main.get_command(build_app(only))
    try:
        code = command.main(args=args, prog_name="sphere", standalone_mode=False)
    except SphereError as exc:
        message = " ".join(str(exc).split()) or type(exc).__name__
        typer.echo(f"error: {message}", err=True)
        sys.exit(2)
    except (click.exceptions.Abort, typer.Abort, KeyboardInterrupt):
        typer.echo("error: aborted", err=True)
        sys.exit(1)
    except (click.exceptions.Exit, typer.Exit) as exc:
        sys.exit(exc.exit_code)
    except (click.ClickException, typer.exceptions.TyperException) as exc:
        typer.echo(_usage_line(exc), err=True)
        sys.exit(exc.exit_code or 2)
    except OperationalError as exc:
        # e.g. wrong host/port/user in SPHERE_DATABASE_URL, or no schema yet. The
        # driver's message can name the host and user, so only its class is shown.
        reason = type(exc.orig).__name__ if exc.orig is not None else "OperationalError"
        typer.echo(
            f"error: the database cannot be used ({reason}); check SPHERE_DATABASE_URL "
            "and run 'sphere db upgrade'",
            err=True,
        )
        sys.exit(2)
    sys.exit(code if isinstance(code, int) else 0)

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
    ("sphere.cli.retention", "app", "retention", "Purpose-bound retention (Art. 5(1)(e))."),
    ("sphere.cli.measure", "app", "measure", "Plan measures and record the DPO's decision."),
    ("sphere.cli.campaign", "app", "campaign", "Create, dry-run, run and list campaigns."),
    ("sphere.cli.profile", "app", "profile", "Explain and build contacts' derived profiles."),
)
_COMMANDS: tuple[tuple[str, str, str], ...] = (
    ("sphere.cli.scrub", "scrub", "scrub"),
    ("sphere.cli.ingest", "ingest", "ingest"),
    ("sphere.cli.serve", "serve", "serve"),
    ("sphere.cli.demo", "demo", "demo"),
)


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="sphere",
        help="Sphere — data protection for Social CRM.",
        no_args_is_help=True,
        pretty_exceptions_enable=False,
        add_completion=False,
    )
    for module_name, attribute, name, help_text in _SUBAPPS:
        module = importlib.import_module(module_name)
        app.add_typer(getattr(module, attribute), name=name, help=help_text)
    for module_name, attribute, name in _COMMANDS:
        module = importlib.import_module(module_name)
        app.command(name=name)(getattr(module, attribute))

    @app.command()
    def version() -> None:
        """Print the installed version."""
        from sphere import __version__

        typer.echo(__version__)

    return app


def main(argv: list[str] | None = None) -> None:
    command = typer.main.get_command(build_app())
    try:
        code = command.main(args=argv, prog_name="sphere", standalone_mode=False)
    except SphereError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except click.exceptions.Abort:
        typer.echo("aborted", err=True)
        sys.exit(1)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    sys.exit(code if isinstance(code, int) else 0)

"""``sphere db …``: create, upgrade and inspect the database schema (Alembic)."""

from __future__ import annotations

import typer

from sphere.cli._output import fail, print_json
from sphere.errors import SphereError

app = typer.Typer(no_args_is_help=True, add_completion=False)


def _revision_error(exc: Exception) -> str:
    """Alembic's ``CommandError`` for a revision that does not exist (a user mistake)."""
    return f"revision not found or not reachable: {' '.join(str(exc).split())}"


def _migrate(direction: str, revision: str) -> None:
    """Run Alembic ``direction`` (upgrade/downgrade) to ``revision`` and say where it is."""
    from alembic.util import CommandError

    from sphere.settings import load_settings
    from sphere.storage import db

    try:
        settings = load_settings()
        engine = db.make_engine(settings.resolved_database_url)
        try:
            getattr(db, direction)(engine, revision)
            current = db.current_revision(engine)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    except CommandError as exc:
        fail(_revision_error(exc))
    where = db.describe_url(settings.resolved_database_url)
    typer.echo(f"database at revision {current or 'base (empty)'} ({where})")


@app.command()
def upgrade(
    revision: str = typer.Argument("head", help="Target revision (default: newest)."),
) -> None:
    """Migrate the database to REVISION (creates it when empty)."""
    _migrate("upgrade", revision)


@app.command()
def downgrade(
    revision: str = typer.Argument("-1", help="Target revision; 'base' removes every table."),
) -> None:
    """Migrate the database down to REVISION (default: one step)."""
    _migrate("downgrade", revision)


@app.command()
def current(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Show the database's revision and the newest revision this version ships."""
    from sphere.settings import load_settings
    from sphere.storage import db

    try:
        settings = load_settings()
        engine = db.make_engine(settings.resolved_database_url)
        try:
            revision = db.current_revision(engine)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    head = db.head_revision()
    if as_json:
        print_json(
            {
                "current": revision,
                "head": head,
                "up_to_date": revision == head,
                "database": db.describe_url(settings.resolved_database_url),
            }
        )
        return
    state = "up to date" if revision == head else f"behind (newest is {head})"
    typer.echo(f"{revision or 'empty'} — {state}")

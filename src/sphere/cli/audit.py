"""``sphere audit …``: verify and list the hash-chained audit log."""

from __future__ import annotations

import typer

from sphere.cli._output import fail, print_json
from sphere.errors import SphereError

app = typer.Typer(no_args_is_help=True, add_completion=False)


@app.command()
def verify(
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Walk the chain. Exit 0 when intact, 1 when broken (naming the first broken entry)."""
    from sphere import audit
    from sphere.settings import load_settings
    from sphere.storage import db

    try:
        settings = load_settings()
        engine = db.make_engine(settings.resolved_database_url)
        try:
            with db.session_scope(db.make_session_factory(engine)) as session:
                result = audit.verify(session)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json(result.as_dict())
    elif result.ok:
        typer.echo(f"audit chain intact: {result.checked} entries")
    else:
        typer.echo(
            f"audit chain BROKEN at entry {result.first_broken_seq}: {result.reason}"
            f" ({result.checked} entries verified before it)",
            err=True,
        )
    if not result.ok:
        raise typer.Exit(1)


@app.command("list")
def list_entries(
    limit: int = typer.Option(20, "--limit", "-n", min=1, help="How many entries."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON array."),
) -> None:
    """Show the newest entries, newest first."""
    from sphere import audit
    from sphere.settings import load_settings
    from sphere.storage import db

    try:
        settings = load_settings()
        engine = db.make_engine(settings.resolved_database_url)
        try:
            with db.session_scope(db.make_session_factory(engine)) as session:
                entries = audit.latest(session, limit=limit)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json([e.as_dict() for e in entries])
        return
    for e in entries:
        subject = f" subject={e.subject_id}" if e.subject_id else ""
        typer.echo(f"{e.seq:>6}  {e.at:%Y-%m-%d %H:%M:%S}Z  {e.actor}  {e.action}{subject}")

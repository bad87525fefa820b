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
    """Walk the chain and compare it with the signed checkpoints. Exit 0 when intact, 1
    when broken (naming the first broken entry)."""
    from sphere import audit
    from sphere.audit.checkpoint import load_checkpoints
    from sphere.audit.keys import load_audit_keys
    from sphere.settings import load_settings
    from sphere.storage import db

    try:
        settings = load_settings()
        keys = load_audit_keys(settings)
        assert keys.public_key is not None
        checkpoints = load_checkpoints(settings.resolved_audit_checkpoint_dir, keys.public_key)
        engine = db.make_engine(settings.resolved_database_url)
        try:
            with db.session_scope(db.make_session_factory(engine)) as session:
                result = audit.verify(session, keys=keys, checkpoints=checkpoints)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json({**result.as_dict(), "checkpoints": len(checkpoints)})
    elif result.ok:
        last = f"; last signed checkpoint at entry {checkpoints[-1].seq}" if checkpoints else ""
        typer.echo(f"audit chain intact: {result.checked} entries{last}")
    else:
        typer.echo(
            f"audit chain BROKEN at entry {result.first_broken_seq}: {result.reason}"
            f" ({result.checked} entries verified before it)",
            err=True,
        )
    if not result.ok:
        raise typer.Exit(1)


@app.command()
def checkpoint() -> None:
    """Write a signed checkpoint of the chain head to SPHERE_AUDIT_CHECKPOINT_DIR now
    (run it from a timer, and once right after upgrading to keyed entries)."""
    from sphere.audit.checkpoint import write_checkpoint
    from sphere.audit.keys import load_audit_keys
    from sphere.settings import load_settings
    from sphere.storage import db

    try:
        settings = load_settings()
        keys = load_audit_keys(settings)
        engine = db.make_engine(settings.resolved_database_url)
        try:
            with db.session_scope(db.make_session_factory(engine)) as session:
                path = write_checkpoint(session, keys, settings.resolved_audit_checkpoint_dir)
        finally:
            engine.dispose()
    except SphereError as exc:
        fail(exc)
    if path is None:
        typer.echo("no new checkpoint (the chain is empty or this head is already checkpointed)")
    else:
        typer.echo(f"checkpoint written: {path}")


@app.command()
def keys(
    generate: bool = typer.Option(False, "--generate", help="Create missing key files (0600)."),
) -> None:
    """Show the audit key ids (never the keys); --generate creates missing key files."""
    from sphere.audit.keys import generate_key_files, load_audit_keys, public_key_id
    from sphere.settings import load_settings

    try:
        settings = load_settings()
        created = generate_key_files(settings) if generate else []
        loaded = load_audit_keys(settings)
    except SphereError as exc:
        fail(exc)
    for path in created:
        typer.echo(f"created {path}")
    assert loaded.public_key is not None
    typer.echo(f"audit MAC key id: {loaded.mac_key_id}")
    typer.echo(f"checkpoint signing key id: {public_key_id(loaded.public_key)}")


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

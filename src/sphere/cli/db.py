"""``sphere db …``: create, upgrade and inspect the database schema (Alembic)."""

from __future__ import annotations

import os
from pathlib import Path

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


@app.command("backup")
def backup(
    out: Path = typer.Option(..., "--out", help="Directory for the backup files."),
    keys_only: bool = typer.Option(
        False, "--keys-only", help="Only the subject keys (PostgreSQL: data by pg_dump)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Back up so that erased people stay unreadable: the database without subject keys,
    and the current subject keys in a file of their own; older key files in OUT are
    deleted (docs/security.md, "Keys and backups"). Run it after every erasure run."""
    from sphere.cli._runtime import runtime
    from sphere.storage.backup import take_backup

    try:
        with runtime() as rt, rt.session() as session:
            made = take_backup(
                session,
                rt.settings.resolved_database_url,
                out,
                at=rt.clock.now(),
                keys_only=keys_only,
            )
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json(made.to_dict())
        return
    if made.data is not None:
        typer.echo(f"data (no subject keys): {made.data}")
    typer.echo(f"subject keys ({made.subject_keys}): {made.keys}")
    for stale in made.key_files_removed:
        typer.echo(f"deleted older key file: {stale}")


@app.command("restore")
def restore(
    data: Path = typer.Option(..., "--data", help="A data file written by sphere db backup."),
    keys: Path = typer.Option(..., "--keys", help="The NEWEST subject key file."),
    to: Path = typer.Option(..., "--to", help="New SQLite database file to create."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Restore a data backup with the newest subject keys into a new SQLite file: people
    erased since the backup was taken have no key there and stay unreadable."""
    from sphere.storage.backup import restore_backup

    try:
        count = restore_backup(data, keys, to)
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json({"database": str(to), "subject_keys": count})
        return
    typer.echo(f"restored into {to} with {count} subject keys; point SPHERE_DATABASE_URL at it")


@app.command("rotate-key")
def rotate_key(
    new_key_file: Path = typer.Option(
        ...,
        "--new-key-file",
        help="File with the new base64 master key (mode 0600). With --generate it is "
        "created with a fresh key; it must not exist yet.",
    ),
    generate: bool = typer.Option(False, "--generate", help="Create NEW_KEY_FILE first."),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Re-wrap every subject key under a new master key (one transaction, audited).

    Afterwards point SPHERE_MASTER_KEY_FILE (or SPHERE_MASTER_KEY) at the new key and
    destroy the old one: backups taken before then become unreadable, which is what
    makes an erasure reach them.
    """
    from sphere.cli._runtime import runtime
    from sphere.governance.keys import rotate_master_key
    from sphere.storage.crypto import Keyring, generate_master_key, load_master_key

    try:
        if generate:
            if new_key_file.exists():
                raise SphereError(f"{new_key_file} exists; choose a new path for the new key")
            new_key_file.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(new_key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(generate_master_key() + "\n")
        with runtime() as rt:
            new_settings = rt.settings.model_copy(
                update={"master_key": None, "master_key_file": new_key_file}
            )
            if not new_key_file.is_file():
                raise SphereError(f"{new_key_file}: no such key file (use --generate)")
            new = Keyring(
                load_master_key(new_settings),
                rt.settings.pseudonym_secret.get_secret_value().encode("utf-8"),
            )
            with rt.session() as session:
                rotation = rotate_master_key(
                    session, rt.keyring, new, actor="cli", at=rt.clock.now()
                )
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json({**rotation.to_dict(), "new_key_file": str(new_key_file)})
        return
    typer.echo(
        f"{rotation.keys_rewrapped} subject keys re-wrapped: master key "
        f"{rotation.old_kek_id} -> {rotation.new_kek_id}"
    )
    typer.echo(
        f"next: set SPHERE_MASTER_KEY_FILE={new_key_file} (or SPHERE_MASTER_KEY), restart, "
        "then destroy the old key"
    )


@app.command("read-model")
def read_model(
    rebuild: bool = typer.Option(
        False, "--rebuild", help="Replace the counters by a recomputation (stop writers first)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a JSON object."),
) -> None:
    """Compare the held-data read model with a recomputation from the records; with
    --rebuild, replace it. Exit code 1 when they differ (and nothing was rebuilt)."""
    from sphere.cli._runtime import runtime
    from sphere.storage.repositories import readmodel

    try:
        with runtime() as rt, rt.session() as session:
            problems = readmodel.differences(session)
            rows = readmodel.rebuild(session) if rebuild else None
    except SphereError as exc:
        fail(exc)
    if as_json:
        print_json({"differences": problems[:100], "count": len(problems), "rebuilt_rows": rows})
    elif not problems:
        typer.echo("read model agrees with the records")
    else:
        typer.echo(f"read model differs from the records in {len(problems)} counters:")
        for line in problems[:20]:
            typer.echo(f"  {line}")
    if rows is not None and not as_json:
        typer.echo(f"rebuilt: {rows} counter rows")
    if problems and not rebuild:
        raise typer.Exit(1)

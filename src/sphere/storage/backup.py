"""Backups in which erased people stay unreadable (issue 18, point 4; DESIGN invariant 4).

Crypto-shredding destroys an erased subject's data key in the live database, but a copy
of the database taken before the erasure still holds that key, wrapped under the master
key of its day: whoever restores it with the master key reads the erased person again.
So a Sphere backup is two files, kept differently:

* **data** — ``sphere-<UTC stamp>.db``: the SQLite database copied online (the sqlite3
  backup API, consistent while the server runs) with every subject key removed from the
  copy (``secure_delete`` and ``VACUUM``, so no wrapped key lingers in a free page). It
  holds ciphertext only and can be kept as long as the backup policy says.
* **keys** — ``subject-keys-<UTC stamp>.json`` (mode 0600): the subject keys as they are
  now — wrapped under the master key, erased subjects' keys destroyed. Writing one
  deletes every older key file in the same directory: only the newest key set survives.

A restore (``restore_sqlite``) puts an older data file together with the **newest** key
file (or the live database's keys): whoever was erased since the data file was written
has no key any more, and their rows stay ciphertext nobody can read. Run ``sphere db
backup`` after every erasure run (or at least daily), so that no key file older than an
erasure survives. Neither file contains the master key, the pseudonym secret or the
audit keys: those live outside the backup (docs/security.md, "Keys and backups").

PostgreSQL: ``pg_dump --exclude-table-data=subject_keys`` for the data and ``sphere db
backup --keys-only`` for the keys; restore the dump, then ``import_subject_keys``.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sphere.domain.time import ensure_utc
from sphere.errors import InvalidInput
from sphere.storage.db import make_engine, make_session_factory, session_scope
from sphere.storage.tables import SubjectKeyRow

DATA_PREFIX = "sphere-"
KEYS_PREFIX = "subject-keys-"
FORMAT = "sphere-subject-keys/1"


@dataclass(frozen=True, slots=True)
class Backup:
    data: Path | None
    keys: Path
    subject_keys: int
    key_files_removed: tuple[Path, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "data": str(self.data) if self.data else None,
            "keys": str(self.keys),
            "subject_keys": self.subject_keys,
            "key_files_removed": [str(p) for p in self.key_files_removed],
        }


def _b64(value: bytes | None) -> str | None:
    return None if value is None else base64.b64encode(value).decode("ascii")


def _unb64(value: str | None) -> bytes | None:
    return None if value is None else base64.b64decode(value)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else ensure_utc(value).isoformat()


def export_subject_keys(session: Session) -> list[dict[str, Any]]:
    """Every subject key row as plain data (wrapped keys stay wrapped)."""
    rows = session.scalars(select(SubjectKeyRow).order_by(SubjectKeyRow.subject_id))
    return [
        {
            "subject_id": r.subject_id,
            "salt": _b64(r.salt),
            "wrapped_key": _b64(r.wrapped_key),
            "kek_id": r.kek_id,
            "created_at": _iso(r.created_at),
            "destroyed_at": _iso(r.destroyed_at),
        }
        for r in rows
    ]


def import_subject_keys(session: Session, keys: list[dict[str, Any]]) -> int:
    """Replace the subject keys with ``keys`` (a restore); returns how many."""
    session.execute(delete(SubjectKeyRow))
    for key in keys:
        session.add(
            SubjectKeyRow(
                subject_id=key["subject_id"],
                salt=_unb64(key["salt"]),
                wrapped_key=_unb64(key["wrapped_key"]),
                kek_id=key["kek_id"],
                created_at=datetime.fromisoformat(key["created_at"]),
                destroyed_at=(
                    datetime.fromisoformat(key["destroyed_at"]) if key["destroyed_at"] else None
                ),
            )
        )
    session.flush()
    return len(keys)


def _stamp(at: datetime) -> str:
    return ensure_utc(at).strftime("%Y%m%dT%H%M%S%fZ")


def _private_file(path: Path) -> int:
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)


def write_key_file(
    session: Session, out_dir: Path, *, at: datetime
) -> tuple[Path, int, tuple[Path, ...]]:
    """The newest key set into ``out_dir``; every older key file there is deleted."""
    out_dir.mkdir(parents=True, exist_ok=True)
    keys = export_subject_keys(session)
    path = out_dir / f"{KEYS_PREFIX}{_stamp(at)}.json"
    with os.fdopen(_private_file(path), "w", encoding="utf-8") as handle:
        json.dump({"format": FORMAT, "written_at": _iso(at), "keys": keys}, handle)
    older = tuple(p for p in sorted(out_dir.glob(f"{KEYS_PREFIX}*.json")) if p != path)
    for stale in older:
        stale.unlink()
    return path, len(keys), older


def read_key_file(path: Path) -> list[dict[str, Any]]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InvalidInput(f"{path}: not a readable subject key file ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise InvalidInput(f"{path}: not a subject key file (format {FORMAT} expected)")
    keys: list[dict[str, Any]] = document["keys"]
    return keys


def copy_sqlite_without_keys(database: Path, out: Path) -> None:
    """An online, consistent copy of ``database`` at ``out`` (mode 0600) holding no
    subject key."""
    os.close(_private_file(out))
    source = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    target = sqlite3.connect(out)
    try:
        source.backup(target)
        target.execute("PRAGMA secure_delete = ON")
        target.execute("DELETE FROM subject_keys")
        target.commit()
        target.execute("VACUUM")
    finally:
        source.close()
        target.close()


def sqlite_path(url: str) -> Path:
    if not url.startswith("sqlite:///"):
        raise InvalidInput(
            "the data backup copies SQLite databases; for PostgreSQL run pg_dump "
            "--exclude-table-data=subject_keys and sphere db backup --keys-only"
        )
    return Path(url.removeprefix("sqlite:///"))


def restore_sqlite_data(data_file: Path, target: Path) -> None:
    """Copy a data backup to ``target`` (which must not exist yet) with mode 0600."""
    if target.exists():
        raise InvalidInput(f"{target} exists; restore into a new file and switch over")
    os.close(_private_file(target))
    shutil.copyfile(data_file, target)


def take_backup(
    session: Session, database_url: str, out_dir: Path, *, at: datetime, keys_only: bool = False
) -> Backup:
    """Data (SQLite, unless ``keys_only``) and the newest key set into ``out_dir``."""
    data = None
    if not keys_only:
        out_dir.mkdir(parents=True, exist_ok=True)
        data = out_dir / f"{DATA_PREFIX}{_stamp(at)}.db"
        copy_sqlite_without_keys(sqlite_path(database_url), data)
    keys, count, removed = write_key_file(session, out_dir, at=at)
    return Backup(data, keys, count, removed)


def restore_backup(data_file: Path, keys_file: Path, target: Path) -> int:
    """A new SQLite database at ``target``: the data of ``data_file`` with the keys of
    ``keys_file`` (the newest one). Returns how many subject keys were put back."""
    keys = read_key_file(keys_file)
    restore_sqlite_data(data_file, target)
    engine = make_engine(f"sqlite:///{target.as_posix()}")
    try:
        with session_scope(make_session_factory(engine)) as session:
            return import_subject_keys(session, keys)
    finally:
        engine.dispose()

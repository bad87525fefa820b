"""Backups in which erased people stay unreadable (issue 18, point 4): ``sphere db backup``
writes the database without subject keys and the current keys in a file of their own
(deleting older key files); an older data backup restored with the newest keys cannot
show a person erased since — their key was destroyed.

Before: the only backup was a copy of SPHERE_HOME, which carried sphere.db with every
wrapped subject key and master.key beside it, so an erased person came back with it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from sphere.domain import IdentityKind
from sphere.domain.time import utcnow
from sphere.errors import SphereError
from sphere.rights.erasure import erase_contact
from sphere.runtime import audited_session_factory
from sphere.settings import load_settings
from sphere.storage.crypto import Keyring
from sphere.storage.db import make_engine, make_session_factory, session_scope, upgrade
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.tables import IdentityRow

SECRET = "backup-test-secret-not-for-production"
ERASED = "erased.person@example.com"
KEPT = "kept.person@example.org"


def _sphere(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SPHERE_")}
    result = subprocess.run(
        [sys.executable, "-m", "sphere", *args],
        env={
            **clean,
            "SPHERE_ENV": "dev",
            "SPHERE_HOME": str(home),
            "SPHERE_PSEUDONYM_SECRET": SECRET,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result


def _addresses(database: Path, keyring: Keyring, contacts: dict[str, str]) -> dict[str, str]:
    """The e-mail address readable for each contact in ``database`` ("unreadable" if its
    key is gone)."""
    engine = make_engine(f"sqlite:///{database.as_posix()}")
    out = {}
    try:
        with session_scope(make_session_factory(engine)) as session:
            for address, contact_id in contacts.items():
                row = session.scalars(
                    select(IdentityRow).where(IdentityRow.contact_id == contact_id)
                ).one()
                try:
                    out[address] = keyring.decrypt_text(session, row.key_id, row.value_ciphertext)
                except SphereError:
                    out[address] = "unreadable"
    finally:
        engine.dispose()
    return out


def test_an_erased_person_stays_unreadable_in_an_older_backup(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = load_settings(env="dev", home=home, pseudonym_secret=SECRET)
    keyring = Keyring.from_settings(settings)
    engine = make_engine(settings.resolved_database_url)
    upgrade(engine)
    contacts: dict[str, str] = {}
    with session_scope(audited_session_factory(settings, engine)) as session:
        repo = ContactRepository(session, keyring)
        for address in (ERASED, KEPT):
            contact = repo.create(at=utcnow())
            repo.add_identity(contact.id, IdentityKind.EMAIL, address, at=utcnow())
            contacts[address] = contact.id

    backups = tmp_path / "backups"
    _sphere(home, "db", "backup", "--out", str(backups))
    (old_data,) = backups.glob("sphere-*.db")
    (old_keys,) = backups.glob("subject-keys-*.json")
    assert oct(old_data.stat().st_mode & 0o777) == oct(0o600)
    assert oct(old_keys.stat().st_mode & 0o777) == oct(0o600)
    with sqlite3.connect(old_data) as plain:  # the data file holds no key, not even freed
        assert plain.execute("SELECT count(*) FROM subject_keys").fetchone() == (0,)
    assert keyring.kek_id not in old_data.read_bytes().decode("latin-1")
    assert not list(backups.glob("*.key"))  # no master key, no audit key
    kept_aside = tmp_path / "old-keys.json"  # what someone who kept the old key file has
    kept_aside.write_bytes(old_keys.read_bytes())

    with session_scope(audited_session_factory(settings, engine)) as session:
        erase_contact(session, keyring, contacts[ERASED], at=utcnow(), actor="test")
    engine.dispose()
    _sphere(home, "db", "backup", "--out", str(backups))
    assert not old_keys.exists()  # the key file from before the erasure is gone
    (new_keys,) = backups.glob("subject-keys-*.json")

    restored = tmp_path / "restored.db"
    _sphere(
        home,
        "db",
        "restore",
        "--data",
        str(old_data),
        "--keys",
        str(new_keys),
        "--to",
        str(restored),
    )
    assert _addresses(restored, keyring, contacts) == {ERASED: "unreadable", KEPT: KEPT}

    # the point of deleting old key files: with the one from before, the person is back
    again = tmp_path / "restored-with-old-keys.db"
    _sphere(
        home,
        "db",
        "restore",
        "--data",
        str(old_data),
        "--keys",
        str(kept_aside),
        "--to",
        str(again),
    )
    assert _addresses(again, keyring, contacts) == {ERASED: ERASED, KEPT: KEPT}


def test_restore_refuses_to_overwrite_and_names_a_wrong_key_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    target = tmp_path / "exists.db"
    target.write_bytes(b"")
    clean = {k: v for k, v in os.environ.items() if not k.startswith("SPHERE_")}
    bogus = tmp_path / "keys.json"
    bogus.write_text("{}", encoding="utf-8")
    for keys, message in ((bogus, "not a subject key file"),):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "sphere",
                "db",
                "restore",
                "--data",
                str(target),
                "--keys",
                str(keys),
                "--to",
                str(target),
            ],
            env={**clean, "SPHERE_ENV": "dev", "SPHERE_HOME": str(home)},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 2 and message in result.stderr
        assert "Traceback" not in result.stderr


def test_prod_refuses_the_master_key_beside_the_sqlite_database(tmp_path: Path) -> None:
    """A plain copy of that directory would carry the key that decrypts it."""
    from sphere.errors import ConfigurationError
    from sphere.storage.crypto import generate_master_key

    home = tmp_path / "home"
    home.mkdir()
    key = home / "master.key"
    key.write_text(generate_master_key() + "\n")
    key.chmod(0o600)
    settings = load_settings(env="prod", home=home, pseudonym_secret=SECRET)
    with pytest.raises(ConfigurationError, match="beside the database"):
        Keyring.from_settings(settings)
    elsewhere = tmp_path / "etc" / "master.key"
    elsewhere.parent.mkdir()
    key.rename(elsewhere)
    Keyring.from_settings(settings.model_copy(update={"master_key_file": elsewhere}))
    postgres = settings.model_copy(update={"database_url": "postgresql://db.example/sphere"})
    elsewhere.rename(key)
    Keyring.from_settings(postgres)  # the database is elsewhere: a home copy has no data

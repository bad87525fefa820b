"""``sphere db upgrade|downgrade|current`` against a real database."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sphere.cli.db import app
from sphere.storage.db import head_revision


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, empty_db_url: str, tmp_path: object) -> str:
    monkeypatch.setenv("SPHERE_ENV", "test")
    monkeypatch.setenv("SPHERE_HOME", str(tmp_path))
    monkeypatch.setenv("SPHERE_DATABASE_URL", empty_db_url)
    return empty_db_url


def test_upgrade_current_downgrade(cli_env: str) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["current", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["current"] is None

    result = runner.invoke(app, ["upgrade"])
    assert result.exit_code == 0, result.output
    assert head_revision() in result.stdout  # type: ignore[operator]

    result = runner.invoke(app, ["current", "--json"])
    payload = json.loads(result.stdout)
    assert payload["up_to_date"] is True and payload["current"] == head_revision()

    result = runner.invoke(app, ["downgrade", "base"])
    assert result.exit_code == 0, result.output
    assert "base" in result.stdout


def test_unreachable_database_is_one_line_exit_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SPHERE_DATABASE_URL", "postgresql://u:topsecret@127.0.0.1:1/x")
    result = CliRunner().invoke(app, ["current"])
    assert result.exit_code == 2
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert result.stderr.count("\n") == 1 and "127.0.0.1:1" in result.stderr
    assert "topsecret" not in result.stderr and "Traceback" not in result.output


def test_rotate_key_rewraps_every_subject_key_and_the_old_key_stops_working(
    cli_env: str,
    tmp_path,
    monkeypatch: pytest.MonkeyPatch,  # noqa: ANN001
) -> None:
    from sphere.domain import IdentityKind
    from sphere.errors import SphereError
    from sphere.settings import load_settings
    from sphere.storage.crypto import Keyring, MasterKey, SubjectKeyDestroyed
    from sphere.storage.db import make_engine, make_session_factory, session_scope, upgrade
    from sphere.storage.repositories.contacts import ContactRepository

    upgrade(cli_env)
    old_file = tmp_path / "old.key"
    monkeypatch.setenv("SPHERE_MASTER_KEY_FILE", str(old_file))
    old = Keyring.from_settings(load_settings())  # test env: creates old.key (0600)
    engine = make_engine(cli_env)
    factory = make_session_factory(engine)
    try:
        with session_scope(factory) as db:
            contacts = ContactRepository(db, old)
            ids = [contacts.create().id for _ in range(3)]
            for n, contact_id in enumerate(ids):
                contacts.add_identity(contact_id, IdentityKind.EMAIL, f"p{n}@example.com")

        new_file = tmp_path / "keys" / "new.key"
        result = CliRunner().invoke(
            app, ["rotate-key", "--new-key-file", str(new_file), "--generate", "--json"]
        )
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["keys_rewrapped"] >= 3 and report["old_kek_id"] == old.kek_id
        assert oct(new_file.stat().st_mode & 0o777) == "0o600"
        secret = load_settings().pseudonym_secret.get_secret_value().encode()
        new = Keyring(MasterKey.from_base64(new_file.read_text()), secret)
        assert report["new_kek_id"] == new.kek_id
        with session_scope(factory) as db:
            assert {i.value for c in ids for i in ContactRepository(db, new).identities(c)} == {
                "p0@example.com",
                "p1@example.com",
                "p2@example.com",
            }
            with pytest.raises((SphereError, SubjectKeyDestroyed)):
                ContactRepository(db, old).identities(ids[0])  # the old key opens nothing now
            from sphere.audit import latest

            entry = latest(db, limit=1)[0]
            assert entry.action == "keys.master_rotated"
            assert entry.details["keys_rewrapped"] == report["keys_rewrapped"]
        assert entry.details["old_key"] == f"kek-{old.kek_id}"
    finally:
        engine.dispose()

    again = CliRunner().invoke(app, ["rotate-key", "--new-key-file", str(new_file), "--generate"])
    assert again.exit_code == 2 and "exists" in again.stderr  # never overwrite a key file

"""Master-key loading, blind indexes and identity normalisation (no database)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sphere.domain import IdentityKind
from sphere.errors import ConfigurationError
from sphere.settings import Settings, load_settings
from sphere.storage.crypto import (
    Keyring,
    MasterKey,
    generate_master_key,
    load_master_key,
    normalize_identity,
)


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        (IdentityKind.EMAIL, "  Anna.Beispiel@Example.COM ", "anna.beispiel@example.com"),
        (IdentityKind.HANDLE, "@Anna_K", "anna_k"),
        (IdentityKind.HANDLE, "anna@Photo.Social", "anna@photo.social"),  # fediverse handle
        (IdentityKind.PHONE, "+49 (30) 1234-5678", "+493012345678"),
        (IdentityKind.CUSTOMER_NUMBER, " KD-4711 ", "KD-4711"),  # case is significant
    ],
    ids=["email", "handle-at", "fediverse", "phone", "customer-number"],
)
def test_normalize_identity(kind: IdentityKind, raw: str, expected: str) -> None:
    assert normalize_identity(kind, raw) == expected


def test_blind_index_is_keyed_and_normalised(keyring: Keyring) -> None:
    a = keyring.blind_index(IdentityKind.EMAIL, "", "Anna@Example.com")
    b = keyring.blind_index(IdentityKind.EMAIL, "", " anna@example.com")
    other_key = Keyring(MasterKey(b"\x01" * 32), b"another-pseudonym-secret-000")
    assert a == b
    assert len(a) == 64
    assert other_key.blind_index(IdentityKind.EMAIL, "", "anna@example.com") != a
    assert keyring.blind_index(IdentityKind.HANDLE, "x", "anna") != keyring.blind_index(
        IdentityKind.HANDLE, "mastodon", "anna"
    )
    import hashlib

    assert a != hashlib.sha256(b"anna@example.com").hexdigest()  # never a bare hash


def test_repr_shows_no_key_material(keyring: Keyring) -> None:
    key = MasterKey(bytes(range(32)))
    assert "\\x" not in repr(key) and "kek_id" in repr(key)
    assert "kek_id" in repr(keyring)


def _settings(tmp_path: Path, env: str, **extra: object) -> Settings:
    return load_settings(env=env, home=tmp_path, pseudonym_secret="x" * 32, **extra)


def test_key_file_created_0600_in_dev(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "dev")
    first = load_master_key(settings)
    path = settings.resolved_master_key_file
    assert path.exists()
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert load_master_key(settings) == first  # not regenerated


def test_key_file_not_created_in_prod(tmp_path: Path) -> None:
    settings = _settings(tmp_path, "prod")
    with pytest.raises(ConfigurationError, match="missing"):
        load_master_key(settings)
    assert not settings.resolved_master_key_file.exists()


def test_world_readable_key_file_refused(tmp_path: Path) -> None:
    path = tmp_path / "master.key"
    path.write_text(generate_master_key())
    path.chmod(0o644)
    with pytest.raises(ConfigurationError, match="readable by others"):
        load_master_key(_settings(tmp_path, "test", master_key_file=path))


@pytest.mark.parametrize("value", ["not-base64!!", "c2hvcnQ="], ids=["garbage", "short"])
def test_bad_master_key_refused(tmp_path: Path, value: str) -> None:
    with pytest.raises(ConfigurationError):
        load_master_key(_settings(tmp_path, "test", master_key=value))

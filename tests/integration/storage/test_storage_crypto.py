"""Envelope encryption per subject and crypto-shredding, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sphere.errors import ConfigurationError
from sphere.storage.crypto import (
    DecryptionFailed,
    Keyring,
    MasterKey,
    SubjectKeyDestroyed,
)
from sphere.storage.tables import SubjectKeyRow


def test_round_trip_and_key_is_stored_wrapped(session: Session, keyring: Keyring) -> None:
    ciphertext = keyring.encrypt_for(session, "subject-a", "Hallo Welt")
    assert b"Hallo" not in ciphertext
    assert keyring.decrypt_text(session, "subject-a", ciphertext) == "Hallo Welt"
    row = session.get(SubjectKeyRow, "subject-a")
    assert row is not None and row.wrapped_key is not None and len(row.wrapped_key) == 12 + 48
    # the same subject reuses its key; a fresh nonce makes ciphertexts differ
    again = keyring.encrypt_for(session, "subject-a", "Hallo Welt")
    assert again != ciphertext
    assert session.scalar(select(SubjectKeyRow).where(SubjectKeyRow.subject_id == "subject-a"))


def test_ciphertext_bound_to_subject(session: Session, keyring: Keyring) -> None:
    ciphertext = keyring.encrypt_for(session, "subject-a", "geheim")
    keyring.encrypt_for(session, "subject-b", "other")
    with pytest.raises(DecryptionFailed):
        keyring.decrypt_for(session, "subject-b", ciphertext)


def test_destroy_key_shreds_and_blocks_new_writes(session: Session, keyring: Keyring) -> None:
    ciphertext = keyring.encrypt_for(session, "subject-e", "to be forgotten")
    assert keyring.destroy_key(session, "subject-e", at=datetime(2026, 6, 1, tzinfo=UTC))
    assert keyring.is_destroyed(session, "subject-e")
    raw = session.execute(
        text("SELECT salt, wrapped_key FROM subject_keys WHERE subject_id = 'subject-e'")
    ).one()
    assert tuple(raw) == (None, None)
    with pytest.raises(SubjectKeyDestroyed):
        keyring.decrypt_for(session, "subject-e", ciphertext)
    with pytest.raises(SubjectKeyDestroyed):
        keyring.encrypt_for(session, "subject-e", "new data for an erased subject")


def test_wrong_master_key_is_a_configuration_error(session: Session, keyring: Keyring) -> None:
    ciphertext = keyring.encrypt_for(session, "subject-m", "x")
    other = Keyring(MasterKey(b"\x07" * 32), b"test-pseudonym-secret-not-for-production")
    with pytest.raises(ConfigurationError, match="another master key"):
        other.decrypt_for(session, "subject-m", ciphertext)


def test_rewrap_all_rotates_master_key(session: Session, keyring: Keyring) -> None:
    ciphertext = keyring.encrypt_for(session, "subject-r", "rotate me")
    keyring.encrypt_for(session, "subject-gone", "x")
    keyring.destroy_key(session, "subject-gone")
    new = Keyring(MasterKey(b"\x09" * 32), b"test-pseudonym-secret-not-for-production")
    assert keyring.rewrap_all(session, new) >= 1
    assert new.decrypt_text(session, "subject-r", ciphertext) == "rotate me"
    with pytest.raises(ConfigurationError):
        keyring.decrypt_for(session, "subject-r", ciphertext)  # old master no longer fits
    assert new.is_destroyed(session, "subject-gone")

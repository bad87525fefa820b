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


# --- SubjectKeyBatch: the ingestion's set-based key handling ---------------------------


def _key_rows(session: Session) -> set[str]:
    return set(session.scalars(select(SubjectKeyRow.subject_id)))


def test_key_batch_writes_new_keys_only_at_flush_and_they_decrypt(
    session: Session, keyring: Keyring
) -> None:
    keyring.encrypt_for(session, "known", "x")  # an existing subject
    batch = keyring.key_batch(session)
    batch.preload(["known", "new-1", "new-2", "never-used"])
    known = batch.encrypt("known", "Hallo")
    first = batch.encrypt("new-1", "eins")
    again = batch.encrypt("new-1", "noch eins")  # the same in-memory key
    assert _key_rows(session) == {"known"}  # nothing written before flush
    batch.flush()
    # keys only for subjects something was encrypted for: reading stores nothing
    assert _key_rows(session) == {"known", "new-1"}
    assert keyring.decrypt_text(session, "known", known) == "Hallo"
    assert keyring.decrypt_text(session, "new-1", first) == "eins"
    assert keyring.decrypt_text(session, "new-1", again) == "noch eins"


def test_key_batch_refuses_a_destroyed_subject(session: Session, keyring: Keyring) -> None:
    keyring.encrypt_for(session, "erased", "x")
    keyring.destroy_key(session, "erased")
    batch = keyring.key_batch(session)
    batch.preload(["erased"])
    with pytest.raises(SubjectKeyDestroyed):
        batch.encrypt("erased", "new data for an erased subject")


def test_key_batch_forgets_preloaded_rows_when_a_key_is_destroyed(
    session: Session, keyring: Keyring
) -> None:
    keyring.encrypt_for(session, "racing", "x")
    session.commit()
    batch = keyring.key_batch(session)
    batch.preload(["racing"])  # the live row is read …
    keyring.destroy_key(session, "racing")  # … and then the key is destroyed
    with pytest.raises(SubjectKeyDestroyed):
        batch.encrypt("racing", "must not be encrypted under the old key")


def test_key_batch_survives_a_savepoint_rollback(session: Session, keyring: Keyring) -> None:
    batch = keyring.key_batch(session)
    batch.preload(["pending", "flushed"])
    batch.encrypt("flushed", "a")
    with pytest.raises(RuntimeError), session.begin_nested():
        batch.flush()  # written inside the SAVEPOINT …
        raise RuntimeError("… which is rolled back")
    pending = batch.encrypt("pending", "b")  # made after the rollback, not yet written
    with pytest.raises(RuntimeError), session.begin_nested():
        session.execute(text("SELECT 1"))
        raise RuntimeError("an unrelated SAVEPOINT rolls back")
    again = batch.encrypt("flushed", "c")  # its row is gone: the one-by-one path re-creates
    batch.flush()
    assert {"pending", "flushed"} <= _key_rows(session)
    assert keyring.decrypt_text(session, "pending", pending) == "b"
    assert keyring.decrypt_text(session, "flushed", again) == "c"


def test_key_batch_discard_writes_nothing(session: Session, keyring: Keyring) -> None:
    batch = keyring.key_batch(session)
    batch.encrypt("record:5f0c1ad2-0000-4000-8000-000000000000", "a")
    batch.discard()
    batch.flush()
    assert _key_rows(session) == set()


def test_a_remembered_unwrapped_key_is_unreachable_once_destroyed(
    session: Session, keyring: Keyring
) -> None:
    """The keyring remembers unwrapped keys by the wrapped bytes it read; after
    crypto-shredding the row has none, so nothing decrypts, in this session or another."""
    ciphertext = keyring.encrypt_for(session, "remembered", "geheim")
    session.commit()
    session.info.clear()  # a new unit of work: the key is read and unwrapped again
    assert keyring.decrypt_text(session, "remembered", ciphertext) == "geheim"
    assert keyring._unwrapped  # remembered across transactions
    keyring.destroy_key(session, "remembered")
    session.commit()
    session.info.clear()
    with pytest.raises(SubjectKeyDestroyed):
        keyring.decrypt_for(session, "remembered", ciphertext)

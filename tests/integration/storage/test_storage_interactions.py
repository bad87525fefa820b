"""Interactions: idempotent insert, encrypted text, per-subject keys, deletion."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from sphere.domain import (
    Addressing,
    Channel,
    IdentityKind,
    ObservationKind,
    SpecialCategory,
    Visibility,
)
from sphere.errors import NotFound
from sphere.storage.crypto import Keyring, pseudonym_subject
from sphere.storage.entities import NewInteraction
from sphere.storage.repositories import ContactRepository, InteractionRepository

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def _post(source_id: str, **overrides: object) -> NewInteraction:
    values: dict[str, object] = {
        "source_name": "mastodon-main",
        "channel": Channel.MASTODON,
        "source_id": source_id,
        "kind": ObservationKind.POST,
        "created_at": T0,
        "visibility": Visibility.PUBLIC,
        "addressing": Addressing.ADDRESSED,
        "text": "@shop mein Objektiv ist kaputt",
        "language": "de",
    }
    values.update(overrides)
    return NewInteraction(**values)  # type: ignore[arg-type]


def test_insert_is_idempotent_per_channel_and_source_id(session: Session, keyring: Keyring) -> None:
    repo = InteractionRepository(session, keyring)
    first, created = repo.insert_if_absent(_post("111"))
    second, created_again = repo.insert_if_absent(_post("111", text="different"))
    other_channel, created_other = repo.insert_if_absent(_post("111", channel=Channel.X))
    assert (created, created_again, created_other) == (True, False, True)
    assert second.id == first.id and second.text == "@shop mein Objektiv ist kaputt"
    assert other_channel.id != first.id


def test_text_encrypted_and_fields_round_trip(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    anna = contacts.create()
    repo = InteractionRepository(session, keyring)
    stored, _ = repo.insert_if_absent(
        _post(
            "222",
            contact_id=anna.id,
            special_categories=frozenset({SpecialCategory.HEALTH}),
            retention_until=T0 + timedelta(days=90),
        )
    )
    assert stored.key_id == anna.id
    raw = session.execute(
        text("SELECT text_ciphertext FROM interactions WHERE id = :id"), {"id": stored.id}
    ).scalar_one()
    assert b"Objektiv" not in bytes(raw)
    loaded = repo.get(stored.id)
    assert loaded.text == "@shop mein Objektiv ist kaputt"
    assert loaded.special_categories == frozenset({SpecialCategory.HEALTH})
    assert loaded.created_at == T0 and loaded.created_at.tzinfo is not None
    assert loaded.retention_until == T0 + timedelta(days=90)
    assert [i.id for i in repo.list_for_contact(anna.id)] == [stored.id]
    assert "Objektiv" not in repr(loaded)


def test_pseudonymous_rows_share_the_pseudonym_key(session: Session, keyring: Keyring) -> None:
    repo = InteractionRepository(session, keyring)
    scope = pseudonym_subject(keyring.blind_index(IdentityKind.HANDLE, "mastodon", "@fremd"))
    a, _ = repo.insert_if_absent(_post("301", key_subject=scope))
    b, _ = repo.insert_if_absent(_post("302", key_subject=scope))
    lone, _ = repo.insert_if_absent(_post("303"))
    assert a.key_id == b.key_id == scope
    assert lone.key_id is not None and lone.key_id.startswith("record:")
    keyring.destroy_key(session, scope)  # erasure request for that handle
    assert repo.get(a.id).text is None and repo.get(b.id).text is None
    assert repo.get(lone.id).text is not None


def test_delete_by_source(session: Session, keyring: Keyring) -> None:
    repo = InteractionRepository(session, keyring)
    stored, _ = repo.insert_if_absent(_post("444"))
    assert repo.delete_by_source(Channel.MASTODON, "444") == stored.id
    assert repo.delete_by_source(Channel.MASTODON, "444") is None
    assert repo.get_by_source(Channel.MASTODON, "444") is None
    with pytest.raises(NotFound):
        repo.get(stored.id)


def test_naive_created_at_refused(session: Session, keyring: Keyring) -> None:
    repo = InteractionRepository(session, keyring)
    with pytest.raises(Exception, match="naive"):
        repo.insert_if_absent(_post("555", created_at=datetime(2026, 1, 1)))


def test_stored_source_ids_is_the_batch_form_of_exists(session: Session, keyring: Keyring) -> None:
    repo = InteractionRepository(session, keyring)
    repo.insert_if_absent(_post("211"))
    repo.insert_if_absent(_post("212", channel=Channel.X))
    wanted = ["211", "212", "213"]
    stored = repo.stored_source_ids(Channel.MASTODON, wanted)
    assert stored == {s for s in wanted if repo.exists(Channel.MASTODON, s)} == {"211"}
    assert repo.stored_source_ids(Channel.X, wanted) == {"212"}
    assert repo.stored_source_ids(Channel.MASTODON, []) == set()


def test_prepared_rows_encrypt_through_a_key_batch(session: Session, keyring: Keyring) -> None:
    repo = InteractionRepository(session, keyring)
    keys = keyring.key_batch(session)
    subject = pseudonym_subject("0" * 64)
    row = repo.prepare(_post("221", key_subject=subject), at=T0, encrypt=keys.encrypt)
    keys.flush()  # the key of the new subject first, then the row encrypted under it
    repo.insert_prepared([row])
    stored = repo.get_by_source(Channel.MASTODON, "221")
    assert stored is not None and stored.key_id == subject
    assert stored.text == "@shop mein Objektiv ist kaputt"

"""Contacts and identities: blind-index lookup, encryption at rest, idempotency."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from sphere.domain import Channel, IdentityKind
from sphere.errors import InvalidInput, NotFound
from sphere.storage.crypto import Keyring
from sphere.storage.repositories import ContactRepository


def test_find_contact_by_identity(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    anna = contacts.create()
    contacts.add_identity(anna.id, IdentityKind.EMAIL, "Anna.Beispiel@example.com", verified=True)
    contacts.add_identity(anna.id, IdentityKind.HANDLE, "@anna_k", channel=Channel.MASTODON)

    assert contacts.find_by_identity(IdentityKind.EMAIL, " anna.beispiel@EXAMPLE.com") == anna
    assert contacts.find_by_identity(IdentityKind.HANDLE, "Anna_K", channel=Channel.MASTODON) == (
        anna
    )
    # the same handle on another channel is another person
    assert contacts.find_by_identity(IdentityKind.HANDLE, "anna_k", channel=Channel.X) is None
    values = sorted(i.value or "" for i in contacts.identities(anna.id))
    assert values == ["@anna_k", "Anna.Beispiel@example.com"]


def test_identity_value_encrypted_at_rest(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    bob = contacts.create()
    contacts.add_identity(bob.id, IdentityKind.EMAIL, "bob@example.org")
    stored = session.execute(text("SELECT value_ciphertext, blind_index FROM identities")).all()
    for ciphertext, blind in stored:
        assert b"bob@example.org" not in bytes(ciphertext)
        assert "bob" not in blind


def test_identity_linked_to_other_contact_is_refused(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    first, second = contacts.create(), contacts.create()
    one = contacts.add_identity(first.id, IdentityKind.EMAIL, "shared@example.net")
    again = contacts.add_identity(first.id, IdentityKind.EMAIL, "SHARED@example.net")
    assert again.id == one.id
    with pytest.raises(InvalidInput) as caught:
        contacts.add_identity(second.id, IdentityKind.EMAIL, "shared@example.net")
    assert "shared@example.net" not in str(caught.value)


def test_identity_unreadable_after_key_destroyed(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    carla = contacts.create()
    contacts.add_identity(carla.id, IdentityKind.PHONE, "+49 30 000000")
    keyring.destroy_key(session, carla.id)
    assert [i.value for i in contacts.identities(carla.id)] == [None]


def test_flags_public_id_and_not_found(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    dora = contacts.create(is_employee=True)
    assert len(dora.public_id) >= 32 and dora.public_id != dora.id
    assert contacts.get_by_public_id(dora.public_id) == dora
    updated = contacts.set_flags(dora.id, restricted=True, objected_marketing=True)
    assert (updated.restricted, updated.objected_marketing, updated.objected_profiling) == (
        True,
        True,
        False,
    )
    assert "public_id" not in repr(dora)
    with pytest.raises(NotFound):
        contacts.get("missing")


def test_batch_lookups_match_the_one_by_one_ones(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    anna, ben = contacts.create(), contacts.create(is_employee=True)
    contacts.add_identity(anna.id, IdentityKind.HANDLE, "@anna_k", channel=Channel.MASTODON)
    contacts.add_identity(anna.id, IdentityKind.CUSTOMER_NUMBER, "K-1")
    contacts.add_identity(ben.id, IdentityKind.HANDLE, "ben", channel=Channel.MASTODON)
    values = ["Anna_K", "ben", "nobody", "@ANNA_K"]
    found = contacts.lookup_identities(IdentityKind.HANDLE, values, channel=Channel.MASTODON)
    for value in values:
        assert found.get(value) == contacts.lookup_identity(
            IdentityKind.HANDLE, value, channel=Channel.MASTODON
        )
    assert "nobody" not in found
    assert contacts.lookup_identities(IdentityKind.HANDLE, ["ben"], channel=Channel.X) == {}
    many = contacts.get_many_for_processing([anna.id, ben.id, "no-such-contact"])
    assert many == {anna.id: contacts.get(anna.id), ben.id: contacts.get(ben.id)}
    kinds = contacts.identity_kinds_many([anna.id, ben.id])
    assert kinds == {anna.id: contacts.identity_kinds(anna.id), ben.id: {IdentityKind.HANDLE}}

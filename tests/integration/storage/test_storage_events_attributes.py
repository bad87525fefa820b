"""Events (encrypted JSON payload) and attributes with provenance cascades."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from sphere.domain import AttributeKind, Channel, LegalBasis, ObservationKind, Purpose
from sphere.errors import NotFound
from sphere.storage.crypto import Keyring
from sphere.storage.entities import (
    NewAttribute,
    NewEvent,
    NewInteraction,
    SourceRef,
    SourceType,
)
from sphere.storage.repositories import (
    AttributeRepository,
    ContactRepository,
    EventRepository,
    InteractionRepository,
)

T0 = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)


def test_event_payload_encrypted_and_idempotent(session: Session, keyring: Keyring) -> None:
    contact = ContactRepository(session, keyring).create()
    events = EventRepository(session, keyring)
    new = NewEvent(
        channel=Channel.WEB,
        kind="page_view",
        occurred_at=T0,
        payload={"path": "/objektive/50mm", "referrer": "newsletter"},
        source_id="evt-1",
        contact_id=contact.id,
    )
    stored, created = events.insert_if_absent(new)
    again, created_again = events.insert_if_absent(new)
    assert (created, created_again, again.id) == (True, False, stored.id)
    assert events.get(stored.id).payload == {"path": "/objektive/50mm", "referrer": "newsletter"}
    raw = session.execute(text("SELECT payload_ciphertext FROM events")).scalar_one()
    assert b"objektive" not in bytes(raw)
    assert [e.id for e in events.list_for_contact(contact.id)] == [stored.id]
    assert events.delete([stored.id]) == 1
    with pytest.raises(NotFound):
        events.get(stored.id)


def _attribute(contact_id: str, name: str, *sources: SourceRef, **extra: object) -> NewAttribute:
    return NewAttribute(
        contact_id=contact_id,
        kind=AttributeKind.DERIVED,
        name=name,
        value=f"{name}-value",
        purpose=Purpose.PROFILING,
        legal_basis=LegalBasis.CONSENT,
        policy_version="2026.1",
        rule_id="profiling.consented",
        derived_from=sources,
        **extra,  # type: ignore[arg-type]
    )


def test_dependents_follow_derivation_chains(session: Session, keyring: Keyring) -> None:
    contact = ContactRepository(session, keyring).create()
    post, _ = InteractionRepository(session, keyring).insert_if_absent(
        NewInteraction(
            source_name="m",
            channel=Channel.MASTODON,
            source_id="9",
            kind=ObservationKind.POST,
            created_at=T0,
            text="Ich liebe Makrofotografie",
            contact_id=contact.id,
        )
    )
    attributes = AttributeRepository(session, keyring)
    interest = attributes.add(
        _attribute(contact.id, "interest", SourceRef(SourceType.INTERACTION, post.id))
    )
    segment = attributes.add(
        _attribute(contact.id, "segment", SourceRef(SourceType.ATTRIBUTE, interest.id))
    )
    unrelated = attributes.add(_attribute(contact.id, "age_band", consent_id=None))

    assert attributes.get(segment.id).derived_from == (
        SourceRef(SourceType.ATTRIBUTE, interest.id),
    )
    assert attributes.get(interest.id).value == "interest-value"
    dependents = attributes.dependents_of([SourceRef(SourceType.INTERACTION, post.id)])
    assert dependents == [interest.id, segment.id]
    assert attributes.delete(dependents) == 2
    assert [a.id for a in attributes.list_for_contact(contact.id)] == [unrelated.id]
    remaining = session.execute(text("SELECT count(*) FROM attribute_sources")).scalar_one()
    assert remaining == 0


def test_consent_is_a_provenance_edge(session: Session, keyring: Keyring) -> None:
    contact = ContactRepository(session, keyring).create()
    session.execute(
        text(
            "INSERT INTO consents (id, contact_id, purpose, action, explicit, channel, evidence,"
            " recorded_at) VALUES ('consent-1', :c, 'profiling', 'given', false, 'web', '{}',"
            " :t)"
        ),
        {"c": contact.id, "t": T0.replace(tzinfo=None) if _is_sqlite(session) else T0},
    )
    attributes = AttributeRepository(session, keyring)
    scored = attributes.add(_attribute(contact.id, "score", consent_id="consent-1"))
    found = attributes.dependents_of([SourceRef(SourceType.CONSENT, "consent-1")])
    assert found == [scored.id]


def _is_sqlite(session: Session) -> bool:
    return session.get_bind().dialect.name == "sqlite"

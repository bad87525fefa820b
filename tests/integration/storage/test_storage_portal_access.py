"""Portal log-in links and sessions, the living-contact scan and the transparency counts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from sphere.rights.requests import RequestState
from sphere.storage.crypto import Keyring
from sphere.storage.repositories import AggregateRepository, ContactRepository, oversight
from sphere.storage.repositories.portal_access import (
    PortalAttemptRepository,
    PortalLinkRepository,
    PortalSessionRepository,
)
from sphere.storage.rights_tables import DsrRequestRow

AT = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _add_link(
    links: PortalLinkRepository, contact_id: str, *, token: str, key: str, at: datetime
) -> str:
    return links.add(
        token_sha256=token.ljust(64, "0"),
        contact_id=contact_id,
        address_key=key.ljust(64, "0"),
        created_at=at,
        expires_at=at + timedelta(minutes=15),
    ).id


def test_link_is_claimed_once_only(session: Session, keyring: Keyring) -> None:
    contact = ContactRepository(session, keyring).create(at=AT)
    links = PortalLinkRepository(session)
    link_id = _add_link(links, contact.id, token="a1", key="k1", at=AT)

    found = links.by_token("a1".ljust(64, "0"))
    assert found is not None and found.id == link_id and found.used_at is None
    assert found.contact_id == contact.id and found.expires_at == AT + timedelta(minutes=15)
    assert links.by_token("ff".ljust(64, "0")) is None

    assert links.claim(link_id, at=AT + timedelta(minutes=1)) is True
    assert links.claim(link_id, at=AT + timedelta(minutes=2)) is False  # a replay or a race
    session.expire_all()
    claimed = links.by_token("a1".ljust(64, "0"))
    assert claimed is not None and claimed.used_at == AT + timedelta(minutes=1)


def test_attempts_counted_per_target_client_and_total_within_window(session: Session) -> None:
    """The portal log-in throttle counts requests, not links: known or not (issue 18)."""
    attempts = PortalAttemptRepository(session)

    def add(target: str, client: str, at: datetime) -> None:
        attempts.add(
            target_key=target.ljust(64, "0"),
            client_key=client.ljust(64, "0"),
            at=at,
            expires_at=at + timedelta(minutes=15),
        )

    add("k1", "c1", AT - timedelta(minutes=20))
    add("k1", "c1", AT - timedelta(minutes=10))
    add("k1", "c2", AT)
    add("k2", "c1", AT)

    since = AT - timedelta(minutes=15)
    key = "k1".ljust(64, "0")
    assert attempts.counts_since(key, "c1".ljust(64, "0"), since=since) == (2, 2, 3)
    assert attempts.counts_since("k3".ljust(64, "0"), "c3".ljust(64, "0"), since=since) == (0, 0, 3)
    assert attempts.counts_since(key, "c1".ljust(64, "0"), since=AT) == (0, 0, 0)  # strictly after


def test_session_lookup_shows_expiry_and_revocation(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    contact = contacts.create(at=AT)
    sessions = PortalSessionRepository(session)
    stored = sessions.add(
        token_sha256="c1".ljust(64, "0"),
        contact_id=contact.id,
        created_at=AT,
        expires_at=AT + timedelta(minutes=30),
        method="portal_handle_challenge",
    )
    assert sessions.by_token("c1".ljust(64, "0")) == stored
    assert stored.method == "portal_handle_challenge"
    assert stored.revoked_at is None and stored.expires_at == AT + timedelta(minutes=30)
    assert sessions.by_token("ff".ljust(64, "0")) is None
    assert sessions.contact_is_living(contact.id)
    assert not sessions.contact_is_living("no-such-contact")

    assert sessions.revoke("c1".ljust(64, "0"), at=AT + timedelta(minutes=5)) is True
    assert sessions.revoke("c1".ljust(64, "0"), at=AT + timedelta(minutes=6)) is False
    session.expire_all()
    revoked = sessions.by_token("c1".ljust(64, "0"))
    assert revoked is not None and revoked.revoked_at == AT + timedelta(minutes=5)

    contacts.set_flags(contact.id, erased_at=AT + timedelta(minutes=7))
    assert not sessions.contact_is_living(contact.id)


def test_living_ids_oldest_first_without_erased(session: Session, keyring: Keyring) -> None:
    contacts = ContactRepository(session, keyring)
    newer = contacts.create(at=AT)
    older = contacts.create(at=AT - timedelta(days=1))
    erased = contacts.create(at=AT - timedelta(days=2))
    contacts.set_flags(erased.id, erased_at=AT)
    assert list(contacts.living_ids()) == [older.id, newer.id]


def test_transparency_counts_completed_requests_and_anonymised_posts(session: Session) -> None:
    assert RequestState.COMPLETED.value == oversight._COMPLETED  # storage spells it out
    for state, completed_at in (
        (RequestState.COMPLETED, AT + timedelta(days=3)),
        (RequestState.REJECTED, AT + timedelta(days=1)),  # not an answer that counts
        (RequestState.RECEIVED, None),
    ):
        session.add(
            DsrRequestRow(
                type="access",
                state=state.value,
                received_at=AT,
                due_at=AT + timedelta(days=30),
                completed_at=completed_at,
            )
        )
    aggregates = AggregateRepository(session)
    day = AT.date()
    aggregates.increment(
        day=day, channel="mastodon", addressing="public_mention", outcome="anonymise", by=4
    )
    aggregates.increment(
        day=day, channel="x", addressing="public_mention", outcome="anonymise", by=2
    )
    aggregates.increment(day=day, channel="x", addressing="public_mention", outcome="deny", by=5)
    session.flush()

    counts = oversight.transparency_counts(session)
    assert counts.answered == ((AT, AT + timedelta(days=3)),)
    assert counts.posts_aggregate_only == 6 and counts.posts_stored == 0

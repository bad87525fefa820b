"""Sources, decision log, policy versions, quarantine and aggregates."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from sphere.domain import Channel, Collection, Decision, LegalBasis, Outcome, Purpose
from sphere.errors import InvalidInput, NotFound
from sphere.storage.crypto import Keyring
from sphere.storage.repositories import (
    AggregateRepository,
    DecisionRepository,
    PolicyVersionRepository,
    QuarantineRepository,
    SourceRepository,
)


def test_sources_add_list_get_remove(session: Session) -> None:
    sources = SourceRepository(session)
    added = sources.add(
        "masto",
        channel=Channel.MASTODON,
        collection=Collection.OFFICIAL_API,
        accounts=["shop@social.example"],
    )
    sources.add("forum", channel=Channel.FORUM, collection=Collection.EXPORT)
    assert [s.name for s in sources.list()] == ["forum", "masto"]
    assert sources.get("masto") == added and added.accounts == ("shop@social.example",)
    with pytest.raises(InvalidInput):
        sources.add("masto", channel=Channel.X, collection=Collection.EXPORT)
    sources.remove("masto")
    with pytest.raises(NotFound):
        sources.get("masto")


def test_decision_log_append_and_read(session: Session) -> None:
    log = DecisionRepository(session)
    decision = Decision(
        outcome=Outcome.ALLOW,
        purpose=Purpose.CUSTOMER_CARE,
        rule_id="care.addressed",
        reason="the author addressed the company",
        policy_version="2026.1",
        legal_basis=LegalBasis.LEGITIMATE_INTEREST,
    )
    stored = log.append(decision, record_type="interaction", record_ref="mastodon:1")
    assert log.get(stored.id) == stored
    assert stored.legal_basis is LegalBasis.LEGITIMATE_INTEREST
    assert [d.id for d in log.list_for_record("mastodon:1")] == [stored.id]
    assert not hasattr(log, "delete") and not hasattr(log, "update")


def test_policy_versions_store_activate(session: Session) -> None:
    policies = PolicyVersionRepository(session)
    v1 = policies.store("rules: []\n", version="1", applied_by="dpo")
    assert policies.store("rules: []\n", version="1b", applied_by="dpo") == v1  # same text
    v2 = policies.store("rules: [x]\n", version="2", applied_by="dpo")
    assert policies.active() is None
    policies.activate(v1.id)
    assert policies.activate(v2.id).is_active
    assert policies.active() == policies.get(v2.id)
    assert [p.is_active for p in policies.list()] == [False, True]
    with pytest.raises(NotFound):
        policies.activate("missing")


def test_quarantine_payload_encrypted_and_shredded(session: Session, keyring: Keyring) -> None:
    quarantine = QuarantineRepository(session, keyring)
    item = quarantine.add(
        "forum", file="posts.jsonl", line=7, reason="invalid JSON", payload='{"text": "Hallo'
    )
    assert item.payload is None  # listings never carry the payload
    assert quarantine.get(item.id).payload == '{"text": "Hallo'
    raw = session.execute(text("SELECT payload_ciphertext, key_id FROM quarantine")).one()
    assert b"Hallo" not in bytes(raw[0])
    assert quarantine.mark_retried(item.id).retried_at is not None
    assert quarantine.list(pending_only=True) == []
    assert [i.id for i in quarantine.list(source_name="forum")] == [item.id]
    quarantine.delete(item.id)
    assert keyring.is_destroyed(session, raw[1])
    with pytest.raises(NotFound):
        quarantine.get(item.id)


def test_aggregates_increment_upserts(session: Session) -> None:
    counters = AggregateRepository(session)
    key = {"day": date(2026, 5, 4), "channel": "x", "addressing": "public_mention"}
    counters.increment(**key, outcome="anonymise")
    counters.increment(**key, outcome="anonymise", by=4)
    counters.increment(**key, outcome="deny", topic="lens")
    rows = counters.list(since=date(2026, 5, 1))
    assert [(r.outcome, r.topic, r.count) for r in rows] == [
        ("anonymise", "", 5),
        ("deny", "lens", 1),
    ]
    assert counters.list(until=date(2026, 5, 3)) == []


def test_utc_times_survive_round_trip(session: Session) -> None:
    policies = PolicyVersionRepository(session)
    at = datetime(2026, 3, 2, 23, 59, 58, 123456, tzinfo=UTC)
    stored = policies.store("x: 1\n", version="t", applied_by="dpo", at=at)
    session.expire_all()
    assert policies.get(stored.id).applied_at == at


def test_consent_ledger_keeps_write_order_at_the_same_instant(
    session: Session, keyring: Keyring
) -> None:
    """A grant, a withdrawal and a new grant recorded at the same instant (one import
    batch, a frozen clock) are read back in the order written, so the state is the
    last one — on both backends, whatever the random part of the ids."""
    from sphere.consent.ledger import grant, states, withdraw
    from sphere.storage.repositories.contacts import ContactRepository

    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    contact = ContactRepository(session, keyring).create(at=at)
    for _ in range(20):
        grant(session, contact.id, Purpose.PROFILING, channel="web", at=at, actor="t")
        withdraw(session, keyring, contact.id, Purpose.PROFILING, channel="web", at=at, actor="t")
    assert states(session, contact.id, now=at)[Purpose.PROFILING].state.value == "withdrawn"
    grant(session, contact.id, Purpose.PROFILING, channel="web", at=at, actor="t")
    assert states(session, contact.id, now=at)[Purpose.PROFILING].state.value == "given"

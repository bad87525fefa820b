"""The held-data read model equals a recomputation from scratch after any history.

Hypothesis builds random histories through the real write paths — the pipeline's
batched insert and the single-record insert, events, derived attributes with consent,
platform deletions with their cascade, consent withdrawal, erasure, retention runs,
imported contacts — with SAVEPOINTs that fail and units of work that roll back, on
SQLite and PostgreSQL. After every commit the stored counters must equal
``readmodel.recompute``; the contacts-per-purpose figure must equal the distinct
contacts holding records.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from sphere.consent.ledger import grant, withdraw
from sphere.domain import (
    Addressing,
    AttributeKind,
    Channel,
    Decision,
    LegalBasis,
    ObservationKind,
    Outcome,
    Purpose,
    SpecialCategory,
    Visibility,
)
from sphere.pipeline.cascade import delete_interaction
from sphere.rights.erasure import erase_contact
from sphere.rights.retention import run_retention
from sphere.storage.crypto import Keyring
from sphere.storage.entities import NewAttribute, NewEvent, NewInteraction, SourceRef, SourceType
from sphere.storage.repositories import readmodel
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.interactions import InteractionRepository

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
PURPOSES = (Purpose.CUSTOMER_CARE, Purpose.ENRICHMENT, Purpose.SERVICE_PROVISION)
BASES = {
    Purpose.CUSTOMER_CARE: LegalBasis.LEGITIMATE_INTEREST,
    Purpose.ENRICHMENT: LegalBasis.LEGITIMATE_INTEREST,
    Purpose.SERVICE_PROVISION: LegalBasis.CONTRACT,
}


class Failed(Exception):
    """Raised inside a SAVEPOINT to roll it back."""


def _decision(purpose: Purpose, *, days: int = 30) -> Decision:
    return Decision(
        outcome=Outcome.ALLOW,
        purpose=purpose,
        rule_id=f"test.{purpose.value}",
        reason="test decision",
        legal_basis=BASES[purpose],
        policy_version="test-1",
        retention=timedelta(days=days),
    )


class History:
    """Applies operations to one session; every id it makes lives in its lists."""

    def __init__(self, session: Session, keyring: Keyring) -> None:
        self.session, self.keyring = session, keyring
        self.contacts: list[str] = []
        self.posts: list[tuple[Channel, str]] = []
        self.events: list[str] = []
        self.serial = 0

    def _now(self, day: int) -> datetime:
        return T0 + timedelta(days=day, hours=self.serial % 20)

    def _contact(self, pick: int) -> str | None:
        return self.contacts[pick % len(self.contacts)] if self.contacts else None

    # -- operations ---------------------------------------------------------------
    def import_contact(self, day: int) -> None:
        contacts = ContactRepository(self.session, self.keyring)
        contact = contacts.create(at=self._now(day))
        DecisionRepository(self.session).append(
            _decision(Purpose.SERVICE_PROVISION, days=900),
            record_type="contact",
            record_ref=f"contact:{contact.id}",
            contact_id=contact.id,
            at=self._now(day),
        )
        self.contacts.append(contact.id)

    def post(
        self, pick: int, linked: bool, purpose_index: int, special: bool, day: int, batched: bool
    ) -> None:
        self.serial += 1
        contact_id = self._contact(pick) if linked else None
        purpose = PURPOSES[purpose_index % 2]  # customer care or enrichment
        at = self._now(day)
        decisions = DecisionRepository(self.session)
        interactions = InteractionRepository(self.session, self.keyring)
        channel = Channel.MASTODON if self.serial % 2 else Channel.X
        source_id = f"p{self.serial}"
        new = dict(
            source_name="src-a" if self.serial % 3 else "src-b",
            channel=channel,
            source_id=source_id,
            kind=ObservationKind.POST,
            created_at=at,
            visibility=Visibility.PUBLIC,
            addressing=Addressing.ADDRESSED,
            text="a post",
            contact_id=contact_id,
            special_categories=frozenset({SpecialCategory.HEALTH}) if special else frozenset(),
            retention_until=at + timedelta(days=30),
            # text kept without its author carries its re-identification risk and action
            reid_risk=None if linked else ("high" if special else "low"),
            reid_action=None if linked else "keep",
        )
        if batched:  # the pipeline's path: prepared rows, one executemany each
            logged, row = decisions.prepare(
                _decision(purpose),
                record_type="interaction",
                record_ref=source_id,
                contact_id=contact_id,
                at=at,
            )
            prepared = interactions.prepare(NewInteraction(**new, decision_id=logged.id), at=at)
            decisions.insert_prepared([row])
            interactions.insert_prepared([prepared])
        else:
            logged = decisions.append(
                _decision(purpose),
                record_type="interaction",
                record_ref=source_id,
                contact_id=contact_id,
                at=at,
            )
            interactions.insert_if_absent(NewInteraction(**new, decision_id=logged.id), at=at)
        self.posts.append((channel, source_id))

    def event(self, pick: int, day: int) -> None:
        contact_id = self._contact(pick)
        if contact_id is None:
            return
        self.serial += 1
        at = self._now(day)
        logged = DecisionRepository(self.session).append(
            _decision(Purpose.SERVICE_PROVISION),
            record_type="event",
            record_ref=f"web:e{self.serial}",
            contact_id=contact_id,
            at=at,
        )
        event, _ = EventRepository(self.session, self.keyring).insert_if_absent(
            NewEvent(
                channel=Channel.WEB,
                kind="page_view",
                occurred_at=at,
                source_id=f"e{self.serial}",
                contact_id=contact_id,
                decision_id=logged.id,
                retention_until=at + timedelta(days=20),
            ),
            at=at,
        )
        self.events.append(event.id)

    def attribute(self, pick: int, day: int) -> None:
        contact_id = self._contact(pick)
        if contact_id is None:
            return
        at = self._now(day)
        consent = grant(
            self.session, contact_id, Purpose.PROFILING, channel="web", at=at, actor="test"
        )
        posts = InteractionRepository(self.session, self.keyring).list_for_contact(contact_id)
        AttributeRepository(self.session, self.keyring).add(
            NewAttribute(
                contact_id=contact_id,
                kind=AttributeKind.DERIVED,
                name="interest",
                value="photography",
                purpose=Purpose.PROFILING,
                legal_basis=LegalBasis.CONSENT,
                policy_version="test-1",
                rule_id="test.profiling",
                consent_id=consent.id,
                derived_from=tuple(SourceRef(SourceType.INTERACTION, p.id) for p in posts[:2]),
                retention_until=at + timedelta(days=40),
            ),
            at=at,
        )

    def delete_post(self, pick: int, day: int) -> None:
        if not self.posts:
            return
        channel, source_id = self.posts[pick % len(self.posts)]
        interaction = InteractionRepository(self.session, self.keyring).get_by_source(
            channel, source_id
        )
        if interaction is not None:
            delete_interaction(
                self.session,
                self.keyring,
                interaction,
                actor="test",
                reason_code="platform_deletion",
                at=self._now(day),
            )

    def delete_event(self, pick: int) -> None:
        if self.events:
            EventRepository(self.session, self.keyring).delete(
                [self.events[pick % len(self.events)]]
            )

    def withdraw(self, pick: int, day: int) -> None:
        contact_id = self._contact(pick)
        if contact_id is not None:
            withdraw(
                self.session,
                self.keyring,
                contact_id,
                Purpose.PROFILING,
                channel="web",
                at=self._now(day),
                actor="test",
            )

    def erase(self, pick: int, day: int) -> None:
        contact_id = self._contact(pick)
        if contact_id is not None:
            erase_contact(self.session, self.keyring, contact_id, at=self._now(day), actor="test")
            self.contacts.remove(contact_id)  # an erased contact gets nothing new

    def retention(self, day: int) -> None:
        run_retention(self.session, self.keyring, now=self._now(day), actor="test")


DAY = st.integers(0, 90)
PICK = st.integers(0, 50)
OPERATION = st.one_of(
    st.tuples(st.just("import_contact"), DAY),
    st.tuples(
        st.just("post"), PICK, st.booleans(), st.integers(0, 1), st.booleans(), DAY, st.booleans()
    ),
    st.tuples(st.just("event"), PICK, DAY),
    st.tuples(st.just("attribute"), PICK, DAY),
    st.tuples(st.just("delete_post"), PICK, DAY),
    st.tuples(st.just("delete_event"), PICK),
    st.tuples(st.just("withdraw"), PICK, DAY),
    st.tuples(st.just("erase"), PICK, DAY),
    st.tuples(st.just("retention"), DAY),
)
STEP = st.tuples(
    st.sampled_from(("commit", "commit", "commit", "savepoint_fails", "rollback")),
    st.lists(OPERATION, min_size=1, max_size=4),
)


@pytest.fixture
def connection(engine: Engine) -> Iterator[object]:
    yield engine


def _run(engine: Engine, keyring: Keyring, steps: list[tuple[str, list[tuple]]]) -> None:
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    history = History(session, keyring)
    try:
        for mode, operations in steps:
            before = (list(history.contacts), list(history.posts), list(history.events))
            if mode == "savepoint_fails":
                try:
                    with session.begin_nested():
                        for name, *args in operations:
                            getattr(history, name)(*args)
                        raise Failed
                except Failed:
                    history.contacts, history.posts, history.events = before
                session.commit()
            else:
                for name, *args in operations:
                    getattr(history, name)(*args)
                if mode == "rollback":
                    session.rollback()
                    history.contacts, history.posts, history.events = before
                else:
                    session.commit()
            assert readmodel.differences(session) == []
    finally:
        session.close()
        outer.rollback()
        connection.close()


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEP, min_size=1, max_size=8))
def test_incremental_counters_equal_a_recomputation(
    engine: Engine, keyring: Keyring, steps: list[tuple[str, list[tuple]]]
) -> None:
    _run(engine, keyring, steps)


def test_rebuild_restores_counters_that_drifted(session: Session, keyring: Keyring) -> None:
    history = History(session, keyring)
    history.import_contact(0)
    history.post(0, True, 0, True, 1, True)
    session.commit()
    readmodel.apply_delta(session, readmodel.recompute(session))  # doubles every counter
    assert readmodel.differences(session)
    readmodel.rebuild(session)
    session.commit()
    assert readmodel.differences(session) == []
    rows = readmodel.held_rows(session)
    assert {(r.record_type, r.special, r.n) for r in rows} == {
        ("contact", "", 1),
        ("interaction", "health", 1),
    }
    assert readmodel.purpose_contacts(session) == {"customer_care": 1, "service_provision": 1}

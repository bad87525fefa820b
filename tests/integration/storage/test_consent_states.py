"""The set-based consent states (SQL) equal ``consent.state.current_states`` (Python) on
random ledgers: same latest-entry rule, same tie-break on equal times, same expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy.orm import Session

from sphere.consent.state import current_states
from sphere.domain import Purpose
from sphere.storage.repositories.consent_states import states_of
from sphere.storage.repositories.consents import ConsentRepository
from sphere.storage.repositories.contacts import ContactRepository

T0 = datetime(2026, 1, 1, tzinfo=UTC)
ENTRY = st.tuples(
    st.integers(0, 2),  # contact
    st.sampled_from((Purpose.DIRECT_MARKETING, Purpose.PROFILING)),
    st.sampled_from(("given", "withdrawn")),
    st.integers(0, 6),  # day recorded (equal days test the tie-break)
    st.one_of(st.none(), st.integers(1, 10)),  # expires after this many days
    st.booleans(),  # explicit
)


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(entries=st.lists(ENTRY, max_size=14), day=st.integers(0, 12))
def test_sql_states_equal_the_python_derivation(
    session: Session, keyring: object, entries: list[tuple], day: int
) -> None:
    nested = session.begin_nested()
    try:
        contacts = [ContactRepository(session, keyring).create(at=T0).id for _ in range(3)]  # type: ignore[arg-type]
        ledger = ConsentRepository(session)
        for who, purpose, action, recorded, expires, explicit in entries:
            at = T0 + timedelta(days=recorded)
            ledger.append(
                contacts[who],
                purpose,
                action=action,
                channel="web",
                explicit=explicit,
                expires_at=at + timedelta(days=expires) if expires and action == "given" else None,
                at=at,
            )
        now = T0 + timedelta(days=day, hours=1)
        expected = {
            (contact, purpose.value): status.state.value
            for contact in contacts
            for purpose, status in current_states(ledger.for_contact(contact), now=now).items()
            if status.record_id is not None
        }
        assert states_of(session, now) == expected
    finally:
        nested.rollback()

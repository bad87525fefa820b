"""Deriving the current consent state from ledger records."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime, timedelta

import pytest

from sphere.consent.state import (
    ConsentAction,
    ConsentRecord,
    current_state,
    current_states,
    notice_hash,
)
from sphere.domain import Channel, ConsentState, Purpose
from sphere.errors import InvalidInput

T0 = datetime(2026, 1, 10, 9, 0, tzinfo=UTC)
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
DM = Purpose.DIRECT_MARKETING


def rec(
    rid: str,
    action: str,
    at: datetime,
    *,
    purpose: Purpose = DM,
    contact: str = "c-1",
    explicit: bool = False,
    expires: datetime | None = None,
) -> ConsentRecord:
    return ConsentRecord(
        id=rid,
        contact_id=contact,
        purpose=purpose,
        action=ConsentAction(action),
        recorded_at=at,
        explicit=explicit,
        notice_hash=notice_hash("Wir möchten Ihnen Angebote senden."),
        channel=Channel.WEB,
        expires_at=expires,
        evidence={"form": "newsletter-v3"},
    )


def test_no_records() -> None:
    status = current_state([], DM, now=NOW)
    assert status.state is ConsentState.NONE
    assert (status.since, status.record_id) == (None, None)
    assert status.reason_text == "no consent for purpose 'direct_marketing' on record"
    assert not status.is_valid


def test_given() -> None:
    status = current_state([rec("r1", "given", T0)], DM, now=NOW)
    assert status.state is ConsentState.GIVEN
    assert (status.since, status.record_id) == (T0, "r1")
    assert status.reason_text == "consent for 'direct_marketing' given on 2026-01-10"
    assert status.is_valid


def test_explicit() -> None:
    status = current_state([rec("r1", "given", T0, explicit=True)], DM, now=NOW)
    assert status.state is ConsentState.EXPLICIT
    assert status.reason_text.startswith("explicit consent")


def test_withdrawn() -> None:
    withdrawn_at = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    records = [rec("r1", "given", T0), rec("r2", "withdrawn", withdrawn_at)]
    status = current_state(records, DM, now=NOW)
    assert status.state is ConsentState.WITHDRAWN
    assert (status.since, status.record_id) == (withdrawn_at, "r2")
    assert status.reason_text == (
        "no consent for purpose 'direct_marketing' since 2026-03-02 (withdrawn)"
    )


def test_given_again_after_withdrawal() -> None:
    records = [
        rec("r1", "given", T0),
        rec("r2", "withdrawn", T0 + timedelta(days=1)),
        rec("r3", "given", T0 + timedelta(days=2)),
    ]
    assert current_state(records, DM, now=NOW).record_id == "r3"


def test_latest_wins_regardless_of_list_order() -> None:
    records = [rec("r2", "withdrawn", T0 + timedelta(days=1)), rec("r1", "given", T0)]
    assert current_state(records, DM, now=NOW).state is ConsentState.WITHDRAWN


def test_tie_broken_by_ledger_order() -> None:
    records = [rec("r1", "given", T0), rec("r2", "withdrawn", T0)]
    assert current_state(records, DM, now=NOW).record_id == "r2"
    assert current_state(list(reversed(records)), DM, now=NOW).record_id == "r1"


def test_expired() -> None:
    expires = datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    status = current_state([rec("r1", "given", T0, expires=expires)], DM, now=NOW)
    assert status.state is ConsentState.NONE
    assert status.since == expires
    assert status.reason_text == "consent for 'direct_marketing' expired on 2026-03-02"


def test_not_yet_expired_mentions_until() -> None:
    expires = datetime(2027, 1, 10, tzinfo=UTC)
    status = current_state([rec("r1", "given", T0, expires=expires)], DM, now=NOW)
    assert status.state is ConsentState.GIVEN
    assert status.reason_text.endswith("until 2027-01-10")


def test_expiry_boundary_is_exclusive() -> None:
    expires = datetime(2026, 3, 2, tzinfo=UTC)
    records = [rec("r1", "given", T0, expires=expires)]
    assert current_state(records, DM, now=expires - timedelta(seconds=1)).is_valid
    assert not current_state(records, DM, now=expires).is_valid


def test_future_records_ignored() -> None:
    records = [rec("r1", "given", T0), rec("r2", "withdrawn", NOW + timedelta(hours=1))]
    assert current_state(records, DM, now=NOW).state is ConsentState.GIVEN


def test_other_purposes_ignored() -> None:
    records = [rec("r1", "given", T0, purpose=Purpose.PROFILING)]
    assert current_state(records, DM, now=NOW).state is ConsentState.NONE
    assert current_state(records, Purpose.PROFILING, now=NOW).state is ConsentState.GIVEN


def test_mixed_contacts_refused() -> None:
    records = [rec("r1", "given", T0), rec("r2", "given", T0, contact="c-2")]
    with pytest.raises(InvalidInput, match="more than one contact"):
        current_state(records, DM, now=NOW)


def test_current_states_per_purpose() -> None:
    records = [
        rec("r1", "given", T0),
        rec("r2", "given", T0, purpose=Purpose.WEB_ANALYTICS),
        rec("r3", "withdrawn", T0 + timedelta(days=3), purpose=Purpose.WEB_ANALYTICS),
    ]
    states = current_states(records, now=NOW)
    assert {p: s.state for p, s in states.items()} == {
        DM: ConsentState.GIVEN,
        Purpose.WEB_ANALYTICS: ConsentState.WITHDRAWN,
    }


def test_naive_timestamps_refused() -> None:
    with pytest.raises(InvalidInput, match="recorded_at"):
        rec("r1", "given", datetime(2026, 1, 1))  # naive on purpose
    with pytest.raises(InvalidInput, match="now"):
        current_state([], DM, now=datetime(2026, 1, 1))


def test_expiry_before_recording_refused() -> None:
    with pytest.raises(InvalidInput, match="expires_at"):
        rec("r1", "given", T0, expires=T0 - timedelta(days=1))


def test_record_is_immutable_and_repr_hides_evidence() -> None:
    record = rec("r1", "given", T0)
    with pytest.raises(AttributeError):
        record.action = ConsentAction.WITHDRAWN  # type: ignore[misc]
    with pytest.raises(TypeError):
        record.evidence["form"] = "other"  # type: ignore[index]
    assert "newsletter" not in repr(record)


def test_reason_contains_no_personal_data() -> None:
    records = [rec("r1", "withdrawn", T0, contact="erika.mustermann@example.com")]
    status = current_state(records, DM, now=NOW)
    assert "example.com" not in status.reason_text


def test_notice_hash_is_nfc_sha256() -> None:
    composed = "Einwilligung für Werbung"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    assert notice_hash(composed) == notice_hash(decomposed)
    assert len(notice_hash(composed)) == 64
    assert notice_hash(composed) != notice_hash(composed + ".")
    assert notice_hash("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

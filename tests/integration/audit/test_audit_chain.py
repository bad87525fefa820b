"""The audit hash chain: append in the caller's transaction, detect tampering.

Tampering is done with plain SQL, as an attacker with database access would.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.orm import Session

from sphere.audit import AuditBatch, canonical_json, compute_hash, record, verify
from sphere.domain import LegalBasis, Purpose
from sphere.errors import AuditError
from sphere.storage.db import make_session_factory, session_scope
from sphere.storage.repositories import AuditRepository

T0 = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def _chain(session: Session, n: int = 5) -> None:
    for i in range(n):
        record(
            session,
            actor="pipeline",
            action="interaction.stored",
            subject_id=f"contact-{i}",
            object_ids=[f"interaction-{i}"],
            purpose=Purpose.CUSTOMER_CARE,
            legal_basis=LegalBasis.LEGITIMATE_INTEREST,
            details={"count": i, "outcome": "allow"},
            at=T0 + timedelta(seconds=i),
        )


def test_record_links_entries_and_verify_passes(session: Session) -> None:
    assert verify(session).ok and verify(session).checked == 0
    _chain(session)
    entries = list(AuditRepository(session).iter_entries(batch=2))
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == "0" * 64
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert entries[2].purpose == "customer_care" and entries[2].legal_basis == "art6_1_f"
    result = verify(session, batch=2)
    assert (result.ok, result.checked, result.first_broken_seq) == (True, 5, None)


def test_canonical_json_is_stable() -> None:
    from sphere.storage.entities import AuditEntry

    entry = AuditEntry(
        seq=1,
        id="e1",
        at=datetime(2026, 6, 1, 14, 0, tzinfo=UTC),
        actor="dpo",
        action="policy.applied",
        subject_id=None,
        object_ids=("p1",),
        purpose=None,
        legal_basis=None,
        details={"b": 1, "a": [2, 1]},
        prev_hash="0" * 64,
        hash="",
    )
    assert canonical_json(entry) == (
        '{"action":"policy.applied","actor":"dpo","at":"2026-06-01T14:00:00.000000Z",'
        '"details":{"a":[2,1],"b":1},"id":"e1","legal_basis":null,"object_ids":["p1"],'
        '"purpose":null,"seq":1,"subject_id":null}'
    )
    assert len(compute_hash(entry)) == 64


def test_edited_row_detected(session: Session) -> None:
    _chain(session)
    session.execute(text("UPDATE audit_entries SET actor = 'intruder' WHERE seq = 3"))
    result = verify(session)
    assert (result.ok, result.first_broken_seq, result.checked) == (False, 3, 2)
    assert "hash" in (result.reason or "")


def test_edited_details_detected(session: Session) -> None:
    _chain(session)
    session.execute(
        text("UPDATE audit_entries SET details = :d WHERE seq = 2"), {"d": '{"count":99}'}
    )
    assert verify(session).first_broken_seq == 2


def test_deleted_row_detected(session: Session) -> None:
    _chain(session)
    session.execute(text("DELETE FROM audit_entries WHERE seq = 2"))
    result = verify(session)
    assert (result.ok, result.first_broken_seq) == (False, 2)
    assert "missing" in (result.reason or "")


def test_deleted_tail_detected(session: Session) -> None:
    _chain(session)
    session.execute(text("DELETE FROM audit_entries WHERE seq >= 4"))
    result = verify(session)
    assert (result.ok, result.first_broken_seq) == (False, 4)


def test_reordered_rows_detected(session: Session) -> None:
    _chain(session)
    session.execute(text("UPDATE audit_entries SET seq = 100 WHERE seq = 2"))
    session.execute(text("UPDATE audit_entries SET seq = 2 WHERE seq = 3"))
    session.execute(text("UPDATE audit_entries SET seq = 3 WHERE seq = 100"))
    result = verify(session)
    assert (result.ok, result.first_broken_seq) == (False, 2)


def test_rehashed_forgery_detected_by_head(session: Session) -> None:
    """Deleting the last entry AND fixing nothing else still disagrees with the head."""
    _chain(session, 3)
    session.execute(text("DELETE FROM audit_entries WHERE seq = 3"))
    assert verify(session).first_broken_seq == 3


@pytest.mark.parametrize(
    "details",
    [
        {"email": "anna@example.com"},  # e-mail address
        {"note": "customer called about lens"},  # free text
        {"phone": "+4930123456"},  # phone number
        {"iban": "DE00123456780000000000"},  # IBAN-shaped
        {"anna@example.com": 1},  # PII as a key
        {"blob": object()},  # not JSON
    ],
    ids=["email", "free-text", "phone", "iban", "pii-key", "not-json"],
)
def test_raw_pii_in_details_refused(session: Session, details: dict[str, object]) -> None:
    with pytest.raises(AuditError) as caught:
        record(session, actor="pipeline", action="x.y", details=details)
    assert "example.com" not in str(caught.value)
    assert AuditRepository(session).count() == 0


def test_ids_counts_and_enums_accepted(session: Session) -> None:
    entry = record(
        session,
        actor="dpo:3f1c",
        action="subject.erased",
        subject_id="0b7a6c1e-3f0e-4c9a-9a51-2f3d1c0e9b11",
        details={"rows": 12, "purposes": ["direct_marketing"], "dry_run": False, "ratio": 0.5},
    )
    assert entry.seq == 1 and verify(session).ok


def test_record_rolls_back_with_the_caller(fresh_engine: Engine) -> None:
    factory = make_session_factory(fresh_engine)
    with session_scope(factory) as s:
        record(s, actor="pipeline", action="a.b")
    with pytest.raises(RuntimeError), session_scope(factory) as s:
        record(s, actor="pipeline", action="a.c")
        raise RuntimeError("batch failed")
    with session_scope(factory) as s:
        record(s, actor="pipeline", action="a.d")
        result = verify(s)
        assert (result.ok, result.checked) == (True, 2)
        assert [e.action for e in AuditRepository(s).latest()] == ["a.d", "a.b"]


def test_concurrent_writers_do_not_fork_the_chain(fresh_engine: Engine) -> None:
    factory = make_session_factory(fresh_engine)
    errors: list[BaseException] = []
    per_thread = 15

    def writer(name: str) -> None:
        try:
            for i in range(per_thread):
                with session_scope(factory) as s:
                    record(s, actor=name, action="load.test", details={"i": i})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{n}",)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    with session_scope(factory) as s:
        result = verify(s)
    assert (result.ok, result.checked) == (True, 4 * per_thread)


def test_second_writer_waits_for_the_head_lock(fresh_engine: Engine) -> None:
    """Writer B starts while A holds the head; B must append AFTER A, not beside it."""
    factory = make_session_factory(fresh_engine)
    a_locked, b_done = threading.Event(), threading.Event()
    b_errors: list[BaseException] = []

    def writer_b() -> None:
        a_locked.wait(5)
        try:
            with session_scope(factory) as s:
                record(s, actor="b", action="second")
        except BaseException as exc:  # pragma: no cover
            b_errors.append(exc)
        finally:
            b_done.set()

    thread = threading.Thread(target=writer_b)
    thread.start()
    with session_scope(factory) as s:
        record(s, actor="a", action="first")
        a_locked.set()
        assert not b_done.wait(0.5)  # B is blocked on the head lock
    thread.join(10)
    assert b_errors == []
    with session_scope(factory) as s:
        entries = list(AuditRepository(s).iter_entries())
        assert [(e.seq, e.actor) for e in entries] == [(1, "a"), (2, "b")]
        assert verify(s).ok


def test_naive_time_refused(session: Session) -> None:
    with pytest.raises(AuditError, match="timezone"):
        record(session, actor="pipeline", action="a.b", at=datetime(2026, 1, 1))


def test_a_batch_whose_entries_were_all_taken_back_lets_record_append(session: Session) -> None:
    """The pipeline takes back the entries of records a platform deletion overtook
    (``RecordProcessor._drop_deleted``); when none is left the flush writes nothing and
    must clear the "unwritten entries" mark, else every later ``record`` in the
    transaction failed (an edit of a stored post was quarantined)."""
    batch = AuditBatch(session)
    batch.add(actor="pipeline", action="interaction.stored", object_ids=["interaction-1"], at=T0)
    batch.pending = []  # as _drop_deleted does
    batch.flush()
    entry = record(session, actor="pipeline", action="interaction.deleted", at=T0)
    assert entry.seq == 1 and verify(session).ok

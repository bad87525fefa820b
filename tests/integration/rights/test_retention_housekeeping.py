"""The retention run beyond records: quarantined inputs (encrypted payloads) go after
``SPHERE_QUARANTINE_RETENTION_DAYS`` with their keys, and expired log-in credentials a
day after they expired. Both on SQLite and PostgreSQL, dry run first, then idempotent."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sphere.audit import latest, verify
from sphere.portal.links import create_login_link
from sphere.portal.sessions import open_portal_session
from sphere.rights.retention import run_retention
from sphere.storage.crypto import SubjectKeyDestroyed
from sphere.storage.portal_tables import PortalLoginLinkRow, PortalSessionRow
from sphere.storage.tables import QuarantineRow
from tests.factories import CRM_HEADER, crm_row
from tests.integration.rights.scenario import EMAIL, ingest, seed_customer


def _count(session, table) -> int:  # noqa: ANN001
    return int(session.scalar(select(func.count()).select_from(table)) or 0)


def test_quarantine_is_kept_for_review_then_deleted_with_its_key(rt, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "1", "content": "Hallo, ich bin lena@example.com"}\n{oops\n')
    ingest(rt, bad, "masto")
    with rt.session() as session:
        rows = session.scalars(select(QuarantineRow)).all()
        assert len(rows) == 2
        kept = {r.id: r.key_id for r in rows}
        sealed = [(r.key_id, r.payload_ciphertext) for r in rows if r.key_id]
        assert sealed  # the parseable line kept its (encrypted) payload
        for row in rows:  # the deadline is stored with the row
            assert row.retention_until == row.created_at + timedelta(days=30)
    rt.clock.advance(timedelta(days=29))
    with rt.session() as session:
        assert run_retention(session, rt.keyring, now=rt.clock.now(), actor="t").quarantine == 0
    rt.clock.advance(timedelta(days=2))
    with rt.session() as session:
        dry = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t", dry_run=True)
        assert dry.quarantine == 2 and sorted(dry.ids["quarantine"]) == sorted(kept)
        assert _count(session, QuarantineRow) == 2
        done = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
    assert done.quarantine == 2 and done.to_dict()["quarantine"] == 2
    with rt.session() as session:
        assert _count(session, QuarantineRow) == 0
        for key_id, ciphertext in sealed:  # a copy of the payload cannot be read any more
            with pytest.raises(SubjectKeyDestroyed):
                rt.keyring.decrypt_text(session, key_id, ciphertext)
        again = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
        assert again.quarantine == 0 and not again.removed_anything
        assert verify(session).ok
        entry = next(e for e in latest(session, limit=5) if e.action == "retention.run")
        assert entry.details["quarantine"] == 2


def test_quarantine_days_come_from_the_settings(settings, migrated_db_url, tmp_path) -> None:
    from tests.runtimes import SOURCES, runtime_for_tests

    short = settings.model_copy(update={"quarantine_retention_days": 3})
    with runtime_for_tests(short, migrated_db_url, sources=SOURCES[:1]) as rt:
        bad = tmp_path / "bad.jsonl"
        bad.write_text("{oops\n")
        ingest(rt, bad, "masto")
        with rt.session() as session:
            row = session.scalars(select(QuarantineRow)).one()
            assert row.retention_until == row.created_at + timedelta(days=3)


def test_expired_credentials_go_a_day_after_expiry(rt, tmp_path: Path) -> None:
    customer = seed_customer(rt, tmp_path)
    now = rt.clock.now()
    with rt.session() as session:
        link = create_login_link(session, rt.keyring, EMAIL, at=now, throttle_secret=b"k" * 32)
        assert link is not None
        open_portal_session(session, customer.contact_id, at=now, ttl=timedelta(minutes=30))
    rt.clock.advance(timedelta(hours=12))  # expired, but within the day of grace
    with rt.session() as session:
        early = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
        assert sum(early.credentials.values()) == 0
        assert _count(session, PortalLoginLinkRow) == _count(session, PortalSessionRow) == 1
    rt.clock.advance(timedelta(days=1))
    with rt.session() as session:
        dry = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t", dry_run=True)
        assert dry.credentials["portal_login_links"] == dry.credentials["portal_sessions"] == 1
        assert _count(session, PortalSessionRow) == 1
        done = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
    assert done.credentials["portal_login_links"] == done.credentials["portal_sessions"] == 1
    with rt.session() as session:
        assert _count(session, PortalLoginLinkRow) == _count(session, PortalSessionRow) == 0
        assert verify(session).ok


def _contact(rt, email: str):  # noqa: ANN001, ANN202
    from sphere.domain import IdentityKind
    from sphere.storage.repositories.contacts import ContactRepository

    with rt.session() as session:
        found = ContactRepository(session, rt.keyring).find_by_identity(IdentityKind.EMAIL, email)
        return found


def test_imported_contacts_have_a_deadline_that_re_import_extends(rt, tmp_path: Path) -> None:
    seed_customer(rt, tmp_path)
    imported_at = rt.clock.now()
    max_ = _contact(rt, "max.muster@example.org")
    assert max_.retention_until == imported_at + timedelta(days=1095)  # service provision
    rt.clock.advance(timedelta(days=400))
    again = tmp_path / "crm-2027.csv"  # a later export sends Max again: still a customer
    again.write_text(
        CRM_HEADER + crm_row("K-1002", "max.muster@example.org", mastodon="max_m"),
        encoding="utf-8",
    )
    ingest(rt, again, "crm")
    assert _contact(rt, "max.muster@example.org").retention_until == rt.clock.now() + timedelta(
        days=1095
    )


def test_contacts_past_their_deadline_go_when_nothing_keeps_them(rt, tmp_path: Path) -> None:
    from sphere.rights.requests import RequestType, open_request

    customer = seed_customer(rt, tmp_path)  # Lena consented to the newsletter; Max did not
    max_id = _contact(rt, "max.muster@example.org").id
    rt.clock.advance(timedelta(days=1096))
    with rt.session() as session:  # their posts are past their own, shorter deadlines
        first = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
    assert first.interactions >= 3
    assert first.contacts == 0  # they still held records when the run began
    with rt.session() as session:
        open_request(session, rt.keyring, max_id, RequestType.ACCESS, at=rt.clock.now(), actor="t")
        held = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t", dry_run=True)
    assert held.contacts == 0 and held.contacts_consenting == 1  # Max: open request; Lena
    with rt.session() as session:
        from sphere.storage.rights_tables import DsrRequestRow

        session.query(DsrRequestRow).update({"state": "completed"})
    with rt.session() as session:
        dry = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t", dry_run=True)
        assert dry.contacts == 1 and dry.contacts_consenting == 1
        done = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
    assert done.contacts == 1
    assert _contact(rt, "max.muster@example.org") is None  # erased: not findable any more
    with rt.session() as session:
        from sphere.storage.repositories.contacts import ContactRepository

        contacts = ContactRepository(session, rt.keyring)
        assert contacts.get(max_id).erased_at is not None
        assert contacts.get(customer.contact_id).erased_at is None  # kept by her consent
        again = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
        assert again.contacts == 0 and again.contacts_consenting == 1
        assert verify(session).ok
        summary = next(e for e in latest(session, limit=30) if e.action == "retention.run")
        assert summary.details["contacts"] == 1


def test_portal_credentials_go_with_an_erasure_not_a_day_later(rt, tmp_path: Path) -> None:
    """Issue 18: log-in link rows outlived an erasure until the retention run, a day after
    they expired (a record of when the erased person logged in)."""
    from sphere.domain import Channel
    from sphere.portal.handle_login import start_handle_challenge
    from sphere.rights.erasure import erase_contact
    from sphere.storage.portal_tables import PortalHandleChallengeRow

    customer = seed_customer(rt, tmp_path)
    now = rt.clock.now()
    with rt.session() as session:
        assert create_login_link(session, rt.keyring, EMAIL, at=now, throttle_secret=b"k" * 32)
        create_login_link(session, rt.keyring, EMAIL, at=now, throttle_secret=b"k" * 32)
        open_portal_session(session, customer.contact_id, at=now, ttl=timedelta(minutes=30))
        start_handle_challenge(
            session, rt.keyring, Channel.MASTODON, "@nobody", at=now, throttle_secret=b"k" * 32
        )
    with rt.session() as session:
        result = erase_contact(session, rt.keyring, customer.contact_id, at=now, actor="dpo")
        assert result.counts["portal_credentials"] == 3
    with rt.session() as session:
        assert _count(session, PortalLoginLinkRow) == _count(session, PortalSessionRow) == 0
        assert _count(session, PortalHandleChallengeRow) == 1  # someone else's (no contact)
        assert verify(session).ok


def test_stream_receipts_are_forgotten_after_their_retention(rt) -> None:  # noqa: ANN001
    from sphere.storage.intake_tables import STREAM_RECEIPT_RETENTION, StreamReceiptRow
    from sphere.storage.repositories.intake import StreamReceiptRepository

    old_at = rt.clock.now()
    with rt.session() as session:
        StreamReceiptRepository(session).add([("mastodon:" + "a" * 24, 1)], at=old_at)
    rt.clock.advance(STREAM_RECEIPT_RETENTION - timedelta(days=1))
    with rt.session() as session:
        StreamReceiptRepository(session).add([("mastodon:" + "b" * 24, 2)], at=rt.clock.now())
    rt.clock.advance(timedelta(days=2))  # the first is past its 30 days, the second not
    with rt.session() as session:
        dry = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t", dry_run=True)
        assert dry.credentials["stream_receipts"] == 1
        assert _count(session, StreamReceiptRow) == 2
        done = run_retention(session, rt.keyring, now=rt.clock.now(), actor="t")
        assert done.credentials["stream_receipts"] == 1
    with rt.session() as session:
        assert StreamReceiptRepository(session).seen(["mastodon:" + "a" * 24]) == set()
        assert StreamReceiptRepository(session).seen(["mastodon:" + "b" * 24]) == {
            "mastodon:" + "b" * 24
        }
        assert latest(session, limit=1)[0].action == "retention.run"
        assert verify(session).ok

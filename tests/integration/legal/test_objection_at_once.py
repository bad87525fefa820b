"""Issue 13, point 1: an objection from any channel takes effect at once for direct
marketing and the profiling behind it (GDPR Art. 21(2), (3), (5)) — no staff review."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from sphere.audit import verify
from sphere.consent.gpc import OPT_OUT_KEY
from sphere.consent.ledger import grant
from sphere.domain import Purpose
from sphere.marketing.campaigns import dry_run, run
from sphere.marketing.enrichment import enrich_contact
from sphere.marketing.opt_out import is_opt_out_reply
from sphere.portal.requests import open_own_request
from sphere.rights.requests import RequestState, RequestType, open_request
from sphere.runtime import Runtime
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.tables import AuditEntryRow
from tests.factories import mastodon_status, write_jsonl
from tests.integration.legal.conftest import newsletter_campaign
from tests.integration.rights.scenario import Customer, derive_profile, ingest


def _reached(rt: Runtime, name: str = "tele") -> set[str]:
    with rt.session() as session:
        report = dry_run(session, rt.keyring, rt.policy(), name, now=rt.clock.now(), actor="mkt")
        return {line.contact_id for line in report.reached}


def _object_in_portal(rt: Runtime, contact_id: str) -> None:
    with rt.session() as session:
        request = open_own_request(
            session, rt.keyring, contact_id, RequestType.OBJECTION, at=rt.clock.now()
        ).request
        assert request.state == RequestState.COMPLETED  # no staff step (Art. 21(3))
        assert request.verification_method == "portal_login_link"


def _object_by_staff(rt: Runtime, contact_id: str) -> None:
    with rt.session() as session:
        request = open_request(
            session,
            rt.keyring,
            contact_id,
            RequestType.OBJECTION,
            at=rt.clock.now(),
            actor="staff:dpo",
            channel="cli",
        )
        assert request.state == RequestState.COMPLETED


def _object_by_reply(rt: Runtime, contact_id: str, tmp_path: Path) -> None:
    reply = write_jsonl(
        tmp_path / "stop.jsonl", [mastodon_status("90", "STOP", mention_company=True)]
    )
    ingest(rt, reply, "masto")


def _object_by_gpc(rt: Runtime, contact_id: str, tmp_path: Path) -> None:
    with rt.session() as session:
        grant(session, contact_id, Purpose.WEB_ANALYTICS, channel="web", at=rt.clock.now(),
              actor="test")  # fmt: skip
    event = (
        '{"event_id": "w-gpc", "timestamp": "2026-05-30T10:00:00Z", "customer_number": '
        '"K-1001", "url": "https://optiklinse.example/tele-70-200", "Sec-GPC": "1"}'
    )
    ingest(rt, write_jsonl(tmp_path / "web.jsonl", [event]), "web")


CHANNELS = {
    "portal": lambda rt, cid, tmp: _object_in_portal(rt, cid),
    "staff-cli-api": lambda rt, cid, tmp: _object_by_staff(rt, cid),
    "reply-stop": _object_by_reply,
    "gpc-event": _object_by_gpc,
}


@pytest.mark.parametrize("channel", list(CHANNELS))
def test_objection_excludes_at_once_from_dry_run_and_send(
    rt: Runtime, lena: Customer, smtp, tmp_path: Path, channel: str
) -> None:
    transport, inbox = smtp
    newsletter_campaign(rt)
    assert lena.contact_id in _reached(rt)  # the CRM newsletter tick: reached before
    _consent, interest, score = derive_profile(rt, lena)

    CHANNELS[channel](rt, lena.contact_id, tmp_path)

    with rt.session() as session:
        contact = ContactRepository(session, rt.keyring).get(lena.contact_id)
        assert contact.objected_marketing and contact.objected_profiling
        entry = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "subject.objected")
        ).one()
        assert {interest, score} <= set(entry.object_ids)  # derived data went with it
        # the send-time check of the dry run listed before the objection refuses her
        report = run(session, rt.keyring, rt.policy(), "tele", transport, now=rt.clock.now(),
                     actor="mkt")  # fmt: skip
    line = next(x for x in report.lines if x.contact_id == lena.contact_id)
    assert (line.status, line.code) == ("refused", "objection.derived-denied")
    assert "objected" in line.reason
    assert inbox.messages == []
    # …and the next campaign's dry run does not list her either
    newsletter_campaign(rt, "tele-2")
    assert lena.contact_id not in _reached(rt, "tele-2")
    with rt.session() as session:
        assert verify(session).ok


def test_gpc_event_is_stored_but_never_feeds_profiling(
    rt: Runtime, lena: Customer, tmp_path: Path
) -> None:
    with rt.session() as session:
        grant(session, lena.contact_id, Purpose.PROFILING, channel="portal", at=rt.clock.now(),
              actor="test")  # fmt: skip
    _object_by_gpc(rt, lena.contact_id, tmp_path)
    with rt.session() as session:
        (event,) = EventRepository(session, rt.keyring).list_for_contact(lena.contact_id)
        assert event.payload is not None and event.payload[OPT_OUT_KEY] == "gpc"
        result = enrich_contact(
            session, rt.keyring, rt.policy(), lena.contact_id, now=rt.clock.now(), actor="mkt"
        )
    assert result.stored == ()
    assert result.refusal is not None and result.refusal.code == "objection.derived-denied"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("STOP", True),
        ("@optiklinse stop!", True),
        ("Abmelden bitte", True),
        ("unsubscribe", True),
        ("Keine Werbung.", True),
        ("the autofocus won't stop hunting", False),  # "stop" inside a sentence
        ("Stoppuhr-Funktion fehlt", False),  # a word that starts with the keyword
        ("Wie kann ich mich für den Newsletter anmelden?", False),  # the opposite
    ],
    ids=[
        "stop",
        "mention-stop",
        "abmelden-bitte",
        "unsubscribe",
        "keine-werbung",
        "in-sentence",
        "compound",
        "anmelden",
    ],  # fmt: skip
)
def test_opt_out_keyword(text: str, expected: bool) -> None:
    assert is_opt_out_reply(text) is expected

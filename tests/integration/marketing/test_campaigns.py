"""Campaigns end to end: a real SMTP server (aiosmtpd) and a real HTTP server on loopback.

The promise under test: no message reaches anyone without a valid basis — including when
consent is withdrawn between dry run and run, when a contact objects mid-campaign, and
when the audience changes after the dry run.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from sphere.audit import verify
from sphere.consent.ledger import grant, withdraw
from sphere.domain import Purpose
from sphere.errors import InvalidInput
from sphere.marketing.campaigns import create_campaign, dry_run, run
from sphere.marketing.dry_run import judge_audience, store_judged
from sphere.marketing.measures import approve, submit
from sphere.marketing.transport.smtp import SmtpTransport
from sphere.marketing.transport.webhook import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    WebhookTransport,
    verify_signature,
)
from sphere.rights.erasure import erase_contact
from sphere.runtime import Runtime
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.marketing import MarketingRepository
from sphere.storage.tables import AuditEntryRow
from tests.integration.marketing.conftest import NOW, Hook, seed_contact
from tests.smtp import Inbox, loopback_smtp

NEWSLETTER = {
    "name": "spring newsletter",
    "kind": "campaign",
    "purpose": "direct_marketing",
    "channel": "email",
    "data_items": [
        {
            "category": "contact_data",
            "collection": "manual",
            "visibility": "company_direct",
            "addressing": "direct",
            "label": "e-mail address",
        }
    ],
}
OFFER = {"subject": "Frühlingsangebot", "body": "20 % auf das Tele 70-200 bis Ende Juni."}


@pytest.fixture
def smtp_server() -> Iterator[tuple[int, Inbox]]:
    with loopback_smtp() as (inbox, port):
        yield port, inbox


def _smtp(port: int) -> SmtpTransport:
    return SmtpTransport("127.0.0.1", port, sender="angebote@example.com")


def _approved_measure(rt: Runtime, spec: dict | None = None) -> None:
    with rt.session() as session:
        record, _ = submit(
            session, rt.keyring, rt.policy(), spec or NEWSLETTER, actor="mkt", now=NOW
        )
        if record.state == "submitted":
            approve(
                session,
                rt.policy(),
                record.name,
                actor="dpo",
                reason="balancing test on file",
                now=NOW,
            )


def test_campaign_reaches_only_people_with_a_basis_at_send_time(
    rt: Runtime, smtp_server: tuple[int, Inbox]
) -> None:
    port, inbox = smtp_server
    anna = seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    ben = seed_contact(rt, email="ben.muster@example.org", consents=[Purpose.DIRECT_MARKETING])
    carla = seed_contact(rt, email="carla.probe@example.net", consents=[Purpose.DIRECT_MARKETING])
    dora = seed_contact(rt, email="dora.test@example.com")  # never consented
    emil = seed_contact(rt, consents=[Purpose.DIRECT_MARKETING])  # no e-mail address given
    _approved_measure(rt)
    with rt.session() as session:
        create_campaign(
            session,
            {"name": "tele", "measure": "spring newsletter", "offer": OFFER},
            actor="mkt",
            now=NOW,
        )
        report = dry_run(session, rt.keyring, rt.policy(), "tele", now=NOW, actor="mkt")
    assert {line.contact_id for line in report.reached} == {anna, ben, carla}
    reasons = {line.contact_id: line.code for line in report.not_reached}
    assert reasons == {dora: "consent.missing", emil: "channel.never-used"}
    assert inbox.messages == []  # a dry run sends nothing

    # between dry run and run: Ben withdraws, Carla objects, Felix joins with consent
    with rt.session() as session:
        withdraw(
            session,
            rt.keyring,
            ben,
            Purpose.DIRECT_MARKETING,
            channel="web",
            at=NOW,
            actor="subject",
        )
        ContactRepository(session, rt.keyring).set_flags(carla, objected_marketing=True)
    felix = seed_contact(rt, email="felix.neu@example.org", consents=[Purpose.DIRECT_MARKETING])
    rt.clock.advance(timedelta(minutes=30))  # type: ignore[attr-defined]

    with rt.session() as session:
        result = run(
            session,
            rt.keyring,
            rt.policy(),
            "tele",
            _smtp(port),
            now=rt.clock.now(),
            actor="mkt",
        )
    status = {line.contact_id: (line.status, line.code) for line in result.lines}
    assert status[anna] == ("sent", "allowed")
    assert status[ben] == ("refused", "consent.withdrawn-denied")
    assert status[carla] == ("refused", "objection.derived-denied")
    assert status[felix] == ("refused", "audience.changed-after-dry-run")
    assert dora not in status or status[dora][0] == "refused"

    # the SMTP server received exactly one message, for Anna, with the objection notice
    time.sleep(0.2)
    assert [m["To"] for m in inbox.messages] == ["anna.beispiel@example.com"]
    body = inbox.messages[0].get_payload(decode=True).decode()
    assert "widersprechen" in body and "Tele 70-200" in body
    with rt.session() as session:
        sends = MarketingRepository(session).sends()
        sent = [s for s in sends if s.status == "sent"]
        assert [(s.contact_id, s.legal_basis) for s in sent] == [(anna, "art6_1_a")]
        assert all(s.decision_id for s in sends)
        actions = session.scalars(select(AuditEntryRow.action)).all()
        assert actions.count("campaign.send-sent") == 1
        assert actions.count("campaign.send-refused") >= 3
        assert verify(session).ok


def test_frequency_cap_and_quiet_hours(rt: Runtime, smtp_server: tuple[int, Inbox]) -> None:
    port, inbox = smtp_server
    anna = seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    _approved_measure(rt)
    with rt.session() as session:
        for n in range(2):
            create_campaign(
                session,
                {"name": f"c{n}", "measure": "spring newsletter", "offer": OFFER, "max_sends": 1},
                actor="mkt",
                now=NOW,
            )
            dry_run(session, rt.keyring, rt.policy(), f"c{n}", now=NOW, actor="mkt")
        first = run(session, rt.keyring, rt.policy(), "c0", _smtp(port), now=NOW, actor="mkt")
        second = run(session, rt.keyring, rt.policy(), "c1", _smtp(port), now=NOW, actor="mkt")
    assert first.lines[0].status == "sent"
    assert (second.lines[0].status, second.lines[0].code) == ("refused", "frequency.cap")

    rt.clock.current = NOW.replace(hour=21, minute=30)  # type: ignore[attr-defined]  # 23:30 Berlin
    with rt.session() as session:
        create_campaign(
            session,
            {"name": "night", "measure": "spring newsletter", "offer": OFFER},
            actor="mkt",
            now=rt.clock.now(),
        )
        dry_run(session, rt.keyring, rt.policy(), "night", now=rt.clock.now(), actor="mkt")
        night = run(
            session,
            rt.keyring,
            rt.policy(),
            "night",
            _smtp(port),
            now=rt.clock.now(),
            actor="mkt",
        )
    line = night.lines[0]
    assert (line.contact_id, line.status, line.code) == (anna, "refused", "quiet-hours")
    assert line.retry_at is not None and line.retry_at.hour == 6  # 08:00 Berlin (CEST)
    time.sleep(0.2)
    assert len(inbox.messages) == 1


@pytest.mark.parametrize(
    ("change", "code"),
    [
        (
            {
                "measure_spec": {
                    **NEWSLETTER,
                    "name": "sick",
                    "data_items": [{"category": "special_category"}],
                }
            },
            None,
        ),
        ({"segment": ("loyal-care", "enrichment")}, "purpose.mismatch"),
        ({"channel": "sms"}, "channel.not-approved"),
    ],
    ids=["special-category--art9-1", "purpose-mismatch--art5-1-b", "other-channel--art5-1-b"],
)
def test_bad_campaigns_are_refused_with_reason_and_audited(
    rt: Runtime, change: dict, code: str | None
) -> None:
    from sphere.marketing.profiles import define_segment

    seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    if "measure_spec" in change:
        # a measure that uses special categories for marketing never gets approved
        with rt.session() as session:
            record, result = submit(
                session, rt.keyring, rt.policy(), change["measure_spec"], actor="mkt", now=NOW
            )
        assert record.state == "rejected" and result.verdict.value == "must_not_run"
        with rt.session() as session:
            refused = create_campaign(
                session, {"name": "x", "measure": "sick", "offer": OFFER}, actor="mkt", now=NOW
            )
        assert refused.refusal["code"] == "measure.not-approved"
        return
    _approved_measure(rt)
    data = {"name": "x", "measure": "spring newsletter", "offer": OFFER}
    with rt.session() as session:
        if "segment" in change:
            name, purpose = change["segment"]
            define_segment(
                session,
                name,
                {"attr": "interest", "exists": True},
                purpose=Purpose(purpose),
                actor="m",
                now=NOW,
            )
            data["segment"] = name
        else:
            data["channel"] = change["channel"]
        record = create_campaign(session, data, actor="mkt", now=NOW)
    assert record.state == "refused" and record.refusal["code"] == code
    with rt.session() as session:
        assert "campaign.refused" in session.scalars(select(AuditEntryRow.action)).all()
        with pytest.raises(InvalidInput, match="was refused"):
            dry_run(session, rt.keyring, rt.policy(), "x", now=NOW, actor="mkt")


def test_run_needs_a_dry_run(rt: Runtime) -> None:
    seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    _approved_measure(rt)
    with rt.session() as session:
        create_campaign(
            session,
            {"name": "x", "measure": "spring newsletter", "offer": OFFER},
            actor="m",
            now=NOW,
        )
        with pytest.raises(InvalidInput, match="dry run"):
            run(session, rt.keyring, rt.policy(), "x", _smtp_dummy(), now=NOW, actor="m")


def _smtp_dummy() -> SmtpTransport:
    return SmtpTransport("127.0.0.1", 9, sender="angebote@example.com")


def test_signed_webhook_campaign(rt: Runtime, hook_server: tuple[str, type[Hook]]) -> None:
    url, handler = hook_server
    secret = b"a-test-secret-of-32-bytes-length"
    crm_sync = {**NEWSLETTER, "name": "crm sync", "channel": "webhook", "kind": "lead_generation"}
    anna = seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    seed_contact(rt, email="ben.muster@example.org")  # no consent: never handed over
    _approved_measure(rt, crm_sync)
    with rt.session() as session:
        create_campaign(
            session, {"name": "hook", "measure": "crm sync", "offer": OFFER}, actor="m", now=NOW
        )
        dry_run(session, rt.keyring, rt.policy(), "hook", now=NOW, actor="m")
        report = run(
            session,
            rt.keyring,
            rt.policy(),
            "hook",
            WebhookTransport(url, secret),
            now=NOW,
            actor="m",
        )
    assert [line.contact_id for line in report.lines if line.status == "sent"] == [anna]
    assert len(handler.received) == 1
    headers, body = handler.received[0]
    document = json.loads(body)
    assert document["contact_id"] == anna and document["legal_basis"] == "art6_1_a"
    assert "@" not in body.decode()  # no address leaves through the webhook
    assert verify_signature(
        secret, headers[TIMESTAMP_HEADER], body, headers[SIGNATURE_HEADER], now=time.time()
    )
    assert not verify_signature(
        secret, headers[TIMESTAMP_HEADER], body + b" ", headers[SIGNATURE_HEADER], now=time.time()
    )
    assert not verify_signature(
        b"another-secret-of-enough-length",
        headers[TIMESTAMP_HEADER],
        body,
        headers[SIGNATURE_HEADER],
        now=time.time(),
    )


def test_consent_regranted_after_dry_run_is_still_checked(rt: Runtime, smtp_server) -> None:  # noqa: ANN001
    """A contact refused in the dry run (no consent) who consents before the run is not
    reached by this run: they were not in the dry run's list."""
    port, inbox = smtp_server
    anna = seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    dora = seed_contact(rt, email="dora.test@example.com")
    _approved_measure(rt)
    with rt.session() as session:
        create_campaign(
            session,
            {"name": "x", "measure": "spring newsletter", "offer": OFFER},
            actor="m",
            now=NOW,
        )
        dry_run(session, rt.keyring, rt.policy(), "x", now=NOW, actor="m")
        grant(session, dora, Purpose.DIRECT_MARKETING, channel="web", at=NOW, actor="subject")
        report = run(session, rt.keyring, rt.policy(), "x", _smtp(port), now=NOW, actor="m")
    status = {line.contact_id: (line.status, line.code) for line in report.lines}
    assert status == {
        anna: ("sent", "allowed"),
        dora: ("refused", "audience.changed-after-dry-run"),
    }
    time.sleep(0.2)
    assert [m["To"] for m in inbox.messages] == ["anna.beispiel@example.com"]


def _stored_lines(rt: Runtime, name: str) -> dict[str, tuple[bool, str]]:
    from sphere.storage.repositories.dry_runs import DryRunRepository

    with rt.session() as session:
        campaign = MarketingRepository(session).get_campaign(name)
        return {
            line.contact_id: (line.group.allowed, line.group.code)
            for line in DryRunRepository(session).stream(campaign.id)
        }


def test_repeated_dry_run_keeps_unchanged_lines_and_moves_changed_ones(rt: Runtime) -> None:
    """A dry run over the same audience rewrites only the lines that changed: after one
    contact consents, another withdraws and a third is added, the stored lines equal
    those of a dry run of a second campaign that never ran before (same measure)."""
    anna = seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    bert = seed_contact(rt, email="bert.muster@example.com", consents=[Purpose.DIRECT_MARKETING])
    dora = seed_contact(rt, email="dora.test@example.com")
    _approved_measure(rt)
    with rt.session() as session:
        for name in ("again", "fresh"):
            create_campaign(
                session,
                {"name": name, "measure": "spring newsletter", "offer": OFFER},
                actor="m",
                now=NOW,
            )
        dry_run(session, rt.keyring, rt.policy(), "again", now=NOW, actor="m")
    first = _stored_lines(rt, "again")
    assert first[anna] == first[bert] == (True, "allowed") and not first[dora][0]
    with rt.session() as session:
        grant(session, dora, Purpose.DIRECT_MARKETING, channel="web", at=NOW, actor="subject")
        withdraw(
            session, rt.keyring, bert, Purpose.DIRECT_MARKETING, channel="web", at=NOW, actor="s"
        )
    emil = seed_contact(rt, email="emil.probe@example.com", consents=[Purpose.DIRECT_MARKETING])
    later = NOW + timedelta(minutes=1)
    with rt.session() as session:
        again = dry_run(session, rt.keyring, rt.policy(), "again", now=later, actor="m")
        fresh = dry_run(session, rt.keyring, rt.policy(), "fresh", now=later, actor="m")
    lines = _stored_lines(rt, "again")
    assert lines == _stored_lines(rt, "fresh")
    assert lines[dora] == lines[emil] == (True, "allowed") and not lines[bert][0]
    assert (
        again.summary()["counts"]
        == fresh.summary()["counts"]
        == {"reached": 3, "not_reached": 1, "eligible": 3, "held": 0, "held_until": None}
    )


def test_a_dry_run_read_and_stored_apart_leaves_out_who_was_erased_meanwhile(
    rt: Runtime,
) -> None:
    """The dry-run job on SQLite judges in a read-only unit of work and stores in a
    short writing one (``sphere.jobs.kinds.dry_run``): a contact erased in between gets
    no line; the stored dry run is audited with the verdicts it stores."""
    anna = seed_contact(rt, email="anna.beispiel@example.com", consents=[Purpose.DIRECT_MARKETING])
    ben = seed_contact(rt, email="ben.muster@example.org", consents=[Purpose.DIRECT_MARKETING])
    dora = seed_contact(rt, email="dora.test@example.com")  # never consented
    _approved_measure(rt)
    with rt.session() as session:
        create_campaign(
            session, {"name": "tele", "measure": "spring newsletter", "offer": OFFER},
            actor="mkt", now=NOW,
        )  # fmt: skip
    with rt.session() as session:
        judged = judge_audience(session, rt.policy(), "tele", now=NOW)
    assert sorted(c for c, _ in judged.members) == sorted([anna, ben, dora])
    with rt.session() as session:
        erase_contact(session, rt.keyring, ben, at=NOW, actor="dpo")
    with rt.session() as session:
        report = store_judged(session, "tele", judged, now=NOW, actor="mkt")
    assert [line.contact_id for line in report.reached] == [anna]
    assert [(line.contact_id, line.code) for line in report.not_reached] == [
        (dora, "consent.missing")
    ]
    with rt.session() as session:
        entry = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "campaign.dry-run")
        ).one()
        assert MarketingRepository(session).get_campaign("tele").state == "dry_run"
    assert (entry.details["reached"], entry.details["not_reached"]) == (1, 1)
    assert report.reached_count == 1, "the groups count who is left"

"""Issue 13, point 6: a campaign send carries the Art. 14 information to people who have
not received it, or holds them; the dry run says which (GDPR Art. 14(3)(b))."""

from __future__ import annotations

from sqlalchemy import select

from sphere.dsr.notice import Party
from sphere.marketing.campaigns import dry_run, run
from sphere.rights.notices import NoticeParties
from sphere.runtime import Runtime
from sphere.storage.repositories.marketing import MarketingRepository
from sphere.storage.tables import AuditEntryRow
from tests.integration.legal.conftest import OFFER, newsletter_campaign
from tests.integration.rights.scenario import Customer

PARTIES = NoticeParties(
    Party("Optiklinse GmbH", "datenschutz@optiklinse.example"),
    Party("Berliner Beauftragte für Datenschutz", "https://www.datenschutz-berlin.example"),
)


def _campaign(rt: Runtime, name: str, art14: str) -> None:
    from sphere.marketing.campaigns import create_campaign

    newsletter_campaign(rt, f"{name}-seed")  # the measure, approved once
    with rt.session() as session:
        create_campaign(session, {"name": name, "measure": "spring newsletter", "offer": OFFER,
                                  "art14": art14}, actor="mkt", now=rt.clock.now())  # fmt: skip


def test_hold_is_the_default_and_the_dry_run_says_so(rt: Runtime, lena: Customer, smtp) -> None:
    transport, inbox = smtp
    _campaign(rt, "held", "hold")
    with rt.session() as session:
        report = dry_run(session, rt.keyring, rt.policy(), "held", now=rt.clock.now(), actor="m")
        line = next(x for x in report.lines if x.contact_id == lena.contact_id)
        assert (line.allowed, line.code) == (False, "art14.held")
        assert "Art. 14" in line.reason and line.article == "GDPR Art. 14(3)(b)"
        sent = run(session, rt.keyring, rt.policy(), "held", transport, now=rt.clock.now(),
                   actor="mkt", notice_parties=PARTIES)  # fmt: skip
    assert next(x for x in sent.lines if x.contact_id == lena.contact_id).code == "art14.held"
    assert inbox.messages == []


def test_attach_carries_the_notice_and_records_it(rt: Runtime, lena: Customer, smtp) -> None:
    transport, inbox = smtp
    _campaign(rt, "carry", "attach")
    _campaign(rt, "carry-no-parties", "attach")
    with rt.session() as session:
        report = dry_run(session, rt.keyring, rt.policy(), "carry", now=rt.clock.now(), actor="m")
        line = next(x for x in report.lines if x.contact_id == lena.contact_id)
        assert line.allowed and "carries the Art. 14 information" in line.reason
        # without the controller's details the run cannot carry it: held
        dry_run(session, rt.keyring, rt.policy(), "carry-no-parties", now=rt.clock.now(),
                actor="m")  # fmt: skip
        bare = run(session, rt.keyring, rt.policy(), "carry-no-parties", transport,
                   now=rt.clock.now(), actor="mkt")  # fmt: skip
        assert next(x for x in bare.lines if x.contact_id == lena.contact_id).code == "art14.held"
        sent = run(session, rt.keyring, rt.policy(), "carry", transport, now=rt.clock.now(),
                   actor="mkt", notice_parties=PARTIES)  # fmt: skip
        assert next(x for x in sent.lines if x.contact_id == lena.contact_id).status == "sent"
        assert not MarketingRepository(session).notice_due(lena.contact_id)
        given = session.scalars(
            select(AuditEntryRow).where(AuditEntryRow.action == "notice.sent")
        ).one()
        assert given.subject_id == lena.contact_id and given.details["via"] == "campaign"
    (message,) = inbox.messages
    body = message.get_payload(decode=True).decode("utf-8")
    assert "20 % auf das Tele 70-200" in body and "Optiklinse GmbH" in body
    assert "Art. 14" in body or "ART. 14" in body

    # informed now: the next campaign that holds reaches her
    _campaign(rt, "later", "hold")
    with rt.session() as session:
        later = dry_run(session, rt.keyring, rt.policy(), "later", now=rt.clock.now(), actor="m")
    assert lena.contact_id in {x.contact_id for x in later.reached}

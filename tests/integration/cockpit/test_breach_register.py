"""The breach register on SQLite and PostgreSQL: recording with bad input refused by
field and nothing saved, the people and records computed set-based from the stores,
assessment rules of Art. 33(1) and 34(1), the 72-hour clock with a frozen clock, drafts
in German and English, the audit trail (Art. 33(5)), and the portal's view (Art. 34)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sphere.domain.breach import ClockState
from sphere.domain.controller import ContactPoint, ControllerProfile
from sphere.governance.breach import (
    Assessment,
    BreachDraft,
    BreachInputError,
    assess_breach,
    breaches_told_to,
    clock_of,
    close_breach,
    notify_authority,
    notify_subjects,
    record_breach,
)
from sphere.governance.breach_texts import authority_notification, subject_message
from sphere.i18n import translator
from sphere.runtime import Runtime
from sphere.storage.breach_tables import BreachRow
from sphere.storage.tables import AuditEntryRow, ContactRow, InteractionRow

CONTROLLER = ControllerProfile(
    name="Optiklinse GmbH", address="Optikerweg 7, 80999 München",
    dpo=ContactPoint(name="Dr. Henrike Vogt", email="datenschutz@optiklinse.example"),
    supervisory_authority=ContactPoint(name="BayLDA", address="Promenade 18, 91522 Ansbach"),
)  # fmt: skip


def _draft(rt: Runtime, **changes: object) -> BreachDraft:
    now = rt.clock.now()
    values: dict[str, object] = {
        "title": "Export of the service inbox on a public share",
        "description": "A service export with customer posts was reachable by link for 3 days.",
        "started_at": now - timedelta(days=3),
        "discovered_at": now - timedelta(hours=2),
        "systems": ("interactions", "contacts"),
        "sources": ("masto",),
    }
    values.update(changes)
    return BreachDraft(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"discovered_at": None}, "discovered_at"),
        ({"systems": ()}, "systems"),
        ({"systems": ("mainframe",)}, "systems"),
        ({"title": "  "}, "title"),
        ({"sources": ("nowhere",)}, "sources"),
        ({"data_categories": ("gossip",)}, "data_categories"),
        ({"kinds": ()}, "kinds"),
    ],
    ids=["no-awareness", "no-systems", "unknown-system", "no-title", "unknown-source",
         "unknown-category", "no-kind"],
)  # fmt: skip
def test_bad_input_names_the_field_and_saves_nothing(
    seeded: Runtime, changes: dict[str, object], field: str
) -> None:
    with seeded.session() as session, pytest.raises(BreachInputError) as caught:
        record_breach(session, _draft(seeded, **changes), actor="dpo:t", at=seeded.clock.now())
    assert caught.value.field == field and str(caught.value).startswith(f"{field}: ")
    with seeded.session() as session:
        assert session.scalar(select(func.count()).select_from(BreachRow)) == 0


def test_discovered_before_started_is_refused(seeded: Runtime) -> None:
    now = seeded.clock.now()
    draft = _draft(
        seeded, started_at=now - timedelta(hours=1), discovered_at=now - timedelta(hours=5)
    )
    with seeded.session() as session, pytest.raises(BreachInputError) as caught:
        record_breach(session, draft, actor="dpo:t", at=now)
    assert str(caught.value) == (
        "discovered_at: before started_at: a breach is discovered after it began"
    )


def test_breach_flow(seeded: Runtime) -> None:
    clock = seeded.clock
    with seeded.session() as session:
        breach = record_breach(session, _draft(seeded), actor="dpo:t", at=clock.now())
        linked = session.scalar(select(func.count(func.distinct(InteractionRow.contact_id)))
                                .where(InteractionRow.source_name == "masto"))  # fmt: skip
    assert breach.reference.startswith("BR-2026-")
    # the customer (posts and identity) is concerned; the stranger only by pseudonym
    assert breach.affected_subjects >= linked >= 1
    assert breach.affected_records >= 2
    assert breach.affected_detail["by_store"]["interactions"] >= 2
    with seeded.session() as session:
        assert clock_of(breach, now=clock.now()).state is ClockState.RUNNING
        with pytest.raises(BreachInputError) as caught:  # Art. 33(1): a risk is notified
            assess_breach(
                session,
                breach.id,
                Assessment(
                    "risk",
                    "Posts with names were readable.",
                    "Unwanted contact, embarrassment.",
                    "Link removed, share audited.",
                    notify_authority=False,
                    authority_reason="We think nothing happened.",
                ),
                actor="dpo:t",
                at=clock.now(),
            )
        assert caught.value.field == "notify_authority"
        with pytest.raises(BreachInputError) as caught:  # Art. 34(1): high risk → people
            assess_breach(session, breach.id, Assessment(
                "high", "Posts with names were readable.", "Unwanted contact, embarrassment.",
                "Link removed, share audited.", notify_authority=True), actor="dpo:t",
                at=clock.now())  # fmt: skip
        assert caught.value.field == "subjects_reason"
    clock.advance(timedelta(hours=47))  # due soon from hour 48 after awareness (2 h ago)
    with seeded.session() as session:
        assessed = assess_breach(session, breach.id, Assessment(
            "high", "Posts with names and handles were readable by anyone with the link.",
            "Unwanted contact, phishing in the customer's name.",
            "Link removed at once; share audited; customers warned about phishing.",
            notify_authority=True, notify_subjects=True),
            actor="dpo:t", at=clock.now())  # fmt: skip
        assert clock_of(assessed, now=clock.now()).state is ClockState.DUE_SOON
    clock.advance(timedelta(hours=24))  # 73 hours after awareness
    with seeded.session() as session:
        assert clock_of(assessed, now=clock.now()).state is ClockState.OVERDUE
        with pytest.raises(BreachInputError) as caught:
            notify_authority(session, breach.id, actor="dpo:t", at=clock.now())
        assert caught.value.field == "delay_reason"
    with seeded.session() as session:
        notified = notify_authority(session, breach.id, authority_reference="LDA-1-2026",
                                    delay_reason="The extent was known only after the share log "
                                    "was restored.", actor="dpo:t", at=clock.now())  # fmt: skip
        assert clock_of(notified, now=clock.now()).late
        with pytest.raises(BreachInputError):  # the people are not told yet
            close_breach(session, breach.id, actor="dpo:t", at=clock.now())
        contact = session.scalar(select(ContactRow.id).join(
            InteractionRow, InteractionRow.contact_id == ContactRow.id
        ).where(InteractionRow.source_name == "masto").limit(1))  # fmt: skip
        assert breaches_told_to(session, contact) == []
        notify_subjects(session, breach.id, actor="dpo:t", at=clock.now())
        assert [b.reference for b in breaches_told_to(session, contact)] == [breach.reference]
        closed = close_breach(session, breach.id, actor="dpo:t", at=clock.now())
        assert closed.closed_at is not None
        actions = list(session.scalars(select(AuditEntryRow.action)
                                       .where(AuditEntryRow.action.like("breach.%"))
                                       .order_by(AuditEntryRow.seq)))  # fmt: skip
    assert actions == ["breach.recorded", "breach.assessed", "breach.authority-notified",
                       "breach.subjects-notified", "breach.closed"]  # fmt: skip

    german = authority_notification(closed, CONTROLLER, translator("de")).text
    assert "Meldung einer Verletzung des Schutzes personenbezogener Daten" in german
    assert "Art. 33 DSGVO" in german and "Dr. Henrike Vogt" in german and "BayLDA" in german
    assert "Gründe für die Verzögerung" in german
    english = subject_message(closed, CONTROLLER, translator("en")).text
    assert "What this can mean for you" in english and "phishing" in english

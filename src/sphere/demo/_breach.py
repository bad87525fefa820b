"""The demo company's one recorded breach (GDPR Art. 33, 34), through the same services
the cockpit uses: a service export shared by link, assessed as a high risk, notified to
the BayLDA within 72 hours and told to the customers concerned (their portal shows it).
Texts in German, as the company's DPO wrote them; no personal data in them."""

from __future__ import annotations

from datetime import timedelta

from sphere.governance.breach import (
    Assessment,
    BreachDraft,
    assess_breach,
    list_breaches,
    notify_authority,
    notify_subjects,
    record_breach,
)
from sphere.runtime import Runtime

TITLE = "Export des Service-Postfachs per Freigabelink erreichbar"


def record_demo_breach(rt: Runtime) -> str | None:
    """Record the breach once (a rerun of the demo finds it); returns its reference."""
    now = rt.clock.now()
    with rt.session() as session:
        if any(b.title == TITLE for b in list_breaches(session)):
            return None
        draft = BreachDraft(
            title=TITLE,
            description=(
                "Ein Export der Mastodon-Servicekonversationen (Beiträge und Konten der "
                "Kundinnen und Kunden) lag für eine Auswertung in einem Cloud-Ordner, dessen "
                "Freigabelink versehentlich ohne Passwort und ohne Ablaufdatum erstellt "
                "wurde. Der Link war gut zwei Tage erreichbar; ein Zugriff durch Dritte "
                "lässt sich nach dem Zugriffsprotokoll nicht ausschließen."
            ),
            kinds=("confidentiality",),
            started_at=now - timedelta(days=3),
            discovered_at=now - timedelta(hours=30),
            ended_at=now - timedelta(hours=29),
            systems=("interactions", "contacts"),
            sources=("mastodon",),
            # The demo stores its records when it runs, after the breach "ended": count
            # what is held now (a real breach counts what was stored up to its end).
            records_to=now,
        )
        breach = record_breach(session, draft, actor="demo", at=now)
        assess_breach(
            session,
            breach.id,
            Assessment(
                risk="high",
                risk_reasons=(
                    "Beiträge mit Namen, Kontonamen und teils Bestell- und Reklamationsangaben "
                    "waren für jeden mit dem Link lesbar; die Daten lassen sich mit den "
                    "öffentlichen Profilen verknüpfen."
                ),
                consequences=(
                    "Gezielte Phishing-Nachrichten im Namen von Optiklinse, unerwünschte "
                    "Kontaktaufnahme, Bloßstellung durch Reklamationsinhalte."
                ),
                measures=(
                    "Link sofort gelöscht, Export vernichtet, Freigaben im Cloud-Speicher auf "
                    "Passwort und Ablaufdatum umgestellt, Schulung des Service-Teams. "
                    "Optiklinse fragt nie per Direktnachricht nach Passwörtern oder "
                    "Zahlungsdaten: Bitte melden Sie solche Nachrichten an "
                    "datenschutz@optiklinse.example."
                ),
                notify_authority=True,
                notify_subjects=True,
            ),
            actor="demo",
            at=now,
        )
        notify_authority(
            session, breach.id, authority_reference="LDA-1085.1-2026-0417", actor="demo", at=now
        )
        notify_subjects(session, breach.id, actor="demo", at=now)
        return breach.reference

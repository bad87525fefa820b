"""The demo company's declared technical and organisational measures (GDPR Art. 32):
what Sphere cannot see for itself — backups kept in a second data centre and their
restore drill, physical access, TLS at the reverse proxy, training, access reviews,
patching and the breach plan — each with the function that owns it and the date of its
next review, and the first full verification of the audit chain, as the DPO would run
it from the cockpit. Texts in German, as the company's DPO wrote them; fictional."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sphere.governance.toms import MeasureDraft, declare_measure, list_declared, review_measure
from sphere.jobs.runner import submit_and_wait
from sphere.runtime import Runtime

# (draft without its review date, days until the next review, reviewed once already)
MEASURES: tuple[tuple[MeasureDraft, int, bool], ...] = (
    (MeasureDraft(
        title="Tägliche Sicherung in ein zweites Rechenzentrum", kind="technical",
        goal="availability", owner="IT-Betrieb", review_due=None,
        description="„sphere db backup“ nach jedem Löschlauf, mindestens täglich; Datendatei "
        "und Schlüsseldatei getrennt in einem zweiten Rechenzentrum (Frankfurt), 30 Tage "
        "vorgehalten.",
    ), 120, True),
    (MeasureDraft(
        title="Wiederherstellungsprobe aus der Sicherung", kind="organisational",
        goal="testing", owner="IT-Betrieb", review_due=None,
        description="Vierteljährlich wird eine Sicherung in eine Testumgebung eingespielt; "
        "Dauer und Ergebnis werden protokolliert (Ziel: unter vier Stunden).",
    ), 75, False),
    (MeasureDraft(
        title="Zutrittskontrolle zum Serverraum", kind="technical",
        goal="confidentiality", owner="Facility-Management", review_due=None,
        description="Transponderschloss, Zutritt nur für den IT-Betrieb, Zutritte werden "
        "protokolliert; Besucher nur in Begleitung.",
    ), 200, False),
    (MeasureDraft(
        title="Verpflichtung auf Vertraulichkeit und jährliche Datenschutzschulung",
        kind="organisational", goal="confidentiality", owner="Personalabteilung",
        review_due=None,
        description="Alle Beschäftigten mit Zugang zum Cockpit sind auf die Vertraulichkeit "
        "verpflichtet und werden jährlich geschult.",
    ), 150, True),
    (MeasureDraft(
        title="Transportverschlüsselung am Reverse Proxy (TLS 1.2 und höher)",
        kind="technical", goal="integrity", owner="IT-Betrieb", review_due=None,
        description="Cockpit, Portal und Webhooks nur über HTTPS; HSTS gesetzt; Zertifikate "
        "werden automatisch erneuert.",
    ), 180, False),
    (MeasureDraft(
        title="Halbjährliche Überprüfung der Zugriffsrechte", kind="organisational",
        goal="testing", owner="IT-Sicherheit", review_due=None,
        description="Staff-Konten und API-Tokens werden halbjährlich mit den Rollen der "
        "Beschäftigten abgeglichen; nicht mehr benötigte werden gesperrt.",
    ), 60, True),
    (MeasureDraft(
        title="Monatliches Patch-Management", kind="technical", goal="resilience",
        owner="IT-Betrieb", review_due=None,
        description="Sicherheitsupdates für Betriebssystem, Datenbank und Python-Pakete "
        "werden monatlich, kritische binnen 72 Stunden eingespielt.",
    ), 90, False),
    (MeasureDraft(
        title="Notfall- und Meldeplan für Datenschutzverletzungen", kind="organisational",
        goal="resilience", owner="Datenschutzbeauftragte", review_due=None,
        description="Wer meldet wem, die 72-Stunden-Frist (Art. 33 DSGVO) und die "
        "Benachrichtigung der Betroffenen (Art. 34 DSGVO); jährlich geübt.",
    ), 240, False),
)  # fmt: skip


def declare_demo_measures(rt: Runtime) -> int:
    """Declare them once (a rerun of the demo finds them); returns how many were new."""
    now = rt.clock.now()
    with rt.session() as session:
        known = {m.title for m in list_declared(session)}
        new = [(d, days, reviewed) for d, days, reviewed in MEASURES if d.title not in known]
        for draft, days, reviewed in new:
            due = now + timedelta(days=days)
            measure = declare_measure(session, replace(draft, review_due=due), actor="demo", at=now)
            if reviewed:
                review_measure(session, measure.key, next_review=due, actor="demo", at=now)
    return len(new)


def verify_demo_audit_chain(rt: Runtime) -> None:
    """The chain's first full verification, through the job the cockpit starts."""
    submit_and_wait(rt, "audit_verify", {"key": "chain"}, actor="demo", runner=None, wait=0)

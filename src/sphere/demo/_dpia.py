"""The demo company's DPIAs (GDPR Art. 35), carried out before processing through the
same services the cockpit uses: the purposes the policy marks ``dpia_required`` each get
one — described, with a risk register, the DPO's opinion and the controller's sign-off —
so the gate lets the demo's data in. Enrichment's is the worked example. Texts in
German, as the company's staff wrote them; no personal data in them."""

from __future__ import annotations

from datetime import timedelta

from sphere.domain.dpia import Risk
from sphere.governance.dpia import (
    DpiaChanges,
    change_dpia,
    held_purposes,
    open_dpia,
    record_opinion,
    sign_off,
)
from sphere.runtime import Runtime

DPO = "dpo:demo"
ADMIN = "admin:demo"

# purpose → (title, description, necessity, risks, declared criteria, DPO's opinion)
_CONTENT: dict[str, tuple[str, str, str, tuple[Risk, ...], dict[str, str], str]] = {
    "enrichment": (
        "Anreicherung der Kundendatensätze aus Social Media",
        "Öffentliche Beiträge verifizierter Kundinnen und Kunden über unsere eigenen "
        "Produkte (Mastodon, X, Bluesky, Facebook-Seite, Forum) werden dem CRM-Datensatz "
        "zugeordnet, soweit die Person uns das Konto selbst genannt oder bestätigt hat. "
        "Gespeichert werden nur Produktbezug und Zeitpunkt, keine Profilangaben; Daten "
        "besonderer Kategorien werden vorher ausgefiltert. Speicherdauer 730 Tage.",
        "Erforderlich für die Nachbetreuung nach dem Kauf (Garantie, Rückrufe, Zubehör). "
        "Mildere Mittel geprüft: eine Befragung erreicht nur einen Bruchteil der "
        "Kundschaft. Interessenabwägung nach Art. 6 Abs. 1 lit. f DSGVO dokumentiert; "
        "Widerspruch jederzeit im Datenschutzportal, Information nach Art. 14 DSGVO "
        "binnen eines Monats.",
        (
            Risk(
                "Falsche Zuordnung eines Kontos zu einer anderen Person (Verwechslung)",
                3,
                3,
                "Zuordnung nur über vom Kunden genannte oder bestätigte Konten; keine "
                "unscharfe Zuordnung; Berichtigung über das Portal (Art. 16 DSGVO).",
                1,
                3,
            ),
            Risk(
                "Ableitung sensibler Merkmale (z. B. Gesundheit) aus Beiträgen",
                2,
                4,
                "Art.-9-Erkennung vor der Speicherung; solche Beiträge werden nicht "
                "angereichert; nur Produktbezug wird gespeichert.",
                1,
                3,
            ),
            Risk(
                "Verwendung der angereicherten Daten für Werbung ohne Einwilligung",
                2,
                3,
                "Zweckbindung in der Policy; Scores und Segmente nur mit Einwilligung "
                "(EuGH C-252/21); Prüfung jeder Maßnahme vor dem Start.",
                1,
                2,
            ),
            Risk(
                "Unbefugter Zugriff auf die angereicherten Kundendatensätze",
                2,
                3,
                "Verschlüsselung je Person (AES-256-GCM), Rollen, Audit-Kette, Löschfristen.",
                1,
                3,
            ),
        ),  # fmt: skip
        {},
        "Die Risiken sind vollständig erfasst; die Maßnahmen senken sie auf ein "
        "vertretbares Maß. Ich empfehle die Freigabe und eine Überprüfung nach einem Jahr "
        "oder sobald weitere Kanäle angebunden werden.",
    ),
    "profiling": (
        "Interessen, Scores und Segmente",
        "Aus Käufen, Website-Nutzung und Produktbeiträgen werden mit Einwilligung "
        "Interessen und ein Kaufbereitschafts-Score berechnet; daraus entstehen "
        "Segmente für Kampagnen. Keine automatisierte Entscheidung mit Rechtswirkung.",
        "Nur mit Einwilligung (Art. 6 Abs. 1 lit. a DSGVO); Erklärung jedes Scores im "
        "Portal; Widerruf löscht die abgeleiteten Daten.",
        (
            Risk(
                "Intransparente Bewertung von Personen",
                3,
                2,
                "Erklärung der Beiträge jedes Scores im Portal; Einsicht nach Art. 15 DSGVO.",
                1,
                2,
            ),
            Risk(
                "Profiling von Minderjährigen",
                2,
                3,
                "Minderjährigenregister; ohne Einwilligung der Eltern kein Profiling.",
                1,
                2,
            ),
        ),  # fmt: skip
        {},
        "Mit den Maßnahmen vertretbar; Einwilligungsquote und Widerrufe beobachten.",
    ),
    "public_monitoring": (
        "Social Listening über öffentliche Beiträge",
        "Öffentliche Beiträge mit Markennamen und Hashtags werden gezählt und nach "
        "Stimmung ausgewertet; Ergebnis sind nur anonyme Zahlen (k-Schwelle, "
        "Differential Privacy). Beiträge werden nach 30 Tagen gelöscht.",
        "Berechtigtes Interesse an der Wahrnehmung der Marke; anonyme Aggregate genügen.",
        (
            Risk(
                "Beobachtung einzelner Personen über längere Zeit",
                2,
                3,
                "Keine Zuordnung zu Personen; nur Aggregate ab k = 10; 30 Tage Frist.",
                1,
                2,
            ),
        ),  # fmt: skip
        {},
        "Vertretbar, solange keine Einzelpersonen ausgewertet werden.",
    ),
    "identity_matching": (
        "Zuordnung von Konten zu Kundendatensätzen",
        "Konten in sozialen Netzwerken werden Kundendatensätzen nur mit Einwilligung "
        "zugeordnet, nach Bestätigung durch die Person (Code oder Portal).",
        "Ohne Bestätigung keine Zuordnung; Einwilligung nach Art. 6 Abs. 1 lit. a DSGVO.",
        (
            Risk(
                "Zuordnung eines fremden Kontos",
                2,
                3,
                "Bestätigung durch die Person selbst; keine unscharfe Zuordnung.",
                1,
                2,
            ),
        ),  # fmt: skip
        {},
        "Vertretbar.",
    ),
}


def carry_out_demo_dpias(rt: Runtime) -> list[str]:
    """A signed-off DPIA for each purpose still held; returns their references."""
    at = rt.clock.now()
    assessed = (at - timedelta(days=60)).date()  # carried out before processing began
    done = []
    with rt.session() as session:
        policy = rt.policy()
        for purpose in sorted(held_purposes(session, policy), key=lambda p: p.value):
            title, description, necessity, risks, declared, opinion = _CONTENT.get(
                purpose.value, (purpose.value, "", "", (), {}, "")
            )
            if not risks:
                continue
            dpia = open_dpia(session, policy, purpose.value, title=title, actor=ADMIN,
                             role="admin", at=at)  # fmt: skip
            changes = DpiaChanges(description=description, necessity=necessity, risks=risks,
                                  declared=declared, assessed_on=assessed,
                                  review_on=assessed + timedelta(days=365))  # fmt: skip
            change_dpia(session, dpia.reference, changes, actor=ADMIN, role="admin", at=at)
            record_opinion(session, dpia.reference, opinion, actor=DPO, role="dpo", at=at)
            sign_off(session, policy, dpia.reference, actor=ADMIN, role="admin", at=at)
            done.append(dpia.reference)
    return done

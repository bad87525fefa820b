"""The demo company's arrangements under Art. 26 GDPR: Meta's Page Insights Controller
Addendum for its Facebook page, an arrangement with X for the account statistics of its
X profile, and its own forum, for which none is needed (it runs the forum itself)."""

from __future__ import annotations

from datetime import UTC, datetime

from sphere.governance.joint import ArrangementDraft, list_arrangements, save_arrangement
from sphere.governance.sources import list_sources
from sphere.runtime import Runtime

_PLATFORM_ANSWERS = {"information": "both", "access": "platform", "rectification": "platform",
                     "erasure": "platform", "restriction": "platform",
                     "portability": "platform", "objection": "platform"}  # fmt: skip

ARRANGEMENTS = (
    ArrangementDraft(
        source="facebook", platform="Meta Platforms Ireland Ltd.",
        title="Page Insights Controller Addendum",
        agreed_on=datetime(2025, 6, 2, tzinfo=UTC),
        url="https://www.facebook.com/legal/terms/page_controller_addendum",
        contact_point="Meta Platforms Ireland Ltd., Merrion Road, Dublin 4, Ireland – "
                      "https://www.facebook.com/help/contact/540977946302970",
        rights=_PLATFORM_ANSWERS,
        essence_en=(
            "When you visit our Facebook page, Meta Platforms Ireland Ltd. and we are joint "
            "controllers for the page statistics (Page Insights) Meta compiles from it (CJEU, "
            "judgment of 5 June 2018, C-210/16). Under the Page Insights Controller Addendum "
            "Meta takes primary responsibility for this processing: it informs you about it, "
            "answers your requests (access, rectification, erasure, restriction, portability, "
            "objection) and keeps the data secure. We see only anonymous statistics, never "
            "who you are. You may exercise your rights against Meta or against us "
            "(Art. 26(3) GDPR); we pass requests about Page Insights to Meta within seven days."
        ),
        essence_de=(
            "Wenn Sie unsere Facebook-Seite besuchen, sind Meta Platforms Ireland Ltd. und wir "
            "gemeinsam Verantwortliche für die Seitenstatistiken (Page Insights), die Meta "
            "daraus erstellt (EuGH, Urt. v. 5.6.2018 – C-210/16). Nach der Vereinbarung "
            "„Page Insights Controller Addendum“ trägt Meta die vorrangige Verantwortung für "
            "diese Verarbeitung: Meta informiert Sie darüber, beantwortet Ihre Anträge "
            "(Auskunft, Berichtigung, Löschung, Einschränkung, Datenübertragbarkeit, "
            "Widerspruch) und sorgt für die Sicherheit der Daten. Wir sehen nur anonyme "
            "Statistiken, nie, wer Sie sind. Sie können Ihre Rechte gegenüber Meta oder uns "
            "geltend machen (Art. 26 Abs. 3 DSGVO); Anfragen zu Page Insights leiten wir "
            "binnen sieben Tagen an Meta weiter."
        ),
    ),
    ArrangementDraft(
        source="x", platform="X Internet Unlimited Company",
        title="Joint controller arrangement for X account analytics",
        agreed_on=datetime(2025, 7, 14, tzinfo=UTC),
        contact_point="X Internet Unlimited Company, One Cumberland Place, Fenian Street, "
                      "Dublin 2, D02 AX07, Ireland – https://help.x.com/forms/privacy",
        rights=_PLATFORM_ANSWERS,
        essence_en=(
            "For the statistics X compiles about visits to and reactions on our X profile, "
            "X Internet Unlimited Company and we are joint controllers. X informs you about "
            "this processing in its privacy policy and answers your requests about it; we "
            "receive only aggregated figures. You may exercise your rights against X or "
            "against us (Art. 26(3) GDPR); we pass requests on to X within seven days."
        ),
        essence_de=(
            "Für die Statistiken, die X über Besuche und Reaktionen auf unserem X-Profil "
            "erstellt, sind X Internet Unlimited Company und wir gemeinsam Verantwortliche. "
            "X informiert Sie in seiner Datenschutzerklärung über diese Verarbeitung und "
            "beantwortet Ihre Anträge dazu; wir erhalten nur zusammengefasste Zahlen. Sie "
            "können Ihre Rechte gegenüber X oder uns geltend machen (Art. 26 Abs. 3 DSGVO); "
            "Anfragen leiten wir binnen sieben Tagen an X weiter."
        ),
    ),
    ArrangementDraft(
        source="forum", needed=False,
        essence_en=(
            "We run our forum ourselves: no other party decides on the purposes and means of "
            "processing your posts, so there is no joint controllership (Art. 26 GDPR)."
        ),
        essence_de=(
            "Unser Forum betreiben wir selbst: Niemand sonst entscheidet über Zwecke und Mittel "
            "der Verarbeitung Ihrer Beiträge, eine gemeinsame Verantwortlichkeit "
            "(Art. 26 DSGVO) besteht daher nicht."
        ),
    ),
)  # fmt: skip


def register_demo_arrangements(rt: Runtime) -> int:
    """Record them once for the sources the demo registered; returns how many were new."""
    with rt.session() as session:
        sources = {s.name for s in list_sources(session)}
        known = {a.source_name for a in list_arrangements(session)}
        new = [d for d in ARRANGEMENTS if d.source in sources and d.source not in known]
        for draft in new:
            save_arrangement(session, draft, actor="demo", at=rt.clock.now())
    return len(new)

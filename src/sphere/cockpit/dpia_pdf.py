"""A DPIA (GDPR Art. 35) as a PDF — for the file, the management and, in a prior
consultation, the supervisory authority (Art. 36(3)(e)). The same library and look as
the record of processing (``record_pdf``: fpdf2, Helvetica, Latin-1 transliteration);
in the language of the one who asks; one version (the current one unless asked).
Staff-written texts are printed as text (fpdf2 escapes PDF string delimiters itself)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from fpdf import FPDF
from fpdf.enums import XPos, YPos
from sqlalchemy.orm import Session

from sphere.cockpit.record_pdf import _controller_lines, _latin1
from sphere.domain.controller import ControllerProfile
from sphere.domain.dpia import dpia_indicated, residual_high
from sphere.governance.dpia import criteria_of, review_overdue
from sphere.i18n import N_, Translator, translator
from sphere.i18n.glossary import article, term
from sphere.i18n.message import render
from sphere.policy import Policy
from sphere.storage.repositories.dpia import Dpia, DpiaVersion


def _level(tr: Translator, value: int) -> str:
    return f"{value} ({term(tr, 'dpia_level', str(value))})"


def _header(tr: Translator, dpia: Dpia, shown: DpiaVersion, today: date) -> list[str]:
    approved = dpia.approved
    state = (
        tr.gettext("signed off on %(day)s by %(who)s", day=tr.date(shown.signed_off_at),
                   who=shown.signed_off_by or "-")
        if shown.signed_off else tr.gettext("draft, not signed off")
    )  # fmt: skip
    lines = [
        tr.gettext("Reference: %(ref)s, version %(n)s of %(total)s",
                   ref=dpia.reference, n=shown.version, total=len(dpia.versions)),
        tr.gettext("Purpose: %(purpose)s", purpose=term(tr, "purpose", dpia.purpose)),
        tr.gettext("State: %(state)s", state=state),
    ]  # fmt: skip
    if dpia.measure:
        lines.insert(2, tr.gettext("Marketing measure: %(name)s", name=dpia.measure))
    if approved is not None and approved.version != shown.version:
        lines.append(tr.gettext("Version in force: %(n)s", n=approved.version))
    lines.append(tr.gettext("Assessed on: %(day)s", day=tr.date(shown.assessed_on) or "-"))
    review = tr.gettext("Review by: %(day)s (%(article)s)", day=tr.date(shown.review_on) or "-",
                        article=article(tr, "art35_11"))  # fmt: skip
    if shown.signed_off and review_overdue(dpia, today) and approved is shown:
        review += " - " + tr.gettext("overdue")
    lines.append(review)
    if shown.legacy_reference:
        lines.append(tr.gettext("Approved by reference to the document %(ref)s, before Sphere "
                                "carried out DPIAs", ref=shown.legacy_reference))  # fmt: skip
    return lines


def dpia_to_pdf(session: Session, policy: Policy, dpia: Dpia, *, today: date,
                version: int | None = None, controller: ControllerProfile | None = None,
                tr: Translator | None = None) -> bytes:  # fmt: skip
    tr = tr or translator("en")
    shown = dpia.version(version) if version is not None else dpia.current
    criteria = criteria_of(session, policy, dpia, shown)
    title = tr.gettext("Data protection impact assessment (%(article)s)",
                       article=article(tr, "art35"))  # fmt: skip
    pdf = FPDF(format="A4")
    pdf.set_title(f"{title} {dpia.reference}")
    pdf.set_lang(tr.lang)
    pdf.set_creator("Sphere")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: float = 10, style: str = "", height: float = 5) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(width, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    def section(label: str, code: str | None = None) -> None:
        pdf.ln(3)
        text = tr.gettext(label) + (f" ({article(tr, code)})" if code else "")
        line(text, size=12, style="B", height=6)

    line(title, size=16, style="B", height=8)
    line(dpia.title, size=12, style="B", height=6)
    if controller is not None and controller.name:
        for text in _controller_lines(controller, tr):
            line(text, size=9, height=4.5)
    for text in _header(tr, dpia, shown, today):
        line(text, size=9, height=4.5)

    section(N_("Systematic description of the processing"), "art35_7_a")
    line(shown.description or "-")
    section(N_("Necessity and proportionality"), "art35_7_b")
    line(shown.necessity or "-")

    met = sum(1 for c in criteria if c.met)
    section(N_("Criteria for a DPIA (WP248 rev.01)"))
    line(tr.gettext("%(met)s of 9 criteria met. Two or more: a DPIA is required (%(article)s, "
                    "WP248 rev.01).", met=met, article=article(tr, "art35_1")) + " "
         + (tr.gettext("The criteria require this DPIA.") if dpia_indicated(criteria)
            else tr.gettext("The criteria alone do not require this DPIA.")))  # fmt: skip
    for c in criteria:
        mark = tr.gettext("met") if c.met else tr.gettext("not met")
        line(f"{c.criterion.number}. {term(tr, 'dpia_criterion', c.criterion.value)}: {mark}",
             size=9, style="B", height=4.5)  # fmt: skip
        for evidence in c.evidence:
            line(f"- {render(tr, evidence)}", size=9, height=4.5)

    section(N_("Risks and measures"), "art35_7_c")
    if not shown.risks:
        line(tr.gettext("The risk register is empty."))
    for n, risk in enumerate(shown.risks, start=1):
        line(f"{n}. {risk.risk}", size=10, style="B")
        rows: list[tuple[str, Callable[[], str]]] = [
            (N_("Likelihood"), lambda r=risk: _level(tr, r.likelihood)),
            (N_("Severity"), lambda r=risk: _level(tr, r.severity)),
            (N_("Risk"), lambda r=risk: term(tr, "dpia_rating", r.rating.value)),
            (N_("Measures"), lambda r=risk: r.measures),
            (N_("Residual likelihood"), lambda r=risk: _level(tr, r.residual_likelihood)),
            (N_("Residual severity"), lambda r=risk: _level(tr, r.residual_severity)),
            (N_("Residual risk"), lambda r=risk: term(tr, "dpia_rating", r.residual.value)),
        ]
        for label, value in rows:
            line(f"{tr.gettext(label)}: {value()}", size=9, height=4.5)

    section(N_("Opinion of the data protection officer"), "art35_2")
    if shown.dpo_opinion:
        line(shown.dpo_opinion)
        line(tr.gettext("Given on %(day)s by %(who)s", day=tr.date(shown.dpo_opinion_at),
                        who=shown.dpo_opinion_by or "-"), size=9, height=4.5)  # fmt: skip
    else:
        line(tr.gettext("Not given yet."))

    section(N_("Prior consultation of the supervisory authority"), "art36_1")
    if residual_high(shown.risks):
        line(tr.gettext("Required: a residual risk stays high."))
    else:
        line(tr.gettext("Not required: no residual risk stays high."))
    if shown.consultation_on:
        line(tr.gettext("Consulted on %(day)s, reference %(ref)s",
                        day=tr.date(shown.consultation_on),
                        ref=shown.consultation_reference))  # fmt: skip
        if shown.consultation_outcome:
            line(shown.consultation_outcome)

    section(N_("Versions"))
    for item in dpia.versions:
        when = tr.date(item.signed_off_at) if item.signed_off_at else tr.gettext("draft")
        line(tr.gettext("Version %(n)s: %(when)s", n=item.version, when=when), size=9,
             height=4.5)  # fmt: skip
    return bytes(pdf.output())

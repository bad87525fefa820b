"""The Art. 30 record as a PDF to hand to a supervisory authority (fpdf2, pure Python).

Text is written with fpdf2's text API, which escapes PDF string delimiters itself; the
built-in Helvetica font covers Latin-1, so other characters are transliterated or
replaced by ``?`` (no font files are embedded or downloaded). Content is the record's
own vocabulary (purposes, bases, categories, counts) — never personal data — in the
language of the DPO who asks for it (``tr``; English by default): the glossary's words
for purposes, categories and collection methods, law cited the language's way
("Art. 6 Abs. 1 lit. f DSGVO"), dates in the company's time zone.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sphere.cockpit.record import Activity, ProcessingRecord
from sphere.domain.controller import ControllerProfile
from sphere.i18n import N_, Translator, translator
from sphere.i18n.glossary import article, describe, term

_TRANSLITERATE = str.maketrans(
    {"→": "->", "–": "-", "—": "-", "…": "...", "“": '"', "”": '"', "‘": "'", "’": "'"}
)


def _latin1(text: str) -> str:
    return text.translate(_TRANSLITERATE).encode("latin-1", "replace").decode("latin-1")


def _controller_lines(controller: ControllerProfile, tr: Translator) -> list[str]:
    """Art. 30(1)(a): controller, representative, DPO; and the supervisory authority."""
    dpo = controller.dpo
    authority = controller.supervisory_authority
    found = (
        (
            N_("Controller"),
            (controller.name, controller.address, controller.email, controller.phone),
        ),
        (N_("Represented by"), (controller.representative,)),
        (N_("Data protection officer"), (dpo.name, dpo.address, controller.contact, dpo.phone)),
        (N_("Supervisory authority"), (authority.name, authority.address, authority.url)),
    )
    lines = []
    for label, values in found:
        text = ", ".join(v for v in values if v)
        if text:
            lines.append(tr.gettext(label) + ": " + text)
    return lines


def _activity_lines(activity: Activity, tr: Translator) -> list[tuple[str, str]]:
    """An activity's Art. 30(1)(b)-(g) entries as (label, value) in ``tr``'s language."""
    sources = ", ".join(
        f"{s.name} ({term(tr, 'collection', s.collection)})" for s in activity.sources
    ) or tr.gettext("none yet")
    basis = article(tr, activity.legal_basis)
    if activity.special_category_basis:
        special = tr.gettext("special categories:")
        basis += f"; {special} {article(tr, activity.special_category_basis)}"
    status = activity.dpia_status
    if status == "not required":
        status = tr.gettext("not required")
    elif status == "missing":
        status = tr.gettext("missing")
    elif status.startswith("approved ("):
        status = tr.gettext("approved") + " " + status[9:]
    dpia = tr.gettext(
        "%(status)s (required: %(required)s)",
        status=status,
        required=tr.gettext("yes") if activity.dpia_required else tr.gettext("no"),
    )
    held = tr.gettext(
        "%(records)s (%(interactions)s interactions, %(events)s events, "
        "%(attributes)s attributes) about %(contacts)s",
        records=tr.ngettext(
            "%(num)s record", "%(num)s records", activity.records,
            num=tr.number(activity.records)),
        interactions=tr.number(activity.interactions),
        events=tr.number(activity.events),
        attributes=tr.number(activity.attributes),
        contacts=tr.ngettext(
            "%(num)s contact", "%(num)s contacts", activity.contacts,
            num=tr.number(activity.contacts)),
    )  # fmt: skip
    subjects = ", ".join(term(tr, "subject_category", c) for c in activity.subject_categories)
    recipients = ", ".join(term(tr, "recipient", r) for r in activity.recipients)
    last_run = tr.datetime(activity.last_run) if activity.last_run else tr.gettext("never")
    categories = ", ".join(term(tr, "data_category", c) for c in activity.data_categories)
    return [
        (N_("Purpose"), f"{term(tr, 'purpose', activity.purpose)} ({activity.dpv_purpose})"),
        (N_("Legal basis"), basis),
        (N_("Data categories"), categories),
        (N_("Data subjects"), subjects or "-"),
        (N_("Sources"), sources),
        (N_("Recipients"), recipients or tr.gettext("none")),
        (N_("Retention"), tr.ngettext("%(num)s day", "%(num)s days", activity.retention_days,
                                  num=activity.retention_days)),
        (N_("DPIA"), dpia),
        (N_("Held now"), held),
        (N_("Last run"), last_run),
    ]  # fmt: skip


def record_to_pdf(
    record: ProcessingRecord,
    *,
    controller: ControllerProfile | str = "",
    tr: Translator | None = None,
) -> bytes:
    if isinstance(controller, str):
        controller = ControllerProfile(name=controller)
    tr = tr or translator("en")
    title = tr.gettext(
        "Record of processing activities (%(article)s)", article=article(tr, "art30_1")
    )
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_lang(tr.lang)
    pdf.set_creator("Sphere")
    pdf.set_creation_date(record.generated_at)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: float = 10, style: str = "", height: float = 5) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(width, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line(title, size=16, style="B", height=8)
    if controller.name:
        for text in _controller_lines(controller, tr):
            line(text)
    line(
        tr.gettext(
            "Policy version %(version)s (%(hash)s), generated %(at)s",
            version=record.policy_version,
            hash=record.policy_hash[:12],
            at=tr.datetime(record.generated_at),
        )
    )
    for activity in record.activities:
        pdf.ln(3)
        line(term(tr, "purpose", activity.purpose), size=12, style="B", height=6)
        description = describe(tr, activity.purpose, activity.description)
        if description:
            line(description)
        for label, value in _activity_lines(activity, tr):
            line(f"{tr.gettext(label)}: {value}", size=9, height=4.5)
    return bytes(pdf.output())

"""The Art. 30 record as a PDF to hand to a supervisory authority (fpdf2, pure Python).

Text is written with fpdf2's text API, which escapes PDF string delimiters itself; the
built-in Helvetica font covers Latin-1, so other characters are transliterated or
replaced by ``?`` (no font files are embedded or downloaded). Content is the record's
own vocabulary (purposes, bases, categories, counts) — never personal data.
"""

from __future__ import annotations

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sphere.cockpit.record import ProcessingRecord
from sphere.domain.controller import ControllerProfile

_TRANSLITERATE = str.maketrans(
    {"→": "->", "–": "-", "—": "-", "…": "...", "“": '"', "”": '"', "‘": "'", "’": "'"}
)


def _latin1(text: str) -> str:
    return text.translate(_TRANSLITERATE).encode("latin-1", "replace").decode("latin-1")


def _controller_lines(controller: ControllerProfile) -> list[str]:
    """Art. 30(1)(a): controller, representative, DPO; and the supervisory authority."""
    dpo = controller.dpo
    lines = [
        "Controller: " + ", ".join(
            v for v in (controller.name, controller.address, controller.email, controller.phone)
            if v),
    ]  # fmt: skip
    if controller.representative:
        lines.append(f"Represented by: {controller.representative}")
    dpo_text = ", ".join(v for v in (dpo.name, dpo.address, controller.contact, dpo.phone) if v)
    if dpo_text:
        lines.append(f"Data protection officer: {dpo_text}")
    authority = controller.supervisory_authority
    if authority.name:
        lines.append("Supervisory authority: " + ", ".join(
            v for v in (authority.name, authority.address, authority.url) if v))  # fmt: skip
    return lines


def record_to_pdf(record: ProcessingRecord, *, controller: ControllerProfile | str = "") -> bytes:
    if isinstance(controller, str):
        controller = ControllerProfile(name=controller)
    pdf = FPDF(format="A4")
    pdf.set_title("Record of processing activities (GDPR Art. 30)")
    pdf.set_creator("Sphere")
    pdf.set_creation_date(record.generated_at)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    width = pdf.epw

    def line(text: str, *, size: float = 10, style: str = "", height: float = 5) -> None:
        pdf.set_font("Helvetica", style=style, size=size)
        pdf.multi_cell(width, height, _latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)

    line("Record of processing activities (GDPR Art. 30(1))", size=16, style="B", height=8)
    if controller.name:
        for text in _controller_lines(controller):
            line(text)
    line(
        f"Policy version {record.policy_version} ({record.policy_hash[:12]}), "
        f"generated {record.generated_at.strftime('%Y-%m-%d %H:%M UTC')}"
    )
    for activity in record.activities:
        pdf.ln(3)
        line(activity.name, size=12, style="B", height=6)
        if activity.description:
            line(activity.description)
        sources = ", ".join(f"{s.name} ({s.collection})" for s in activity.sources) or "none yet"
        basis = activity.legal_basis_article
        if activity.special_category_basis:
            basis += f"; special categories: {activity.special_category_basis}"
        for label, value in (
            ("Purpose", f"{activity.purpose} ({activity.dpv_purpose})"),
            ("Legal basis", basis),
            ("Data categories", ", ".join(activity.data_categories)),
            ("Data subjects", ", ".join(activity.subject_categories) or "-"),
            ("Sources", sources),
            ("Recipients", ", ".join(activity.recipients) or "none"),
            ("Retention", f"{activity.retention_days} days"),
            (
                "DPIA",
                f"{activity.dpia_status} (required: {'yes' if activity.dpia_required else 'no'})",
            ),
            (
                "Held now",
                f"{activity.records} records ({activity.interactions} interactions, "
                f"{activity.events} events, {activity.attributes} attributes) "
                f"about {activity.contacts} contacts",
            ),
            (
                "Last run",
                activity.last_run.strftime("%Y-%m-%d %H:%M UTC") if activity.last_run else "never",
            ),
        ):
            line(f"{label}: {value}", size=9, height=4.5)
    return bytes(pdf.output())

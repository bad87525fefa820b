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

from typing import Any

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sphere.cockpit.record import Activity, ProcessingRecord
from sphere.cockpit.record_check import check_record
from sphere.cockpit.toms import STATUS_WORDS, TomCatalogue
from sphere.domain.controller import ControllerProfile
from sphere.governance.toms import GOALS
from sphere.i18n import N_, Translator, translator
from sphere.i18n.citation import cite
from sphere.i18n.glossary import article, describe, term
from sphere.i18n.message import render

_TRANSLITERATE = str.maketrans(
    {"→": "->", "–": "-", "—": "-", "…": "...", "“": '"', "”": '"', "„": '"', "‘": "'", "’": "'"}
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


def _joint_lines(joint: tuple[dict[str, Any], ...], tr: Translator) -> list[str]:
    """Art. 30(1)(a): the joint controllers (Art. 26), one line per platform source."""
    lines = []
    for j in joint:
        if j["state"] == "arranged":
            agreed = ", ".join(v for v in (j["title"], j["agreed_on"], j["contact_point"]) if v)
            lines.append(tr.gettext("Joint controller") + f": {j['platform']} ({j['source']}): "
                         + agreed)  # fmt: skip
        else:
            lines.append(tr.gettext("Joint controller") + f": {j['platform']} ({j['source']}): "
                         + tr.gettext("no arrangement recorded"))  # fmt: skip
    return lines


ROLE_WORDS = {"processor": N_("processor"), "sub_processor": N_("sub-processor"),
              "controller": N_("controller"), "authority": N_("public authority"),
              "recipient": N_("recipient of notifications")}  # fmt: skip


def _system_lines(systems: tuple[dict[str, Any], ...], tr: Translator) -> list[str]:
    """Art. 30(1)(d): each connected system, infrastructure and, where so, a recipient."""
    lines = []
    for s in systems:
        text = tr.gettext("Connected system") + f": {s['name']} ({s['system']}): "
        text += tr.gettext("infrastructure")
        if s["crm_sync"]:
            text += ", " + tr.gettext("target of the CRM sync")
        if s["recipient_role"]:
            text += (
                "; "
                + tr.gettext("recipient")
                + ": "
                + tr.gettext(ROLE_WORDS.get(s["recipient_role"], "recipient of notifications"))
            )
            if s["operator"] and s["operator"] != s["name"]:
                text += f" {s['operator']}"
        lines.append(text)
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
    transfers = "; ".join(_transfer_text(t, tr) for t in activity.transfers) or tr.gettext("none")
    last_run = tr.datetime(activity.last_run) if activity.last_run else tr.gettext("never")
    categories = ", ".join(term(tr, "data_category", c) for c in activity.data_categories)
    return [
        (N_("Purpose"), f"{term(tr, 'purpose', activity.purpose)} ({activity.dpv_purpose})"),
        (N_("Legal basis"), basis),
        (N_("Data categories"), categories),
        (N_("Data subjects"), subjects or "-"),
        (N_("Sources"), sources),
        (N_("Recipients"), recipients or tr.gettext("none")),
        (N_("Transfers to third countries"), transfers),
        (N_("Retention"), tr.ngettext("%(num)s day", "%(num)s days", activity.retention_days,
                                  num=activity.retention_days)),
        (N_("DPIA"), dpia),
        (N_("Held now"), held),
        (N_("Last run"), last_run),
    ]  # fmt: skip


def _transfer_text(transfer: dict[str, Any], tr: Translator) -> str:
    """Art. 30(1)(e): recipient, third country and the safeguard of one transfer."""
    mechanism = transfer.get("mechanism") or ""
    safeguard = {
        "dpf": tr.gettext("EU-US Data Privacy Framework (adequacy, %(article)s)",
                          article=article(tr, "art45")),
        "adequacy": tr.gettext("adequacy decision (%(article)s)", article=article(tr, "art45")),
        "scc": tr.gettext("standard contractual clauses 2021/914, module %(n)s (%(article)s)",
                          n=transfer.get("scc_module"), article=article(tr, "art46")),
        "bcr": tr.gettext("binding corporate rules (%(article)s)", article=article(tr, "art47")),
        "derogation": tr.gettext("derogation (%(article)s)", article=article(tr, "art49")),
    }.get(mechanism, tr.gettext("missing"))  # fmt: skip
    return f"{transfer['recipient']} ({transfer['country']}): {safeguard}"


def _measure_lines(catalogue: TomCatalogue, tr: Translator) -> list[tuple[str, list[str]]]:
    """Art. 30(1)(g): the measures by goal of Art. 32(1), each with its evidence (checked
    when the record was generated) or its owner and next review."""
    sections = []
    for goal, entries in catalogue.by_goal():
        name = term(tr, "tom_goal", goal)
        heading = f"{name[:1].upper()}{name[1:]} ({cite(tr, GOALS[goal])})"
        lines = []
        for e in entries:
            title = tr.gettext(e.title) if e.source == "sphere" else e.title
            status = tr.gettext(STATUS_WORDS[e.status])
            if e.evidence is not None:
                detail = render(tr, e.evidence)
            else:
                detail = (
                    tr.gettext("Owner:")
                    + f" {e.owner}; "
                    + tr.gettext(
                        "next review %(day)s",
                        day=tr.date(e.review_due.date()) if e.review_due else "-",
                    )
                )
            lines.append(f"{title} [{status}]: {detail}")
        sections.append((heading, lines or [tr.gettext("No measure yet.")]))
    return sections


def record_to_pdf(
    record: ProcessingRecord,
    *,
    controller: ControllerProfile | str = "",
    tr: Translator | None = None,
) -> bytes:
    if isinstance(controller, str):
        use_record = not controller and record.controller is not None
        controller = record.controller if use_record else ControllerProfile(name=controller)
    assert controller is not None
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
    for text in _joint_lines(record.joint, tr):
        line(text)
    for text in _system_lines(record.systems, tr):
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
    if record.security is not None:
        pdf.ln(3)
        line(
            tr.gettext(
                "Technical and organisational measures (%(article)s)",
                article=article(tr, "art30_1_g"),
            ),
            size=12,
            style="B",
            height=6,
        )
        for heading, lines in _measure_lines(record.security, tr):
            line(heading, size=10, style="B")
            for text in lines:
                line(f"- {text}", size=9, height=4.5)
    gaps = check_record(record)
    pdf.ln(3)
    if gaps:
        line(tr.gettext("Missing in this record:"), size=10, style="B")
        for gap in gaps:
            where = ", ".join(term(tr, "purpose", p) for p in gap.activities)
            text = f"{article(tr, f'art30_1_{gap.letter}')}: {render(tr, gap.what)}"
            line(f"- {text}" + (f" ({where})" if where else ""), size=9, height=4.5)
    else:
        line(tr.gettext("Every field of %(article)s is filled.", article=article(tr, "art30_1")),
             size=9)  # fmt: skip
    return bytes(pdf.output())

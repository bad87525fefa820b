"""Right of access (Art. 15) and data portability (Art. 20).

``access_report`` gathers every datum held about a contact — provided (identities from
the CRM or the portal), observed (posts, comments, messages, web and app events) and
derived (interests, scores, segments) — each with its purpose, legal basis, source,
recipients, retention, and for derived data the records it was derived from and the
explanation of how. It also lists consents, the decision log about the person's
records, records stored under a pseudonym of one of the person's handles, requests and
Art. 14 duties, and whether profiling or automated decisions take place, with their
logic and consequences in German and English (``rights.profiling``, Art. 15(1)(h)).
The report is plain JSON-serialisable data.

``export_archive`` packs it for portability: ``data.json`` (everything),
one CSV per kind of datum (UTF-8, header row; a value starting with ``= + - @`` is
prefixed with ``'`` so spreadsheet programs do not execute it) and ``summary.html``,
a readable page in which every value is HTML-escaped (channel content is hostile input,
invariant 6) and which loads nothing from anywhere.
"""

from __future__ import annotations

import csv
import html
import io
import json
import zipfile
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.domain.controller import ControllerProfile
from sphere.errors import NotFound
from sphere.i18n import N_, Translator, translator
from sphere.i18n.glossary import article, legal_basis, term
from sphere.policy import Policy
from sphere.rights import disclosure as register
from sphere.rights.profiling import profiling_statement
from sphere.rights.systems import ConnectedSystems, access_sections, subject_identifiers
from sphere.storage.crypto import Keyring
from sphere.storage.entities import DecisionRecord
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.consents import ConsentRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.erasure import ErasureRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.notice_duties import NoticeDutyRepository
from sphere.storage.repositories.rights import RightsRepository
from sphere.storage.repositories.sources import SourceRepository

_CSV_SECTIONS = ("identities", "interactions", "events", "attributes", "consents", "decisions")


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def _purpose_info(policy: Policy, purpose: str | None) -> dict[str, Any]:
    if purpose is None:
        return {}
    for key, spec in policy.purposes.items():
        if key.value == purpose:
            return {
                "purpose": purpose,
                "purpose_description": spec.description,
                "retention_days": spec.retention_days,
            }
    return {"purpose": purpose}


def _decision_dict(decision: DecisionRecord | None) -> dict[str, Any]:
    if decision is None:
        return {}
    return {
        "decision_id": decision.id,
        "purpose": decision.purpose.value,
        # the one basis of the record: the decision that stored it (issue 13, point 7)
        "legal_basis": decision.legal_basis.value if decision.legal_basis else None,
        "legal_basis_article": decision.legal_basis.article if decision.legal_basis else None,
        "rule": decision.rule_id,
        "reason": decision.reason,
        "policy_version": decision.policy_version,
    }


def access_report(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    contact_id: str,
    *,
    now: datetime,
    controller: ControllerProfile | None = None,
    systems: ConnectedSystems | None = None,
) -> dict[str, Any]:
    """Everything held about ``contact_id`` (see module docstring); with ``controller``,
    who is responsible, its DPO and the supervisory authority (Art. 15(1)(f), 13/14(1)(a)-(b));
    with ``systems``, the person's rows in every connected system (``connected_systems``,
    one section per system, ``rights.systems.access_sections``)."""
    contacts = ContactRepository(session, keyring)
    contact = contacts.get(contact_id)
    decisions = DecisionRepository(session)
    disclosure = register.Disclosure(session)

    def decision(decision_id: str | None) -> DecisionRecord | None:
        if decision_id is None:
            return None
        try:
            return decisions.get(decision_id)
        except NotFound:
            return None

    sources: dict[str, dict[str, Any]] = {}

    def source(name: str) -> dict[str, Any]:
        if name not in sources:
            try:
                found = SourceRepository(session).get(name)
                sources[name] = {
                    "name": found.name,
                    "channel": found.channel.value,
                    "collection": found.collection.value,
                }
            except NotFound:
                sources[name] = {"name": name}
        return sources[name]

    contact_decisions = decisions.list_for_contact(contact_id)
    import_decision = next((d for d in contact_decisions if d.record_type == "contact"), None)
    identities = contacts.identities(contact_id)
    identity_rows = []
    for identity in identities:
        method = identity.verification_method or ""
        origin = method.removeprefix("provided:") if method.startswith("provided:") else None
        identity_rows.append(
            {
                "id": identity.id,
                "category": "provided",
                "kind": identity.kind.value,
                "channel": identity.channel,
                "value": identity.value,
                "verified": identity.verified,
                "verification_method": identity.verification_method,
                "source": source(origin) if origin else {"name": method or "unknown"},
                "created_at": _iso(identity.created_at),
                # identities live as long as the contact (its own deadline, if imported)
                "retention_until": _iso(contact.retention_until),
                "recipients": disclosure.recipients(category="contact_data"),
                **_decision_dict(import_decision),
            }
        )

    pseudo_keys = keyring.handle_subjects(identities)
    interactions_repo = InteractionRepository(session, keyring)
    interactions = interactions_repo.list_for_contact(contact_id)
    for interaction_id in ErasureRepository(session).interaction_ids_for_keys(pseudo_keys):
        interactions.append(interactions_repo.get(interaction_id))
    interaction_rows = []
    for item in interactions:
        logged = decision(item.decision_id)
        interaction_rows.append(
            {
                "id": item.id,
                "category": "observed",
                "kind": item.kind.value,
                "channel": item.channel.value,
                "source_id": item.source_id,
                "text": item.text,
                "language": item.language,
                "visibility": item.visibility.value,
                "addressing": item.addressing.value,
                "special_categories": sorted(c.value for c in item.special_categories),
                "created_at": _iso(item.created_at),
                "ingested_at": _iso(item.ingested_at),
                "retention_until": _iso(item.retention_until),
                "pseudonymised": item.contact_id is None,
                "source": source(item.source_name),
                "recipients": disclosure.recipients([logged.purpose.value if logged else None]),
                **_purpose_info(policy, logged.purpose.value if logged else None),
                **_decision_dict(logged),
            }
        )

    event_rows = []
    for event in EventRepository(session, keyring).list_for_contact(contact_id):
        logged = decision(event.decision_id)
        event_rows.append(
            {
                "id": event.id,
                "category": "observed",
                "channel": event.channel.value,
                "kind": event.kind,
                "source_id": event.source_id,
                "payload": dict(event.payload) if event.payload is not None else None,
                "occurred_at": _iso(event.occurred_at),
                "retention_until": _iso(event.retention_until),
                "source": {"name": event.channel.value},
                "recipients": disclosure.recipients([logged.purpose.value if logged else None]),
                **_purpose_info(policy, logged.purpose.value if logged else None),
                **_decision_dict(logged),
            }
        )

    attribute_rows = [
        {
            "id": a.id,
            "category": a.kind.value,
            "name": a.name,
            "value": a.value,
            "legal_basis": a.legal_basis.value,
            "rule": a.rule_id,
            "policy_version": a.policy_version,
            "consent_id": a.consent_id,
            "how_derived": a.explanation,
            "derived_from": [{"type": s.type.value, "id": s.id} for s in a.derived_from],
            "special_categories": sorted(c.value for c in a.special_categories),
            "retention_until": _iso(a.retention_until),
            "created_at": _iso(a.created_at),
            "recipients": disclosure.recipients([a.purpose.value]),
            **_purpose_info(policy, a.purpose.value),
        }
        for a in AttributeRepository(session, keyring).list_for_contact(contact_id)
    ]

    consent_rows = [
        {
            "id": c.id,
            "purpose": c.purpose.value,
            "action": str(c.action),
            "explicit": c.explicit,
            "channel": str(c.channel) if c.channel else None,
            "notice_hash": c.notice_hash,
            "recorded_at": _iso(c.recorded_at),
            "expires_at": _iso(c.expires_at),
            "evidence": dict(c.evidence),
        }
        for c in ConsentRepository(session).for_contact(contact_id)
    ]
    decision_ids = {d.id for d in contact_decisions}
    all_decisions = list(contact_decisions)
    for row in [*interaction_rows, *event_rows]:
        did = row.get("decision_id")
        if did and did not in decision_ids:
            found = decision(did)
            if found is not None:
                all_decisions.append(found)
                decision_ids.add(did)
    decision_rows = [
        {
            "id": d.id,
            "record_type": d.record_type,
            "record_ref": d.record_ref,
            "purpose": d.purpose.value,
            "outcome": d.outcome.value,
            "legal_basis": d.legal_basis.value if d.legal_basis else None,
            "rule": d.rule_id,
            "reason": d.reason,
            "decided_at": _iso(d.decided_at),
        }
        for d in all_decisions
    ]
    rights = RightsRepository(session)
    extra: dict[str, Any] = {"controller": controller.to_dict()} if controller is not None else {}
    if systems is not None and systems.names():
        identifiers = subject_identifiers(session, keyring, contact_id)
        extra["connected_systems"] = access_sections(systems, identifiers)
    held = {str(r["purpose"]) for r in [*interaction_rows, *event_rows, *attribute_rows]
            if r.get("purpose")}  # fmt: skip
    return {
        **extra,
        "format": "sphere-access-report/1",
        "generated_at": _iso(now),
        "subject": {
            "contact_id": contact.id,
            "created_at": _iso(contact.created_at),
            "restricted": contact.restricted,
            "objected_marketing": contact.objected_marketing,
            "objected_profiling": contact.objected_profiling,
        },
        "identities": identity_rows,
        "interactions": interaction_rows,
        "events": event_rows,
        "attributes": attribute_rows,
        "consents": consent_rows,
        "decisions": decision_rows,
        "transfers": disclosure.transfers(held),  # Art. 15(2)
        "recipients_told": register.recipients_told(session, contact_id),  # Art. 19 sentence 2
        "requests": [
            {
                "id": r.id,
                "type": r.type,
                "state": r.state,
                "received_at": _iso(r.received_at),
                "due_at": _iso(r.due_at),
                "completed_at": _iso(r.completed_at),
            }
            for r in rights.list_requests(contact_id=contact_id)
        ],
        "notices": [
            {
                "id": d.id,
                "source": d.source_name,
                "obtained_at": _iso(d.obtained_at),
                "due_at": _iso(d.due_at),
                "sent_at": _iso(d.sent_at),
            }
            for d in NoticeDutyRepository(session).duties(open_only=False, contact_id=contact_id)
        ],
        "sources": sorted(sources.values(), key=lambda s: s["name"]),
        "purposes": {
            p.value: {
                "legal_basis": spec.legal_basis.value,
                "retention_days": spec.retention_days,
                "description": spec.description,
            }
            for p, spec in policy.purposes.items()
        },
        # Art. 15(1)(h): profiling and automated decisions, in plain words (de, en)
        "profiling": profiling_statement(session, keyring, contact_id),
        "rights": [
            "rectification (Art. 16)",
            "erasure (Art. 17)",
            "restriction (Art. 18)",
            "portability (Art. 20)",
            "objection (Art. 21)",
            "withdrawal of consent at any time (Art. 7(3))",
            "complaint to a supervisory authority (Art. 77)",
        ],
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    else:
        text = str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text  # CSV formula injection guard
    return text


def _csv(rows: Iterable[Mapping[str, Any]]) -> str:
    rows = list(rows)
    buffer = io.StringIO()
    if not rows:
        return ""
    columns: list[str] = []
    for row in rows:
        columns += [k for k in row if k not in columns]
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_cell(row.get(c)) for c in columns])
    return buffer.getvalue()


_SUMMARY_SECTIONS = {
    "identities": N_("Data you gave us (identifiers)"),
    "interactions": N_("Posts and messages we stored"),
    "events": N_("Website and app use we recorded"),
    "attributes": N_("Facts we recorded or derived about you"),
    "consents": N_("Your consents"),
    "decisions": N_("Why we stored each record"),
    "transfers": N_("Transfers outside the EU/EEA and their safeguards"),
    "recipients_told": N_("Recipients we told of your correction, erasure or restriction"),
}
_SUMMARY_COLUMNS = {
    "kind": N_("Kind"),
    "value": N_("Value"),
    "channel": N_("Channel"),
    "purpose": N_("Purpose"),
    "legal_basis": N_("Legal basis"),
    "retention_until": N_("Deleted on"),
    "source": N_("Source"),
    "source_id": N_("Reference at the source"),
    "text": N_("Text"),
    "name": N_("Name"),
    "category": N_("Category"),
    "how_derived": N_("How it was derived"),
    "created_at": N_("Created"),
    "recorded_at": N_("Recorded"),
    "observed_at": N_("Observed"),
    "decided_at": N_("Decided"),
    "occurred_at": N_("Happened"),
    "state": N_("State"),
    "outcome": N_("Outcome"),
    "reason": N_("Reason"),
    "verified": N_("Verified"),
    "verification_method": N_("How it was verified"),
    "recipients": N_("Recipients"),
    "recipient": N_("Recipient"),
    "country": N_("Country"),
    "safeguard": N_("Safeguard"),
    "scc_module": N_("Module of the clauses"),
    "request_id": N_("Request"),
    "notified_at": N_("Told on"),
    "action": N_("Action"),
    "explicit": N_("Explicit (Art. 9)"),
    "notice_hash": N_("Fingerprint of the notice"),
    "expires_at": N_("Expires"),
    "evidence": N_("Evidence"),
}
_SUMMARY_WORDS = {  # values that are words
    "provided": N_("provided by you"),
    "observed": N_("observed"),
    "derived": N_("derived"),
    "inferred": N_("inferred"),
    "given": N_("given"),
    "withdrawn": N_("withdrawn"),
    "unknown": N_("unknown"),
    **register.SAFEGUARD_WORDS,
    **register.ACTION_WORDS,
}
_SUMMARY_RIGHTS = (
    ("art16", N_("rectification")),
    ("art17", N_("erasure")),
    ("art18", N_("restriction of processing")),
    ("art20", N_("data portability")),
    ("art21", N_("objection")),
    ("art7_3", N_("withdrawal of consent at any time")),
    ("art77", N_("complaint to a supervisory authority")),
)


def _summary_cell(tr: Translator, column: str, value: Any) -> str:
    if value in (None, ""):
        return ""
    if column == "purpose":
        return term(tr, "purpose", value)
    if column == "legal_basis":
        return legal_basis(tr, value)
    if column == "channel":
        return term(tr, "channel", value)
    if column == "kind" and isinstance(value, str):
        return term(tr, "item_kind", value)
    if column == "source" and isinstance(value, Mapping):
        channel = value.get("channel")
        value = term(tr, "channel", channel) if channel else str(value.get("name", ""))
    if isinstance(value, bool):
        return tr.gettext("yes") if value else tr.gettext("no")
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return "; ".join(tr.gettext(v) if v in register.WORDS else v for v in value)
    if isinstance(value, str) and value in _SUMMARY_WORDS:
        return tr.gettext(_SUMMARY_WORDS[value])
    if isinstance(value, str) and column.endswith(("_at", "_until")):
        try:
            return tr.datetime(value)
        except ValueError:
            return value
    return _cell(value)


def _controller_html(found: Mapping[str, Any] | None, tr: Translator) -> list[str]:
    """Who is responsible: controller, representative, DPO, supervisory authority."""
    if not found or not found.get("name"):
        return []
    esc = html.escape

    def joined(*values: Any) -> str:
        return esc(", ".join(str(v) for v in values if v))

    dpo, authority = found.get("dpo") or {}, found.get("supervisory_authority") or {}
    rows = [
        (tr.gettext("Controller"), joined(found["name"], found.get("address"),
                                          found.get("email"), found.get("phone"))),
        (tr.gettext("Represented by"), joined(found.get("representative"))),
        (tr.gettext("Data protection officer"), joined(dpo.get("name"), dpo.get("address"),
                                                       found.get("contact"))),
        (tr.gettext("Supervisory authority"), joined(authority.get("name"),
                                                     authority.get("address"),
                                                     authority.get("url"))),
    ]  # fmt: skip
    heading = esc(tr.gettext("Who is responsible"))
    items = "".join(f"<dt>{esc(k)}</dt><dd>{v or '—'}</dd>" for k, v in rows)
    return [f"<h2>{heading}</h2><dl>{items}</dl>"]


def _systems_html(sections: list[dict[str, Any]] | None, tr: Translator) -> list[str]:
    """The person's rows in the company's other systems, a table per system table."""
    if not sections:
        return []
    esc = html.escape
    heading = tr.gettext("Data in our other systems")  # outside the f-string for Babel
    none = tr.gettext("None.")
    parts = [f"<h2>{esc(heading)}</h2>"]
    for section in sections:
        name = esc(str(section.get("name") or section["system"]))
        if section.get("status") != "ok":
            note = tr.gettext("%(name)s could not be reached; this part follows.", name=name)
            parts.append(f"<p>{esc(note)}</p>")
            continue
        tables = section.get("tables") or {}
        if not tables:
            parts.append(f"<h3>{name}</h3><p>{esc(none)}</p>")
            continue
        for table, rows in tables.items():
            columns = list(rows[0]) if rows else []
            heads = "".join(f"<th>{esc(c)}</th>" for c in columns)
            parts.append(f"<h3>{name}: {esc(table)} ({len(rows)})</h3><table><tr>{heads}</tr>")
            for row in rows:
                values = ["" if row.get(c) is None else str(row.get(c)) for c in columns]
                parts.append("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in values) + "</tr>")
            parts.append("</table>")
    return parts


def render_html(report: Mapping[str, Any], tr: Translator | None = None) -> str:
    """A readable summary in ``tr``'s language (English by default); every value is
    escaped, no scripts, no external resources."""
    tr = tr or translator("en")
    esc = html.escape
    reference = esc(str(report["subject"]["contact_id"]))
    generated = esc(tr.datetime(str(report.get("generated_at"))))
    # (gettext calls stay outside f-strings: Babel does not look inside those)
    title = esc(tr.gettext("Your data"))
    heading = esc(tr.gettext("What we hold about you"))
    none = esc(tr.gettext("None."))
    rights_heading = esc(tr.gettext("Your rights"))
    parts = [
        "<!doctype html>",
        f'<html lang="{tr.lang}"><head><meta charset="utf-8">',
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "style-src 'unsafe-inline'\">",
        f"<title>{title}</title>",
        "<style>body{font-family:sans-serif;max-width:60em;margin:auto}"
        "table{border-collapse:collapse}td,th{border:1px solid #999;padding:.2em .4em;"
        "vertical-align:top;text-align:left}</style></head><body>",
        f"<h1>{heading}</h1>",
        "<p>"
        + esc(
            tr.gettext(
                "Generated %(when)s; your reference: %(reference)s.",
                when=generated,
                reference=reference,
            )
        )
        + "</p>",
    ]
    for section, section_title in _SUMMARY_SECTIONS.items():
        rows = report.get(section) or []
        parts.append(f"<h2>{esc(tr.gettext(section_title))} ({len(rows)})</h2>")
        if not rows:
            parts.append(f"<p>{none}</p>")
            continue
        columns: list[str] = []
        for row in rows:
            columns += [k for k in row if k not in columns]
        heads = "".join(
            f"<th>{esc(tr.gettext(_SUMMARY_COLUMNS[c]) if c in _SUMMARY_COLUMNS else c)}</th>"
            for c in columns
        )
        parts.append(f"<table><tr>{heads}</tr>")
        for row in rows:
            cells = "".join(f"<td>{esc(_summary_cell(tr, c, row.get(c)))}</td>" for c in columns)
            parts.append(f"<tr>{cells}</tr>")
        parts.append("</table>")
    texts = (report.get("profiling") or {}).get("text", {})
    words = texts.get(tr.lang) or texts.get("en")
    if words:
        parts.append(f"<section><h2>{esc(words['title'])}</h2>")
        parts.append(f"<p>{esc(words['summary'])}</p>")
        if words["logic"]:
            parts.append("<ul>" + "".join(f"<li>{esc(x)}</li>" for x in words["logic"]) + "</ul>")
        for key in ("changes", "consequences"):
            if words[key]:
                parts.append(f"<p>{esc(words[key])}</p>")
        parts += [f"<p>{esc(x)}</p>" for x in words["automated_decisions"]]
        parts.append(f"<p>{esc(words['your_rights'])}</p></section>")
    parts += _systems_html(report.get("connected_systems"), tr)
    parts += _controller_html(report.get("controller"), tr)
    parts.append(f"<h2>{rights_heading}</h2><ul>")
    parts += [
        f"<li>{esc(tr.gettext(right))} ({esc(article(tr, code))})</li>"
        for code, right in _SUMMARY_RIGHTS
    ]
    parts.append("</ul></body></html>")
    return "\n".join(parts)


def export_archive(report: Mapping[str, Any], tr: Translator | None = None) -> bytes:
    """The Art. 20 archive: data.json, one CSV per section, summary.html (a zip) — the
    summary in ``tr``'s language (English by default)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "data.json", json.dumps(report, ensure_ascii=False, indent=2, sort_keys=True)
        )
        for section in _CSV_SECTIONS:
            archive.writestr(f"{section}.csv", _csv(report.get(section) or []))
        for system in report.get("connected_systems") or []:
            for table, rows in (system.get("tables") or {}).items():
                archive.writestr(f"systems/{system['system']}/{table}.csv", _csv(rows))
        archive.writestr("summary.html", render_html(report, tr))
    return buffer.getvalue()

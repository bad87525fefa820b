""" "Everything we hold about you": the access report's items grouped by purpose.

The portal's overview page and the portal JSON API show the same grouping, so it lives
here once, in the caller's language (``tr``): purpose names, legal bases and dates come
from the glossary (``sphere.i18n.glossary``). Next to those words each item keeps the
machine-readable facts (legal-basis code, retention deadline) for API clients.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sphere.domain import LegalBasis
from sphere.i18n import Translator
from sphere.i18n.glossary import article, describe, legal_basis, term

# Data without a purpose of its own: the contact details the person or the CRM provided.
PROVIDED = "provided"


@dataclass(frozen=True, slots=True)
class HeldItem:
    item: str  # what it is, in words ("E-mail address: …", "Mastodon, Post: …")
    label: str  # the words part ("Mastodon, Post")
    value: str  # the data part (the person's own data: never translated)
    category: str  # provided, observed, or the kind of derived datum
    source: str  # where it came from ("" when unknown)
    basis: str  # article and plain words ("Art. 6(1)(a) GDPR – your consent"), or ""
    legal_basis: str | None  # the code (``art6_1_a``), None when none is recorded
    article: str | None  # "Art. 6(1)(a) GDPR" / "Art. 6 Abs. 1 lit. a DSGVO"
    deleted: str  # the local deletion date or the words for "no fixed date"
    retention_until: str | None  # ISO timestamp of the retention deadline
    explanation: str  # how a derived datum was derived ("" for others)


@dataclass(frozen=True, slots=True)
class PurposeGroup:
    purpose: str  # the purpose's value, or ``PROVIDED``
    title: str
    description: str
    items: list[HeldItem] = field(default_factory=list)


def group_by_purpose(report: Mapping[str, Any], tr: Translator) -> list[PurposeGroup]:
    """Items of ``rights.access.access_report`` grouped by purpose, provided data first,
    then purposes alphabetically."""
    groups: dict[str, PurposeGroup] = {}

    def add(
        purpose: str | None, label: str, value: str, row: Mapping[str, Any], explanation: str = ""
    ) -> None:
        key = purpose or PROVIDED
        info = report["purposes"].get(key, {})
        group = groups.get(key)
        if group is None:
            description = describe(tr, key, info.get("description", ""))
            group = groups[key] = PurposeGroup(key, term(tr, "purpose", key), description)
        # The record's basis is the one its decision names — never the purpose's
        # declared basis (enrichment is declared on Art. 6(1)(f) but may store with
        # consent): one fact, one answer in portal, export and record.
        code = row.get("legal_basis")
        basis = LegalBasis(code) if code else None
        retention = row.get("retention_until") or None
        group.items.append(
            HeldItem(
                item=f"{label}: {value}" if value else label,
                label=label,
                value=value,
                category=str(row.get("category") or ""),
                source=_source(tr, row.get("source") or {}),
                basis=legal_basis(tr, basis) if basis else "",
                legal_basis=basis.value if basis else None,
                article=article(tr, basis) if basis else None,
                deleted=_local_date(tr, retention) or tr.gettext("with the purpose or on request"),
                retention_until=retention,
                explanation=explanation,
            )
        )

    def kind(row: Mapping[str, Any], name: str) -> str:
        what = term(tr, "item_kind", row[name])
        return f"{term(tr, 'channel', row['channel'])}, {what}" if row.get("channel") else what

    for row in report["identities"]:
        add(row.get("purpose"), kind(row, "kind"), str(row["value"]), row)
    for row in report["interactions"]:
        add(row.get("purpose"), kind(row, "kind"), str(row["text"]), row)
    for row in report["events"]:
        add(row.get("purpose"), kind(row, "kind"), "", row)
    for row in report["attributes"]:
        label = term(tr, "item_kind", row["name"])
        add(row.get("purpose"), label, str(row["value"]), row, row.get("how_derived") or "")
    return sorted(groups.values(), key=lambda g: (g.purpose != PROVIDED, g.purpose))


def _source(tr: Translator, source: Mapping[str, Any]) -> str:
    """Where an item came from: the channel in words, else the source's name."""
    if source.get("channel"):
        return term(tr, "channel", source["channel"])
    name = str(source.get("name") or "")
    return term(tr, "item_kind", name) if name == "unknown" else name


def _local_date(tr: Translator, iso: str | None) -> str:
    return tr.date(datetime.fromisoformat(iso)) if iso else ""

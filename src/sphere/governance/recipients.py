"""Recipients, processors and sub-processors, and transfers outside the EU/EEA.

Where each rule lives (``check_recipient``):
- a processor acts under a contract or other legal act (Art. 28(3)): its date is required;
- a sub-processor is engaged by a registered processor (Art. 28(2), (4));
- a transfer to a third country needs a mechanism (Chapter V, Art. 44): an adequacy
  decision (Art. 45; for the USA the EU-US Data Privacy Framework, Decision 2023/1795),
  standard contractual clauses (Art. 46(2)(c), Decision 2021/914, modules 1-4), binding
  corporate rules (Art. 46(2)(b), Art. 47) or a derogation (Art. 49); clauses and rules
  come with a transfer impact assessment (CJEU C-311/18 Schrems II);
- the record of processing lists the recipients (Art. 30(1)(d)) and the transfers with
  their safeguards (Art. 30(1)(e)) from this register (``sphere.cockpit.record``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import DataCategory, Purpose
from sphere.governance.breach import BreachInputError as FieldError
from sphere.storage.repositories.recipients import Recipient, RecipientRepository

ROLES = ("processor", "sub_processor", "controller", "authority")
MECHANISMS = ("adequacy", "dpf", "scc", "bcr", "derogation")
# EU member states and the other EEA states (Iceland, Liechtenstein, Norway).
EEA = frozenset({
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
})  # fmt: skip
# The legal basis of each mechanism in DPV's GDPR extension (record JSON-LD).
MECHANISM_DPV = {"adequacy": "eu-gdpr:A45-3", "dpf": "eu-gdpr:A45-3", "scc": "eu-gdpr:A46-2-c",
                 "bcr": "eu-gdpr:A46-2-b", "derogation": "eu-gdpr:A49-1"}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RecipientDraft:
    name: str
    role: str
    country: str
    purposes: tuple[str, ...] = ()
    location: str = ""
    data_categories: tuple[str, ...] = ()
    processor_of: str | None = None
    agreement_date: datetime | None = None
    agreement_scope: str = ""
    transfer_mechanism: str | None = None
    scc_module: int | None = None
    tia_date: datetime | None = None
    tia_summary: str = ""


def is_transfer(country: str) -> bool:
    return country.upper() not in EEA


def check_recipient(
    session: Session, draft: RecipientDraft, *, editing: str | None = None
) -> dict[str, Any]:
    """The row's values, or ``FieldError`` naming the first bad field (``editing``: the
    id of the recipient being changed, which may not be its own processor)."""
    name = " ".join(draft.name.split())
    if not name or len(name) > 200:
        raise FieldError("name", "required, at most 200 characters")
    if draft.role not in ROLES:
        raise FieldError("role", f"choose one of: {', '.join(ROLES)}")
    country = draft.country.strip().upper()
    if len(country) != 2 or not country.isalpha():
        raise FieldError("country", "an ISO 3166 country code such as DE, IE, US")
    purposes = _known("purposes", draft.purposes, (p.value for p in Purpose))
    if not purposes:
        raise FieldError("purposes", "name at least one purpose the recipient receives data for")
    categories = _known("data_categories", draft.data_categories, (c.value for c in DataCategory))
    if draft.tia_date is not None and not is_transfer(country):
        raise FieldError("tia_date", f"{country} is in the EU/EEA: there is no transfer to assess")
    if draft.role in ("processor", "sub_processor") and draft.agreement_date is None:
        raise FieldError(
            "agreement_date",
            "a processor acts under a processing agreement (Art. 28(3)): give its date",
        )
    if draft.role == "sub_processor":
        parent = RecipientRepository(session).get(draft.processor_of or "")
        if (
            parent is None
            or parent.role != "processor"
            or parent.id == editing
            or parent.retired_at is not None
        ):
            raise FieldError(
                "processor_of", "name the registered processor that engaged it (Art. 28(2), (4))"
            )
    mechanism = draft.transfer_mechanism or None
    if is_transfer(country):
        if mechanism not in MECHANISMS:
            raise FieldError(
                "transfer_mechanism",
                f"a transfer to {country} needs a mechanism (Art. 44-49): choose one of: "
                f"{', '.join(MECHANISMS)}",
            )
        if mechanism == "dpf" and country != "US":
            raise FieldError(
                "transfer_mechanism",
                "the EU-US Data Privacy Framework covers recipients in the US only",
            )
        if mechanism == "scc" and draft.scc_module not in (1, 2, 3, 4):
            raise FieldError(
                "scc_module", "standard contractual clauses 2021/914: module 1, 2, 3 or 4"
            )
    elif mechanism is not None:
        raise FieldError(
            "transfer_mechanism", f"{country} is in the EU/EEA: no transfer mechanism is needed"
        )
    return {
        "name": name, "role": draft.role, "country": country, "purposes": list(purposes),
        "location": " ".join(draft.location.split())[:200],
        "tia_summary": draft.tia_summary.strip()[:4000],
        "data_categories": list(categories),
        "processor_of": draft.processor_of if draft.role == "sub_processor" else None,
        "agreement_date": draft.agreement_date,
        "agreement_scope": draft.agreement_scope.strip()[:4000],
        "transfer_mechanism": mechanism if is_transfer(country) else None,
        "scc_module": draft.scc_module if mechanism == "scc" else None, "tia_date": draft.tia_date,
    }  # fmt: skip


def _known(field: str, values: Iterable[str], allowed: Iterable[str]) -> tuple[str, ...]:
    known = tuple(allowed)
    chosen = tuple(dict.fromkeys(v.strip() for v in values if v.strip()))
    unknown = [v for v in chosen if v not in known]
    if unknown:
        raise FieldError(field, f"unknown {', '.join(unknown)}; choose from: {', '.join(known)}")
    return chosen


def add_recipient(
    session: Session, draft: RecipientDraft, *, actor: str, at: datetime
) -> Recipient:
    values = check_recipient(session, draft)
    recipient = RecipientRepository(session).add(**values, created_at=at, created_by=actor)
    audit(session, actor=actor, action="recipient.added", object_ids=(recipient.id,),
          details={"article": "art30_1_d", "role": recipient.role, "country": recipient.country,
                   "transfer": is_transfer(recipient.country),
                   "mechanism": recipient.transfer_mechanism}, at=at)  # fmt: skip
    return recipient


def update_recipient(
    session: Session, recipient_id: str, draft: RecipientDraft, *, actor: str, at: datetime
) -> Recipient:
    """Change a recipient: checked like a new one, all fields at once or none."""
    repository = RecipientRepository(session)
    before = repository.by_id(recipient_id)
    if before.retired_at is not None:
        raise FieldError("recipient", "retired; register it anew instead")
    values = check_recipient(session, draft, editing=recipient_id)
    if before.role == "processor" and values["name"] != before.name:
        engaged = [r.name for r in repository.list() if r.processor_of == before.name]
        if engaged:
            raise FieldError("name", f"sub-processors name it as their processor: {engaged[0]}")
    recipient = repository.update(recipient_id, **values, updated_at=at)
    changed = sorted(k for k in values if getattr(before, k) != getattr(recipient, k))
    audit(session, actor=actor, action="recipient.changed", object_ids=(recipient_id,),
          details={"article": "art30_1_d", "fields": changed, "country": recipient.country,
                   "transfer": is_transfer(recipient.country),
                   "mechanism": recipient.transfer_mechanism}, at=at)  # fmt: skip
    return recipient


def retire_recipient(session: Session, recipient_id: str, *, actor: str, at: datetime) -> Recipient:
    """It no longer receives data: out of the notices and the record, kept in the register
    (and in the Art. 19 notifications already made)."""
    repository = RecipientRepository(session)
    before = repository.by_id(recipient_id)
    if before.retired_at is not None:
        raise FieldError("recipient", "retired already")
    engaged = [r.name for r in repository.list(active_only=True) if r.processor_of == before.name]
    if engaged:
        raise FieldError("recipient", f"retire its sub-processors first: {', '.join(engaged)}")
    recipient = repository.update(recipient_id, retired_at=at, updated_at=at)
    audit(session, actor=actor, action="recipient.retired", object_ids=(recipient_id,),
          details={"article": "art30_1_d", "role": recipient.role}, at=at)  # fmt: skip
    return recipient


def find_recipient(session: Session, name: str) -> Recipient:
    found = RecipientRepository(session).get(name)
    if found is None:
        raise FieldError("name", f"no recipient {name!r} is registered")
    return found


def get_recipient(session: Session, recipient_id: str) -> Recipient:
    return RecipientRepository(session).by_id(recipient_id)


def list_recipients(session: Session, *, active_only: bool = True) -> list[Recipient]:
    """The recipients that receive data now (``active_only=False``: also the retired)."""
    return RecipientRepository(session).list(active_only=active_only)


def recipient_dict(recipient: Recipient) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in recipient.__dataclass_fields__:
        value = getattr(recipient, name)
        data[name] = (value.isoformat() if isinstance(value, datetime)
                      else list(value) if isinstance(value, tuple) else value)  # fmt: skip
    data["transfer"] = is_transfer(recipient.country)
    return data

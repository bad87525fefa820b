"""The connected systems in the record of processing (Art. 30(1)(d), issue 15): every
system Sphere reaches is infrastructure the processing runs on; a system run by a
processor or another controller — found in the recipients register under the system's
name or slug (Art. 28, 30(1)(d)) — and every webhook recipient (it is sent the person's
identifiers) is also a recipient, with its role."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.orm import Session

from sphere.governance.recipients import list_recipients

DPV_ROLE = {
    "processor": "dpv:DataProcessor",
    "sub_processor": "dpv:DataSubProcessor",
    "controller": "dpv:DataController",
    "authority": "dpv:Authority",
}


def system_entries(
    session: Session, inventory: Iterable[Mapping[str, str]]
) -> tuple[dict[str, Any], ...]:
    """One entry per connected system: infrastructure, and recipient where it is one."""
    register = {}
    for r in list_recipients(session):
        if r.retired_at is None:
            register.setdefault(r.name.casefold(), r)
    entries = []
    for item in inventory:
        match = register.get(item["name"].casefold()) or register.get(item["system"].casefold())
        role = match.role if match is not None else ("recipient" if item["kind"] == "webhook"
                                                     else None)  # fmt: skip
        entries.append({
            "system": item["system"], "name": item["name"], "kind": item["kind"],
            "detail": item.get("detail", ""), "crm_sync": bool(item.get("crm_sync")),
            "recipient_role": role, "operator": match.name if match is not None else None,
            "country": match.country if match is not None else None,
        })  # fmt: skip
    return tuple(entries)


def systems_jsonld(systems: Iterable[Mapping[str, Any]]) -> tuple[list[Any], list[Any]]:
    """(infrastructure, recipients) in W3C DPV terms."""
    technology = [
        {"@type": "dpv:Technology", "rdfs:label": s["name"], "dct:identifier": s["system"]}
        for s in systems
    ]
    recipients = [
        {"@type": DPV_ROLE.get(s["recipient_role"], "dpv:Recipient"),
         "rdfs:label": s["operator"] or s["name"], "dct:identifier": s["system"]}
        for s in systems if s["recipient_role"]
    ]  # fmt: skip
    return technology, recipients

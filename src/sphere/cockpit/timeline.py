"""A contact's timeline for staff: the interactions and events the viewer's role may
see, and for everything hidden, the reason.

Who sees what (purpose limitation, GDPR Art. 5(1)(b); need to know, Art. 32(4)):

* ``dpo``, ``admin``, ``auditor`` see every record (supervision, Art. 38/39).
* ``agent`` (customer service) sees records kept for ``customer_care`` and
  ``service_provision`` — the conversations they answer.
* ``marketer`` sees records kept for ``enrichment``, ``profiling``,
  ``direct_marketing`` and ``web_analytics``, never special-category data (Art. 9)
  and nothing of a person who objected (Art. 21).
* nobody but supervision roles sees a contact whose processing is restricted (Art. 18).

Hidden records show their kind, date and the reason — never their text.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.accounts import Role
from sphere.audit import record as audit
from sphere.i18n import N_, Translator
from sphere.i18n.message import Message, cited, joined, msg, render, word
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.interactions import InteractionRepository

SUPERVISION = frozenset({Role.DPO, Role.ADMIN, Role.AUDITOR})
ROLE_PURPOSES: dict[Role, frozenset[str]] = {
    Role.AGENT: frozenset({"customer_care", "service_provision"}),
    Role.MARKETER: frozenset({"enrichment", "profiling", "direct_marketing", "web_analytics"}),
}


@dataclass(frozen=True, slots=True)
class TimelineItem:
    record_type: str  # interaction | event
    id: str
    at: datetime
    channel: str
    kind: str
    purpose: str | None
    legal_basis: str | None
    rule_id: str | None
    visible: bool
    text: str | None  # only when visible; hostile channel content, escape on output
    hidden_reason: str | None  # the stable English text (API)
    special_categories: tuple[str, ...]
    retention_until: datetime | None
    hidden_text: Message | None = field(default=None, compare=False)  # for a page

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_type": self.record_type,
            "id": self.id,
            "at": self.at.isoformat(),
            "channel": self.channel,
            "kind": self.kind,
            "purpose": self.purpose,
            "legal_basis": self.legal_basis,
            "rule_id": self.rule_id,
            "visible": self.visible,
            "text": self.text,
            "hidden_reason": self.hidden_reason,
            "special_categories": list(self.special_categories),
            "retention_until": self.retention_until.isoformat() if self.retention_until else None,
        }


@dataclass(frozen=True, slots=True)
class Timeline:
    contact_id: str
    role: str
    items: tuple[TimelineItem, ...]

    @property
    def hidden(self) -> int:
        return sum(1 for i in self.items if not i.visible)

    def to_dict(self) -> dict[str, Any]:
        return {
            "contact_id": self.contact_id,
            "role": self.role,
            "hidden": self.hidden,
            "items": [i.to_dict() for i in self.items],
        }


def hidden_message(
    role: Role,
    *,
    purpose: str | None,
    special: bool,
    restricted: bool,
    objected: bool,
) -> Message | None:
    """None when ``role`` may see the record, else why it is hidden (a message, shown
    in the reader's language by ``localize``)."""
    if role in SUPERVISION:
        return None
    if restricted:
        return msg(
            N_("Processing of this contact is restricted (%(law)s)."), law=cited("GDPR Art. 18")
        )
    allowed = ROLE_PURPOSES.get(role, frozenset())
    if purpose not in allowed:
        values = {
            "purpose": word("purpose", purpose) if purpose else msg(N_("undecided")),
            "role": word("role", role.value),
            "law": cited("GDPR Art. 5(1)(b)"),
        }
        if not allowed:
            text = N_("Kept for purpose '%(purpose)s'; role '%(role)s' sees no records "
                      "(purpose limitation, %(law)s).")  # fmt: skip
            return msg(text, **values)
        text = N_("Kept for purpose '%(purpose)s'; role '%(role)s' sees only %(allowed)s "
                  "records (purpose limitation, %(law)s).")  # fmt: skip
        return msg(text, allowed=joined(word("purpose", a) for a in sorted(allowed)), **values)
    if role is Role.MARKETER and special:
        return msg(N_("Special-category data (%(law)s) is never shown to marketing."),
                   law=cited("GDPR Art. 9"))  # fmt: skip
    if role is Role.MARKETER and objected:
        return msg(N_("The person objected to marketing or profiling (%(law)s)."),
                   law=cited("GDPR Art. 21"))  # fmt: skip
    return None


def hidden_reason(
    role: Role, *, purpose: str | None, special: bool, restricted: bool, objected: bool
) -> str | None:
    """None when ``role`` may see the record, else the reason it is hidden (English)."""
    found = hidden_message(
        role, purpose=purpose, special=special, restricted=restricted, objected=objected
    )
    return render(None, found) if found is not None else None


def localize(timeline: Timeline, tr: Translator) -> Timeline:
    """``timeline`` with the hidden records' reasons in ``tr``'s language (for a page)."""
    items = tuple(
        replace(item, hidden_reason=render(tr, item.hidden_text))
        if item.hidden_text is not None
        else item
        for item in timeline.items
    )
    return replace(timeline, items=items)


def contact_timeline(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    *,
    role: Role,
    actor: str,
    at: datetime,
) -> Timeline:
    """The timeline as ``role`` may see it; the view is audited (who, role, how many
    records were shown and hidden) so staff access to a customer can be reviewed."""
    contact = ContactRepository(session, keyring).get(contact_id)  # NotFound if unknown
    objected = contact.objected_marketing or contact.objected_profiling
    decisions = DecisionRepository(session)
    items: list[TimelineItem] = []

    def decision_of(decision_id: str | None) -> tuple[str | None, str | None, str | None]:
        if decision_id is None:
            return None, None, None
        found = decisions.get(decision_id)
        return (
            found.purpose.value,
            found.legal_basis.value if found.legal_basis else None,
            found.rule_id,
        )

    for interaction in InteractionRepository(session, keyring).list_for_contact(contact_id):
        if interaction.deleted_at is not None:
            continue
        purpose, basis, rule = decision_of(interaction.decision_id)
        special = tuple(sorted(c.value for c in interaction.special_categories))
        hidden = hidden_message(
            role,
            purpose=purpose,
            special=bool(special),
            restricted=contact.restricted,
            objected=objected,
        )
        reason = render(None, hidden) if hidden is not None else None
        items.append(
            TimelineItem(
                record_type="interaction",
                id=interaction.id,
                at=interaction.created_at,
                channel=interaction.channel.value,
                kind=interaction.kind.value,
                purpose=purpose,
                legal_basis=basis,
                rule_id=rule,
                visible=reason is None,
                text=interaction.text if reason is None else None,
                hidden_reason=reason,
                special_categories=special,
                retention_until=interaction.retention_until,
                hidden_text=hidden,
            )
        )
    for event in EventRepository(session, keyring).list_for_contact(contact_id):
        purpose, basis, rule = decision_of(event.decision_id)
        hidden = hidden_message(
            role, purpose=purpose, special=False, restricted=contact.restricted, objected=objected
        )
        reason = render(None, hidden) if hidden is not None else None
        items.append(
            TimelineItem(
                record_type="event",
                id=event.id,
                at=event.occurred_at,
                channel=event.channel.value,
                kind=event.kind,
                purpose=purpose,
                legal_basis=basis,
                rule_id=rule,
                visible=reason is None,
                text=None,
                hidden_reason=reason,
                special_categories=(),
                retention_until=event.retention_until,
                hidden_text=hidden,
            )
        )
    items.sort(key=lambda i: (i.at, i.id), reverse=True)
    timeline = Timeline(contact_id=contact_id, role=role.value, items=tuple(items))
    audit(
        session,
        actor=actor,
        action="staff.timeline_viewed",
        subject_id=contact_id,
        details={
            "role": role.value,
            "shown": len(items) - timeline.hidden,
            "hidden": timeline.hidden,
        },
        at=at,
    )
    return timeline

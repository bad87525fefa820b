"""Trigger rules that open service tasks, and replies on a social channel.

A :class:`TriggerRule` reads: "when a linked customer posts about product X with negative
sentiment, open a service task". Each matching stored interaction is put to the policy
for purpose ``customer_care`` with its own facts; under the default policy that allows
posts that addressed the company (a mention, a reply, a message — GDPR Art. 6(1)(f),
Recital 47) and refuses public posts that merely name the brand: the company does not
follow people around. Restricted contacts (Art. 18) get no task. Tasks are idempotent
per (rule, interaction).

``reply`` answers one stored post on its social channel only where the author addressed
the company (Recital 47); otherwise it refuses with that reason. Both write audit
entries either way.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import (
    Collection,
    DataCategory,
    Decision,
    Facts,
    IdentityKind,
    Purpose,
    Relationship,
)
from sphere.errors import InvalidInput, NotFound
from sphere.marketing.audience import addressed, load_facts
from sphere.marketing.catalogue import Catalogue, optiklinse_catalogue
from sphere.marketing.channel import OutreachChannel, Reason
from sphere.marketing.sentiment import SentimentLabel, analyse_sentiment
from sphere.marketing.transport import DeliveryError, OutboundMessage, Transport
from sphere.policy import Policy
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Interaction
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.marketing import MarketingRepository, ServiceTaskRecord
from sphere.storage.repositories.sources import SourceRepository


@dataclass(frozen=True, slots=True)
class TriggerRule:
    name: str
    product: str  # a catalogue key, e.g. "macro"
    sentiment: SentimentLabel = SentimentLabel.NEGATIVE
    relationships: tuple[Relationship, ...] = (Relationship.VERIFIED_CUSTOMER,)


@dataclass(frozen=True, slots=True)
class TriggerRun:
    opened: tuple[ServiceTaskRecord, ...] = ()
    skipped: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ReplyOutcome:
    sent: bool
    reason: Reason


def _care_decision(
    session: Session, interaction: Interaction, relationship: Relationship, policy: Policy
) -> tuple[bool, str, Decision]:
    try:
        collection = SourceRepository(session).get(interaction.source_name).collection
    except NotFound:
        collection = None
    decision = policy.evaluate(
        Facts(
            purpose=Purpose.CUSTOMER_CARE,
            visibility=interaction.visibility,
            addressing=interaction.addressing,
            relationship=relationship,
            data_category=DataCategory.PRODUCT_CONTENT,
            collection=collection or Collection.OFFICIAL_API,
            provenance_recorded=collection is not None,
        )
    )
    return decision.permits_storage, decision.rule_id, decision


def run_triggers(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    rules: Sequence[TriggerRule],
    *,
    now: datetime,
    actor: str,
    contact_ids: Iterable[str] | None = None,
    catalogue: Catalogue | None = None,
) -> TriggerRun:
    """Open a service task for every stored interaction that matches a rule."""
    catalogue = catalogue or optiklinse_catalogue()
    keys = {e.key for e in catalogue.entries}
    for rule in rules:
        if rule.product not in keys:
            raise InvalidInput(
                f"trigger {rule.name!r}: product {rule.product!r} is not in the catalogue"
            )
    repo = MarketingRepository(session)
    interactions = InteractionRepository(session, keyring)
    contacts = ContactRepository(session, keyring)
    opened: list[ServiceTaskRecord] = []
    skipped: dict[str, int] = {}
    ids = list(contact_ids) if contact_ids is not None else repo.active_contact_ids()
    for cid in ids:
        contact = contacts.get(cid)
        facts = load_facts(session, keyring, cid, Purpose.CUSTOMER_CARE, now=now)
        for item in interactions.list_for_contact(cid):
            if item.deleted_at is not None or not item.text:
                continue
            for rule in rules:
                if facts.recipient.relationship not in rule.relationships:
                    continue
                if rule.product not in catalogue.match(item.text):
                    continue
                if analyse_sentiment(item.text, language=item.language).label is not rule.sentiment:
                    continue
                if contact.restricted:
                    skipped["restriction.excluded"] = skipped.get("restriction.excluded", 0) + 1
                    continue
                allowed, rule_id, decision = _care_decision(
                    session, item, facts.recipient.relationship, policy
                )
                if not allowed:
                    skipped[rule_id] = skipped.get(rule_id, 0) + 1
                    continue
                label = catalogue.entry(rule.product).label
                task, created = repo.add_task_if_absent(
                    rule=rule.name,
                    contact_id=cid,
                    interaction_id=item.id,
                    reason=f"{rule.sentiment.value} post about {label}",
                    legal_basis=decision.legal_basis.value if decision.legal_basis else None,
                    at=now,
                )
                if created:
                    opened.append(task)
                    audit(
                        session,
                        actor=actor,
                        action="service-task.opened",
                        subject_id=cid,
                        object_ids=(task.id, item.id),
                        purpose=Purpose.CUSTOMER_CARE,
                        legal_basis=task.legal_basis,
                        details={"rule": rule_id, "trigger": _token(rule.name)},
                        at=now,
                    )
    return TriggerRun(tuple(opened), skipped)


def _token(name: str) -> str:
    return "-".join(name.split())[:60] or "trigger"


def reply(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    interaction_id: str,
    text: str,
    transport: Transport,
    *,
    now: datetime,
    actor: str,
) -> ReplyOutcome:
    """Answer a stored post on its channel — only where its author addressed the company."""
    if not text.strip():
        raise InvalidInput("a reply needs text")
    item = InteractionRepository(session, keyring).get(interaction_id)
    reason: Reason | None = None
    handle = ""
    if item.contact_id is None:
        reason = Reason(
            "reply.author-unknown",
            "the author is not a known contact; the company does not reply to strangers' "
            "posts it found",
            "GDPR Art. 6(1)(f), Recital 47",
        )
    elif not addressed(item):
        reason = Reason(
            "channel.social-reply-not-addressed",
            "a social reply is only sent where the author addressed the company",
            "GDPR Art. 6(1)(f), Recital 47",
        )
    else:
        contact = ContactRepository(session, keyring).get(item.contact_id)
        facts = load_facts(session, keyring, item.contact_id, Purpose.CUSTOMER_CARE, now=now)
        allowed, rule_id, decision = _care_decision(
            session, item, facts.recipient.relationship, policy
        )
        if contact.restricted:
            reason = Reason(
                "restriction.excluded",
                "processing is restricted for this contact; only storage is allowed",
                "GDPR Art. 18(2)",
            )
        elif not allowed:
            reason = Reason(rule_id, decision.reason.rstrip("."), decision.article or "")
        handle = next(
            (
                i.value or ""
                for i in ContactRepository(session, keyring).identities(item.contact_id)
                if i.kind is IdentityKind.HANDLE and i.channel == item.channel.value
            ),
            "",
        )
    if reason is None:
        message = OutboundMessage(
            send_id=f"reply-{item.id}",
            campaign="reply",
            contact_id=item.contact_id or "",
            channel=OutreachChannel.SOCIAL_REPLY,
            purpose=Purpose.CUSTOMER_CARE.value,
            legal_basis="art6_1_f",
            subject="",
            body=text,
            to=handle,
            in_reply_to=item.source_id,
        )
        try:
            transport.deliver(message)
            reason = Reason(
                "allowed", "the author addressed the company", "GDPR Art. 6(1)(f), Recital 47"
            )
        except DeliveryError as exc:
            reason = Reason(exc.code, "delivery failed", "")
    sent = reason.code == "allowed"
    audit(
        session,
        actor=actor,
        action="reply.sent" if sent else "reply.refused",
        subject_id=item.contact_id or item.key_id,
        object_ids=(item.id,),
        purpose=Purpose.CUSTOMER_CARE,
        legal_basis="art6_1_f" if sent else None,
        details={"code": reason.code, "channel": item.channel.value},
        at=now,
    )
    return ReplyOutcome(sent, reason)


__all__ = ["ReplyOutcome", "TriggerRule", "TriggerRun", "reply", "run_triggers"]

"""Consent-gated enrichment: derive interests, sentiment, cross-selling potential and churn
risk from a contact's stored interactions and events, and store each as a derived
attribute with provenance.

When it runs (GDPR Art. 5(1)(b), 6(1), 9, 18, 21):

1. never for an erased or restricted contact (Art. 18(2)), a minor without the consent of
   a holder of parental responsibility (Art. 8(1), Recital 38), or one who objected to
   profiling/enrichment (Art. 21(1)/(2));
2. each stored text and event is put to the policy with its own facts (purpose,
   visibility, addressing, relationship, category, collection, the contact's consent) and
   only those the policy allows are used — on consent, or on another basis the policy
   records (e.g. a verified customer's public product post for ``enrichment`` on
   legitimate interest, Art. 6(1)(f));
3. a text flagged with a special category (Art. 9(1)) is used only with explicit consent
   for the purpose (Art. 9(2)(a)); the pure ``derive`` functions also skip texts in
   which they detect one;
4. consent counts for a text or event only if its scope covers that category of data
   from that channel (Art. 4(11)): a CRM newsletter tick covers no Facebook comment;
5. after a withdrawal of consent to profiling nothing is rebuilt for profiling or
   enrichment on another basis (Art. 7(3)); on legitimate interest no scores are built
   (cross-selling potential, churn risk: profiling for marketing, CJEU C-252/21).

What is stored: one ``attributes`` row per result (kind ``derived``), encrypted under the
contact's key, with the purpose, legal basis, the policy version and rule, an
explanation, edges to every interaction and event it was derived from and — when it rests
on consent — the consent record (``consent_id`` plus an edge). So
``consent.ledger.withdraw`` deletes it, and ``pipeline.cascade.delete_interaction``
deletes what was derived from a deleted post. Re-running replaces the previous results
of the same purpose together with what was built on them (scores, segment memberships).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.consent.gpc import OPT_OUT_KEY
from sphere.consent.state import ConsentStatus, current_state
from sphere.domain import (
    Addressing,
    AttributeKind,
    Collection,
    ConsentState,
    DataCategory,
    Decision,
    Facts,
    LegalBasis,
    Purpose,
    Visibility,
)
from sphere.domain.consent import ConsentRecord, DataUse
from sphere.errors import NotFound
from sphere.governance.dpia import dpia_hold
from sphere.marketing.audience import load_facts
from sphere.marketing.catalogue import Catalogue, optiklinse_catalogue
from sphere.marketing.channel import Reason
from sphere.marketing.derive import (
    DerivedAttribute,
    SourceEvent,
    SourceText,
    derive_churn_risk,
    derive_cross_selling,
    derive_interests,
    derive_sentiment,
)
from sphere.policy import Policy
from sphere.policy.dpia import HOLD_ARTICLE, HOLD_RULE
from sphere.storage.crypto import Keyring
from sphere.storage.entities import Attribute, NewAttribute, SourceRef, SourceType
from sphere.storage.repositories.attributes import AttributeRepository
from sphere.storage.repositories.consents import ConsentRepository
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.events import EventRepository
from sphere.storage.repositories.interactions import InteractionRepository
from sphere.storage.repositories.sources import SourceRepository

ENRICHMENT_NAMES = ("interest", "sentiment", "cross_selling_potential", "churn_risk")
DERIVED_PURPOSES = (Purpose.PROFILING, Purpose.ENRICHMENT)
# Minors (Art. 8, Recital 38): not without a holder of parental responsibility's consent.
MINOR_PURPOSES = frozenset({Purpose.PROFILING, Purpose.ENRICHMENT, Purpose.DIRECT_MARKETING})


@dataclass(frozen=True, slots=True)
class EnrichmentResult:
    """What one run stored, or why it stored nothing. ``skipped`` counts sources not used,
    by reason code (policy rule id, ``special-category.no-explicit-consent`` …)."""

    contact_id: str
    purpose: Purpose
    stored: tuple[Attribute, ...] = ()
    refusal: Reason | None = None
    used: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    replaced: int = 0
    legal_basis: LegalBasis | None = None


def remove_derived(
    session: Session,
    keyring: Keyring,
    attribute_ids: Iterable[str],
) -> list[str]:
    """Delete attributes and everything derived from them (scores, memberships follow
    through their own attribute rows and ``ON DELETE CASCADE``); returns the ids."""
    attributes = AttributeRepository(session, keyring)
    roots = list(attribute_ids)
    dependents = attributes.dependents_of(SourceRef(SourceType.ATTRIBUTE, a) for a in roots)
    removed = list(dict.fromkeys([*roots, *dependents]))
    attributes.delete(removed)
    return removed


def gate_contact(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    purpose: Purpose,
    *,
    now: datetime,
    policy: Policy | None = None,
) -> Reason | None:
    """Why no derived processing may happen for this contact now, or None. With
    ``policy``: also held while the purpose's DPIA is not approved (Art. 35(1))."""
    if policy is not None:
        held = dpia_hold(session, policy, purpose)
        if held is not None:
            return Reason(HOLD_RULE, held, HOLD_ARTICLE)
    contact = ContactRepository(session, keyring).get(contact_id)
    if contact.erased_at is not None:
        return Reason("contact.erased", "the contact was erased", "GDPR Art. 17")
    if contact.restricted:
        return Reason(
            "restriction.excluded",
            "processing is restricted for this contact; only storage is allowed",
            "GDPR Art. 18(2)",
        )
    objected = contact.objected_profiling if purpose in DERIVED_PURPOSES else False
    if objected or (purpose is Purpose.DIRECT_MARKETING and contact.objected_marketing):
        return Reason(
            "objection.derived-denied",
            f"the person objected; no processing for purpose '{purpose.value}'",
            "GDPR Art. 21(1)-(3)",
        )
    if contact.is_minor and purpose in MINOR_PURPOSES:
        status = current_state(ConsentRepository(session).for_contact(contact_id), purpose, now=now)
        if not (status.is_valid and status.guardian):
            return Reason(
                "minor.no-guardian-consent",
                f"the person is a minor; no processing for purpose '{purpose.value}' without "
                "the consent of a holder of parental responsibility",
                "GDPR Art. 8(1), Recital 38",
            )
    return None


def _collection(
    sources: SourceRepository, name: str, cache: dict[str, Collection | None]
) -> Collection | None:
    if name not in cache:
        try:
            cache[name] = sources.get(name).collection
        except NotFound:
            cache[name] = None
    return cache[name]


def _refused(
    session: Session, contact_id: str, purpose: Purpose, reason: Reason, *, actor: str,
    at: datetime,
) -> EnrichmentResult:  # fmt: skip
    """Nothing derived: the refusal audited with its code, in the caller's transaction."""
    audit(
        session,
        actor=actor,
        action="enrichment.refused",
        subject_id=contact_id,
        purpose=purpose,
        details={"code": reason.code},
        at=at,
    )
    return EnrichmentResult(contact_id, purpose, refusal=reason)


def enrich_contact(
    session: Session,
    keyring: Keyring,
    policy: Policy,
    contact_id: str,
    *,
    now: datetime,
    actor: str,
    purpose: Purpose = Purpose.PROFILING,
    catalogue: Catalogue | None = None,
    owned: Sequence[str] = (),
) -> EnrichmentResult:
    """Derive and store the contact's attributes for ``purpose`` (see the module doc)."""
    catalogue = catalogue or optiklinse_catalogue()
    refusal = gate_contact(session, keyring, contact_id, purpose, now=now, policy=policy)
    if refusal is not None:
        return _refused(session, contact_id, purpose, refusal, actor=actor, at=now)

    facts = load_facts(session, keyring, contact_id, purpose, now=now)
    ledger = ConsentRepository(session).for_contact(contact_id)
    withdrawn = _profiling_withdrawn(ledger, purpose, now=now)
    if withdrawn is not None:
        return _refused(session, contact_id, purpose, withdrawn, actor=actor, at=now)

    def consent_for(category: DataCategory, source: str) -> ConsentStatus:
        """Consent for ``purpose`` covering this category from this source (Art. 4(11))."""
        return current_state(ledger, purpose, now=now, uses=(DataUse(category, source),))

    relied_on: list[ConsentStatus] = []
    relationship = facts.recipient.relationship
    skipped: Counter[str] = Counter()
    decisions: list[Decision] = []
    used_special = False
    texts: list[SourceText] = []
    sources = SourceRepository(session)
    collections: dict[str, Collection | None] = {}

    for item in InteractionRepository(session, keyring).list_for_contact(contact_id):
        if item.deleted_at is not None or not item.text:
            skipped["record.unavailable"] += 1
            continue
        collection = _collection(sources, item.source_name, collections)
        category = (
            DataCategory.PRODUCT_CONTENT
            if catalogue.match(item.text)
            else DataCategory.GENERAL_CONTENT
        )
        status = consent_for(category, item.channel.value)
        consent = status.state
        if item.special_categories and consent is not ConsentState.EXPLICIT:
            skipped["special-category.no-explicit-consent"] += 1
            continue
        decision = policy.evaluate(
            Facts(
                purpose=purpose,
                visibility=item.visibility,
                addressing=item.addressing,
                relationship=relationship,
                data_category=category,
                collection=collection or Collection.OFFICIAL_API,
                consent=consent,
                objection=facts.recipient.objection,
                provenance_recorded=collection is not None,
            )
        )
        if not decision.permits_storage:
            skipped[decision.rule_id] += 1
            continue
        decisions.append(decision)
        if status.is_valid:
            relied_on.append(status)
        used_special = used_special or bool(item.special_categories)
        texts.append(
            SourceText(item.id, item.text, item.created_at, item.language, item.kind.value)
        )

    events: list[SourceEvent] = []
    for event in EventRepository(session, keyring).list_for_contact(contact_id):
        if event.payload is None:
            skipped["record.unavailable"] += 1
            continue
        if event.payload.get(OPT_OUT_KEY):
            skipped["signal.opt-out"] += 1  # GPC/ATT: an objection, Art. 21(5)
            continue
        status = consent_for(DataCategory.BEHAVIOURAL, event.channel.value)
        consent = status.state
        decision = policy.evaluate(
            Facts(
                purpose=purpose,
                visibility=Visibility.COMPANY_DIRECT,
                addressing=Addressing.NOT_APPLICABLE,
                relationship=relationship,
                data_category=DataCategory.BEHAVIOURAL,
                collection=Collection.OFFICIAL_API,
                consent=consent,
                objection=facts.recipient.objection,
            )
        )
        if not decision.permits_storage:
            skipped[decision.rule_id] += 1
            continue
        decisions.append(decision)
        if status.is_valid:
            relied_on.append(status)
        url = str(event.payload.get("url") or event.payload.get("path") or "")
        events.append(SourceEvent(event.id, event.kind, url, event.occurred_at))

    attributes = AttributeRepository(session, keyring)
    previous = [
        a.id
        for a in attributes.list_for_contact(contact_id)
        if a.kind is AttributeKind.DERIVED and a.name in ENRICHMENT_NAMES and a.purpose is purpose
    ]
    replaced = remove_derived(session, keyring, previous)

    if not decisions:
        refusal = Reason(
            "enrichment.no-usable-source",
            f"no stored text or event may be used for purpose '{purpose.value}'",
            "GDPR Art. 5(1)(b), Art. 6(1)",
        )
        audit(
            session,
            actor=actor,
            action="enrichment.refused",
            subject_id=contact_id,
            object_ids=replaced,
            purpose=purpose,
            details={"code": refusal.code, "skipped": dict(skipped), "replaced": len(replaced)},
            at=now,
        )
        return EnrichmentResult(
            contact_id, purpose, refusal=refusal, skipped=dict(skipped), replaced=len(replaced)
        )

    bases = Counter(d.legal_basis for d in decisions if d.legal_basis is not None)
    consent_record = max(relied_on, key=lambda st: st.since or now).record_id if relied_on else None
    explicit = any(st.state is ConsentState.EXPLICIT for st in relied_on)
    basis = (
        LegalBasis.CONSENT
        if LegalBasis.CONSENT in bases and consent_record
        else (bases.most_common(1)[0][0] if bases else LegalBasis.CONSENT)
    )
    if used_special and basis is LegalBasis.CONSENT:
        basis = LegalBasis.EXPLICIT_CONSENT  # Art. 9(2)(a): special-category texts were used
    rule_id = Counter(d.rule_id for d in decisions).most_common(1)[0][0]
    consent_id = (
        consent_record if basis in (LegalBasis.CONSENT, LegalBasis.EXPLICIT_CONSENT) else None
    )
    spec = policy.purposes.get(purpose)
    retention = now + timedelta(days=spec.retention_days) if spec else None

    derived: list[DerivedAttribute] = list(
        derive_interests(
            texts, catalogue, events=events, explicit_consent=explicit, purpose=purpose
        )
    )
    sentiment = derive_sentiment(texts, explicit_consent=explicit, purpose=purpose)
    if sentiment is not None:
        derived.append(sentiment)
    if consent_id is not None:
        # Scores (cross-selling potential, churn risk) are profiling for marketing: only on
        # consent. On legitimate interest enrichment keeps facts for after-sales care and
        # never builds them (CJEU C-252/21 Meta v Bundeskartellamt).
        derived.append(
            derive_cross_selling(
                texts,
                catalogue,
                owned=owned,
                events=events,
                explicit_consent=explicit,
                purpose=purpose,
            )
        )
        derived.append(
            derive_churn_risk(
                texts, now=now, events=events, explicit_consent=explicit, purpose=purpose
            )
        )
    event_ids = {e.id for e in events}
    stored: list[Attribute] = []
    for attr in derived:
        refs = tuple(
            SourceRef(SourceType.EVENT if sid in event_ids else SourceType.INTERACTION, sid)
            for sid in attr.source_ids
        )
        if not refs and consent_id is None:
            continue  # nothing to rest on: a datum without provenance is not stored
        stored.append(
            attributes.add(
                NewAttribute(
                    contact_id=contact_id,
                    kind=AttributeKind.DERIVED,
                    name=attr.name,
                    value=_value(attr.value),
                    purpose=purpose,
                    legal_basis=basis,
                    policy_version=policy.version,
                    rule_id=rule_id,
                    explanation=attr.explanation,
                    consent_id=consent_id,
                    derived_from=refs,
                    retention_until=retention,
                ),
                at=now,
            )
        )
    audit(
        session,
        actor=actor,
        action="enrichment.stored",
        subject_id=contact_id,
        object_ids=[a.id for a in stored],
        purpose=purpose,
        legal_basis=basis,
        details={
            "attributes": len(stored),
            "used": len(decisions),
            "skipped": dict(skipped),
            "replaced": len(replaced),
            "policy_version": policy.version,
            "rule": rule_id,
        },
        at=now,
    )
    return EnrichmentResult(
        contact_id,
        purpose,
        stored=tuple(stored),
        used=len(decisions),
        skipped=dict(skipped),
        replaced=len(replaced),
        legal_basis=basis,
    )


def _profiling_withdrawn(
    ledger: Sequence[ConsentRecord], purpose: Purpose, *, now: datetime
) -> Reason | None:
    """After a withdrawal of consent to profiling, nothing may rebuild what it covered on
    another basis (Art. 7(3); EDPB Guidelines 05/2020 on consent, paras. 121-123: no
    silent switch to legitimate interest)."""
    if purpose not in DERIVED_PURPOSES:
        return None
    status = current_state(ledger, Purpose.PROFILING, now=now)
    if status.state is not ConsentState.WITHDRAWN:
        return None
    since = f" since {status.since:%Y-%m-%d}" if status.since else ""
    return Reason(
        "consent.withdrawn-profiling",
        f"consent to profiling was withdrawn{since}; enrichment may not rebuild interests "
        "or scores on another basis",
        "GDPR Art. 7(3), Art. 6(1)(f); CJEU C-252/21",
    )


def _value(value: str | float) -> str:
    return value if isinstance(value, str) else f"{value:g}"

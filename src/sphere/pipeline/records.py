"""CRM contacts and web/mobile events through the pipeline.

Both are data the person gives to, or creates on, the company's own channels, so their
visibility in policy facts is ``company_direct``: the question for them is the purpose
(contract, analytics) and the consent, not whether a post addressed the company.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.consent.gpc import OPT_OUT_KEY, PrivacySignals, read_privacy_signals
from sphere.consent.ledger import grant
from sphere.consent.objection import record_objection
from sphere.domain import (
    Addressing,
    Channel,
    DataCategory,
    Decision,
    Facts,
    IdentityKind,
    Observation,
    Purpose,
    Visibility,
)
from sphere.domain.consent import DataUse
from sphere.errors import InvalidInput
from sphere.pii.age import birth_date_age
from sphere.pipeline.consents import event_consent
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.counters import AggregateBuffer
from sphere.pipeline.facts import contact_import_facts, relationship_of
from sphere.pipeline.gate import Disposition
from sphere.pipeline.link import Linker
from sphere.pipeline.minors import flag_minor
from sphere.pipeline.summary import IngestSummary
from sphere.storage.entities import NewEvent, Source
from sphere.storage.faults import LostRace
from sphere.storage.repositories.contacts import ContactRepository
from sphere.storage.repositories.crm_sync import queue_pushes
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.events import EventRepository

# CRM consent columns → the purpose the person agreed to (UWG §7(2) for e-mail/phone).
CRM_CONSENT_PURPOSES: dict[str, Purpose] = {
    "email": Purpose.DIRECT_MARKETING,
    "newsletter": Purpose.DIRECT_MARKETING,
    "phone": Purpose.DIRECT_MARKETING,
}
_NA = Addressing.NOT_APPLICABLE.value


class ContactImporter:
    """Creates contacts with the identities they provided (CRM import, GDPR Art. 6(1)(b))."""

    def __init__(
        self,
        session: Session,
        ctx: PipelineContext,
        *,
        source: Source,
        contacts: ContactRepository,
        decisions: DecisionRepository,
    ) -> None:
        self.session, self.ctx, self.source = session, ctx, source
        self.contacts, self.decisions = contacts, decisions

    def import_contact(self, obs: Observation, summary: IngestSummary) -> None:
        identities: dict[str, str] = dict(obs.attributes.get("identities") or {})
        number = identities.get(IdentityKind.CUSTOMER_NUMBER.value)
        if not number:
            raise InvalidInput("contact record has no customer number")
        decision = self.ctx.policy.evaluate(contact_import_facts(self.source.collection))
        now = self.ctx.clock.now()
        # The contact's own deadline: this import + the purpose's retention. The system
        # of record sending the customer again confirms the relationship and extends it.
        keep_until = now + decision.retention if decision.retention else None
        known = self.contacts.find_identity(IdentityKind.CUSTOMER_NUMBER, number)
        if known is not None:
            if decision.permits_storage and keep_until is not None:
                self.contacts.extend_retention(known.contact_id, keep_until)
                self._minor(known.contact_id, obs, at=now)
            summary.duplicates += 1
            return
        if not decision.permits_storage:
            summary.count(_NA, Disposition.DISCARDED)
            return
        is_employee = bool(obs.attributes.get("is_employee"))
        contact = self.contacts.create(is_employee=is_employee, at=now, retention_until=keep_until)
        method = f"provided:{self.source.name}"
        items = [(IdentityKind(kind), value, None) for kind, value in identities.items()]
        items += [
            (IdentityKind.HANDLE, account, Channel(channel_value))
            for channel_value, accounts in (obs.attributes.get("handles") or {}).items()
            for account in accounts
        ]
        shared = self.contacts.add_identities(contact.id, items, verification_method=method, at=now)
        if IdentityKind.CUSTOMER_NUMBER in shared:
            # Another worker imported this customer after this batch looked: the batch
            # runs again and finds it (one contact per customer number).
            raise LostRace(f"customer number of contact import {obs.source_id} taken meanwhile")
        for kind in shared:
            summary.note(f"{kind.value} already belongs to another contact; not linked")
        logged = self.decisions.append(
            decision,
            record_type="contact",
            record_ref=f"contact:{contact.id}",
            contact_id=contact.id,
            at=now,
        )
        audit(
            self.session,
            actor=self.ctx.actor,
            action="contact.imported",
            subject_id=contact.id,
            object_ids=(logged.id,),
            purpose=decision.purpose,
            legal_basis=decision.legal_basis,
            details={
                "source": self.source.name,
                "identities": len(identities),
                "rule": decision.rule_id,
            },
            at=now,
        )
        self._consents(contact.id, obs.attributes.get("consents") or {}, at=now)
        self._minor(contact.id, obs, at=now)
        summary.contacts_imported += 1
        summary.count(_NA, Disposition.LINKED)

    def _minor(self, contact_id: str, obs: Observation, *, at: datetime) -> None:
        """A date of birth in the CRM under the age of digital consent: a minor (Art. 8)."""
        born = obs.attributes.get("birth_date")
        age = birth_date_age(born, today=at.date()) if isinstance(born, str) else None
        if age is not None and age < self.ctx.minor_age:
            flag_minor(
                self.session,
                self.ctx.keyring,
                contact_id,
                evidence=f"birth_date:crm:{self.source.name}",
                kind="birth_date",
                channel=Channel.CRM.value,
                threshold=self.ctx.minor_age,
                at=at,
                actor=self.ctx.actor,
            )

    def _consents(self, contact_id: str, flags: dict[str, Any], *, at: Any) -> None:
        granted: set[Purpose] = set()
        for column, value in flags.items():
            purpose = CRM_CONSENT_PURPOSES.get(column)
            if purpose is None or value is not True or purpose in granted:
                continue  # empty means unknown, and "no" is simply no consent
            grant(
                self.session,
                contact_id,
                purpose,
                channel=Channel.CRM.value,
                at=at,
                actor=self.ctx.actor,
                evidence={"source": self.source.name, "column": column},
                # A tick in the CRM covers the contact data held there, nothing else
                # (Art. 4(11)): not a birthday from a social comment.
                sources=(Channel.CRM.value,),
                categories=(DataCategory.CONTACT_DATA.value,),
            )
            granted.add(purpose)


class EventRecorder:
    """Web and mobile events: stored on the contact only with consent (TDDDG §25)."""

    def __init__(
        self,
        session: Session,
        ctx: PipelineContext,
        *,
        source: Source,
        linker: Linker,
        decisions: DecisionRepository,
        counters: AggregateBuffer,
        before_write: Callable[[], None],
        evaluate: Callable[[Facts], Decision] | None = None,
    ) -> None:
        self.session, self.ctx, self.source, self.linker = session, ctx, source, linker
        self.decisions, self.counters = decisions, counters
        self.before_write = before_write
        self.evaluate = evaluate or ctx.policy.evaluate
        self.events = EventRepository(session, ctx.keyring)
        self.objected: set[str] = set()  # contacts whose GPC objection this batch recorded

    def record(self, obs: Observation, summary: IngestSummary) -> None:
        link = self.linker.link_identities(dict(obs.attributes.get("identities") or {}))
        state, objection = event_consent(obs.attributes, Purpose.WEB_ANALYTICS)
        if link.author.is_linked:
            ledger = link.author.consent_for(
                Purpose.WEB_ANALYTICS, uses=(DataUse(DataCategory.BEHAVIOURAL, obs.channel.value),)
            )
            state = ledger if ledger.value != "none" else state
        decision = self.evaluate(
            Facts(
                purpose=Purpose.WEB_ANALYTICS,
                visibility=Visibility.COMPANY_DIRECT,
                addressing=Addressing.NOT_APPLICABLE,
                relationship=relationship_of(link.author),
                data_category=DataCategory.BEHAVIOURAL,
                collection=self.source.collection,
                consent=state,
                objection=objection or link.author.objected,
            )
        )
        summary.events += 1
        opt_out = read_privacy_signals(obs.attributes)
        contact_id = link.author.contact_id
        if (
            opt_out.objects_to_sale_or_sharing
            and contact_id is not None
            and not link.author.objected
            and contact_id not in self.objected
        ):
            # Art. 21(5): GPC (or an ATT refusal) from a known person's device is their
            # objection to direct marketing and the profiling behind it — at once.
            self.before_write()
            with self.session.begin_nested():
                record_objection(
                    self.session,
                    self.ctx.keyring,
                    contact_id,
                    at=self.ctx.clock.now(),
                    actor=self.ctx.actor,
                    channel="gpc",
                )
            self.objected.add(contact_id)
        if not (decision.permits_storage and link.author.is_linked):
            self.counters.add(
                obs.created_at.date(),
                obs.channel.value,
                _NA,
                decision.outcome.value,
                str(obs.attributes.get("event_type") or "event"),
                token=(
                    self.ctx.keyring.counted_token(obs.channel.value, obs.source_id)
                    if obs.source_id
                    else None
                ),
            )
            summary.count(_NA, Disposition.AGGREGATE_ONLY)
            return
        if obs.source_id and self.events.exists(obs.channel, obs.source_id):
            summary.duplicates += 1
            return
        self.before_write()  # audit entries of the batch must be written before ours
        with self.session.begin_nested():  # the event's writes stand or fall together
            self._store(obs, decision, link.author.contact_id, opt_out=opt_out)
        summary.count(_NA, Disposition.LINKED)

    def _store(
        self,
        obs: Observation,
        decision: Decision,
        contact_id: str | None,
        *,
        opt_out: PrivacySignals,
    ) -> None:
        now = self.ctx.clock.now()
        logged = self.decisions.append(
            decision,
            record_type="event",
            record_ref=f"{obs.channel.value}:{obs.source_id}",
            contact_id=contact_id,
            at=now,
        )
        payload = {
            k: obs.attributes.get(k)
            for k in ("event_type", "url", "referrer", "platform", "app_version")
            if obs.attributes.get(k) is not None
        }
        if opt_out.objects_to_sale_or_sharing:
            # Kept for analytics on its own basis, never a source of profiling or
            # targeted marketing (marketing.enrichment skips it).
            payload[OPT_OUT_KEY] = "gpc" if opt_out.gpc else "att"
        event, inserted = self.events.insert_if_absent(
            NewEvent(
                channel=obs.channel,
                kind=str(obs.attributes.get("event_type") or "event"),
                occurred_at=obs.created_at,
                payload=payload,
                source_id=obs.source_id,
                contact_id=contact_id,
                decision_id=logged.id,
                retention_until=now + decision.retention if decision.retention else None,
            ),
            at=now,
        )
        if self.ctx.crm_sync and inserted and contact_id is not None:
            queue_pushes(self.session, "event", [event.id], at=now)
        audit(
            self.session,
            actor=self.ctx.actor,
            action="event.stored",
            subject_id=contact_id,
            object_ids=(event.id, logged.id),
            purpose=decision.purpose,
            legal_basis=decision.legal_basis,
            details={"rule": decision.rule_id, "channel": obs.channel.value},
            at=now,
        )

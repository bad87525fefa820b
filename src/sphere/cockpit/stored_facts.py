"""Policy facts for records already stored, so a draft policy can be tried on them.

The decision log keeps the outcome, rule and purpose, not the facts; they are rebuilt
from what the record and the CRM hold now:

* interactions: visibility, addressing and special categories are columns; the
  relationship and objection come from the contact (as the linker derives them); the
  consent state from the ledger *now*; the collection method from the source
  inventory. Two facts are not stored: whether the post was about the company and
  whether it was on the company's own page. Every combination that the record allows
  is tried, and the one under which the policy that decided the record reproduces the
  stored rule is taken (else the first) — ``reproduced`` says which happened.
* events: web/mobile behaviour on the company's channels (``company_direct``,
  ``behavioural``, purpose ``web_analytics``); consent from the ledger, else the
  signal that let the event be stored (the signal itself is not kept).
* contacts imported from the CRM: purpose ``service_provision``, a verified customer's
  contact data from the CRM source.

Outcomes are evaluated through the same gate the pipeline uses, so "still stored"
means exactly what ingestion would decide today.

Records are never decided one by one: ``storage.repositories.fact_groups`` groups them
by these facts in SQL (a million records are a few hundred groups) and each group is
decided once; ``RecordFacts.records`` says how many records it stands for and ``key``
selects them again in SQL.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.domain import (
    Addressing,
    Collection,
    ConsentState,
    DataCategory,
    Decision,
    Facts,
    Purpose,
    Visibility,
)
from sphere.governance.sources import list_sources
from sphere.pipeline.facts import (
    UNLINKED,
    AuthorState,
    build_facts,
    contact_import_facts,
    relationship_of,
)
from sphere.pipeline.gate import gate
from sphere.policy import Policy, default_policy, load_policy_text
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.fact_groups import (
    AuthorFacts,
    FactPairs,
    RecordGroup,
    record_groups,
)
from sphere.storage.repositories.policies import PolicyVersionRepository

Progress = Callable[..., None]


@dataclass(frozen=True, slots=True)
class Verdict:
    """What a policy decides for a stored record: does it stay, and why."""

    stores: bool
    decision: Decision


@dataclass(frozen=True, slots=True)
class RecordFacts:
    """A group of stored records with everything needed to decide them again."""

    record_type: str  # interaction | event | contact
    id: str  # an example record of the group
    contact_id: str | None
    stored_rule: str | None
    stored_outcome: str | None
    stored_purpose: str | None
    facts: Facts  # the facts of the governing purpose (for examples)
    reproduced: bool  # the deciding policy reproduces the stored rule from these facts
    _decide: Callable[[Policy], Verdict]
    records: int = 1
    key: str = ""

    def decide(self, policy: Policy) -> Verdict:
        return self._decide(policy)


def facts_dict(facts: Facts) -> dict[str, object]:
    return {
        name: value if isinstance(value, bool) else str(value)
        for name, value in ((n, getattr(facts, n)) for n in Facts.__slots__)
    }


class _Policies:
    """Policies by version string, for checking which facts reproduce a stored decision."""

    def __init__(self, session: Session, fallback: Policy) -> None:
        self.fallback = fallback
        self.texts = {v.version: v.text for v in PolicyVersionRepository(session).list()}
        self.loaded: dict[str, Policy] = {fallback.version: fallback}
        shipped = default_policy()
        self.loaded.setdefault(shipped.version, shipped)

    def get(self, version: str | None) -> Policy:
        if version is None:
            return self.fallback
        if version not in self.loaded:
            text = self.texts.get(version)
            self.loaded[version] = (
                load_policy_text(text, source=f"policy version {version}", strict=False)
                if text
                else self.fallback
            )
        return self.loaded[version]


def _author_state(author: AuthorFacts) -> AuthorState:
    if not author.linked:
        return UNLINKED
    return AuthorState(
        contact_id="group",  # linked; which contact does not change the decision
        is_customer=author.is_customer,
        is_employee=author.is_employee,
        identity_verified=True,
        objected=author.objected,
        restricted=author.restricted,
        consents=tuple((Purpose(p), ConsentState(s)) for p, s in author.consents),
    )


def _interaction(
    record: RecordGroup,
    author: AuthorState,
    collection: Collection,
    deciding: Policy,
) -> RecordFacts:
    visibility = Visibility(record.visibility or Visibility.PUBLIC.value)
    addressing = Addressing(record.addressing or Addressing.NOT_APPLICABLE.value)
    addressed = addressing in (Addressing.DIRECT, Addressing.ADDRESSED)
    about_options = (True,) if addressed else (True, False)
    page_options = (
        (False, True)
        if visibility is Visibility.PUBLIC and addressing is not Addressing.DIRECT
        else (False,)
    )

    def facts_builder(about: bool, on_page: bool) -> Callable[[Purpose], Facts]:
        def facts_for(purpose: Purpose) -> Facts:
            return build_facts(
                visibility=visibility,
                addressing=addressing,
                author=author,
                collection=collection,
                has_special_category=record.special,
                is_about_company=about,
                on_company_page=on_page,
                purpose=purpose,
            )

        return facts_for

    def verdict(facts_for: Callable[[Purpose], Facts], policy: Policy) -> Verdict:
        result = gate(facts_for, policy.evaluate, addressing=addressing, is_linked=author.is_linked)
        return Verdict(result.disposition.stores_personal_data, result.decision)

    options = [facts_builder(a, p) for a in about_options for p in page_options]
    chosen, reproduced = options[0], False
    for option in options:
        decision = verdict(option, deciding).decision
        if decision.rule_id == record.rule_id and decision.purpose.value == record.purpose:
            chosen, reproduced = option, True
            break
    purpose = Purpose(record.purpose) if record.purpose else Purpose.CUSTOMER_CARE
    return RecordFacts(
        record_type="interaction",
        id=record.example_ids[0],
        contact_id=None,
        stored_rule=record.rule_id,
        stored_outcome=None,
        stored_purpose=record.purpose,
        facts=chosen(purpose),
        reproduced=reproduced,
        _decide=lambda policy: verdict(chosen, policy),
        records=record.records,
        key=record.key,
    )


def _event(
    record: RecordGroup, author: AuthorState, collection: Collection, deciding: Policy
) -> RecordFacts:
    ledger = author.consent_for(Purpose.WEB_ANALYTICS)
    # Stored events were allowed, so a signal gave consent when the ledger says nothing.
    consent = ledger if ledger is not ConsentState.NONE else ConsentState.GIVEN
    facts = Facts(
        purpose=Purpose.WEB_ANALYTICS,
        visibility=Visibility.COMPANY_DIRECT,
        addressing=Addressing.NOT_APPLICABLE,
        relationship=relationship_of(author),
        data_category=DataCategory.BEHAVIOURAL,
        collection=collection,
        consent=consent,
        objection=author.objected,
    )

    def decide(policy: Policy) -> Verdict:
        decision = policy.evaluate(facts)
        return Verdict(decision.permits_storage and author.is_linked, decision)

    return RecordFacts(
        record_type="event",
        id=record.example_ids[0],
        contact_id=None,
        stored_rule=record.rule_id,
        stored_outcome=None,
        stored_purpose=record.purpose,
        facts=facts,
        reproduced=deciding.evaluate(facts).rule_id == record.rule_id,
        _decide=decide,
        records=record.records,
        key=record.key,
    )


def stored_record_facts(
    session: Session,
    keyring: Keyring,
    *,
    policy_in_force: Policy,
    now: datetime,
    progress: Progress | None = None,
    pairs: FactPairs | None = None,
) -> Iterator[RecordFacts]:
    """One ``RecordFacts`` per group of live interactions, events and imported contacts
    that share their deciding facts (``RecordFacts.records`` rows each); with ``pairs``
    the groups come from its one read of the records (``fact_groups.FactPairs``)."""
    del keyring  # the facts are columns and the ledger; nothing needs decrypting
    policies = _Policies(session, policy_in_force)
    sources = list_sources(session)
    by_name = {s.name: s.collection for s in sources}
    by_channel: dict[str, set[Collection]] = {}
    for source in sources:
        by_channel.setdefault(source.channel.value, set()).add(source.collection)

    def channel_collection(channel: str) -> Collection:
        found = by_channel.get(channel, set())
        return next(iter(found)) if len(found) == 1 else Collection.OFFICIAL_API

    for step, record_type in enumerate(("interaction", "event", "contact")):
        if progress is not None:
            progress(step, 3, f"grouping stored {record_type}s by their facts")
        groups = (
            pairs.groups(record_type)
            if pairs is not None
            else record_groups(session, record_type, now=now)
        )
        # in key order: the examples of a shift (its first groups) do not depend on
        # the order a query plan happens to return the groups in
        for group in sorted(groups, key=lambda g: g.key):
            deciding = policies.get(group.policy_version)
            if record_type == "interaction":
                collection = by_name.get(group.source or "", Collection.OFFICIAL_API)
                yield _interaction(group, _author_state(group.author), collection, deciding)
            elif record_type == "event":
                collection = channel_collection(group.source or "")
                yield _event(group, _author_state(group.author), collection, deciding)
            else:
                yield _contact(group, by_name, deciding)


def _contact(group: RecordGroup, by_name: dict[str, Collection], deciding: Policy) -> RecordFacts:
    facts = contact_import_facts(by_name.get(group.source or "", Collection.EXPORT))

    def decide(policy: Policy) -> Verdict:
        decision = policy.evaluate(facts)
        return Verdict(decision.permits_storage, decision)

    return RecordFacts(
        record_type="contact",
        id=group.example_ids[0],
        contact_id=group.example_ids[0],
        stored_rule=group.rule_id,
        stored_outcome=None,
        stored_purpose=group.purpose,
        facts=facts,
        reproduced=deciding.evaluate(facts).rule_id == group.rule_id,
        _decide=decide,
        records=group.records,
        key=group.key,
    )

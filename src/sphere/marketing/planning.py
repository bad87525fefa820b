"""Planning check: may this campaign, enrichment, lead generation or service process run,
for whom, on which legal basis — and what has to happen first?

``check_measure`` is pure. It takes a described :class:`Measure`, the audience as
:class:`AudienceFacts` (one per contact, or aggregated groups with a ``count``) and the
loaded policy, and returns a :class:`PlanningResult` with a verdict:

``must_not_run``
    an Art. 22 automated decision without explicit consent and human review, or no
    contact of the audience may be reached (every data item is refused for everyone,
    or every contact is excluded);
``needs_dpo_approval``
    a DPIA is required (GDPR Art. 35) and none is on record, the audience holds
    vulnerable people (minors, employees), an Art. 22 decision with safeguards, a
    policy decision that is ``needs_review``, or the §7(3) UWG exemption applies while
    the policy demands consent;
``can_run_for_subset``
    some contacts are excluded (no consent, objection, restriction, channel …);
``can_run``
    everyone in the audience may be reached, with the duties listed.

How one contact group is judged, in this order (the first failing check excludes it,
so every contact is counted under exactly one exclusion reason):

1. restricted processing (GDPR Art. 18(2)): only storage is allowed; minors (Art. 8(1),
   Recital 38) for marketing, profiling and enrichment without the consent of a holder
   of parental responsibility;
2. every data item through ``policy.evaluate`` with the group's facts (purpose,
   visibility, addressing, relationship, data category, collection, consent,
   objection) — an objection to direct marketing is the policy's rule (Art. 21(3));
3. special-category involvement of the group's data (Art. 9(1)): the policy is asked
   again with ``data_category=special_category``;
4. channel reachability: the person used or gave this channel;
5. social replies only where the author addressed the company (Recital 47);
6. e-mail/SMS advertising: consent under §7(2) Nr. 2 UWG, or the §7(3) UWG
   existing-customer exemption (address obtained with a sale, own similar products,
   no objection, informed of the right to object at collection and in each message).

DPIA (Art. 35): required when the policy marks the purpose ``dpia_required``, in the
three Art. 35(3) cases, or when two or more of the nine criteria of the Art. 29 Working
Party guideline WP248 rev.01 hold — the same criteria the German DSK "Muss-Liste"
(list of processing operations requiring a DPIA, Art. 35(4)) builds on: evaluation or
scoring, automated decision with legal effect, systematic monitoring, special
categories, large scale, matching or combining data sets, vulnerable data subjects,
innovative technology. WP248's rule of thumb "two criteria → DPIA" is applied as
stated; a DPO may still require one for a single criterion.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from sphere.domain import (
    Addressing,
    Collection,
    ConsentState,
    DataCategory,
    Decision,
    Duty,
    Facts,
    LegalBasis,
    Outcome,
    Purpose,
    Relationship,
    Visibility,
    ensure_utc,
)
from sphere.errors import InvalidInput
from sphere.marketing.channel import OutreachChannel, Reason, of
from sphere.policy import Policy

# Minors (Art. 8(1), Recital 38) are excluded from these unless a holder of parental
# responsibility consented; those who remain make the measure need the DPO's approval.
MINOR_PURPOSES = frozenset({Purpose.DIRECT_MARKETING, Purpose.PROFILING, Purpose.ENRICHMENT})
ART14_PERIOD = timedelta(days=30)  # Art. 14(3)(a): within a reasonable period, at most a month
DEFAULT_LARGE_SCALE = 10_000  # contacts; WP243/WP248 give no number, the DPO sets it


class MeasureKind(StrEnum):
    CAMPAIGN = "campaign"
    ENRICHMENT = "enrichment"
    LEAD_GENERATION = "lead_generation"
    SERVICE_PROCESS = "service_process"


class Verdict(StrEnum):
    CAN_RUN = "can_run"
    CAN_RUN_FOR_SUBSET = "can_run_for_subset"
    NEEDS_DPO_APPROVAL = "needs_dpo_approval"
    MUST_NOT_RUN = "must_not_run"


@dataclass(frozen=True, slots=True)
class DataItem:
    """One kind of datum the measure uses, with where it came from and in which context.

    ``label`` names the datum for people ("date of birth from profile"); it describes a
    field, never a value.
    """

    category: DataCategory
    collection: Collection = Collection.OFFICIAL_API
    visibility: Visibility = Visibility.PUBLIC
    addressing: Addressing = Addressing.NOT_APPLICABLE
    label: str = ""
    source: str | None = None  # the channel the datum comes from (crm, facebook, …)

    @property
    def name(self) -> str:
        return self.label or self.category.value


def data_uses(items: Iterable[DataItem]) -> list[tuple[str, str | None]]:
    """(category, source) of every datum a measure uses: the consent asked for must
    cover all of them (Art. 4(11), Art. 6(1)(a))."""
    return list(dict.fromkeys((i.category.value, i.source) for i in items))


@dataclass(frozen=True, slots=True)
class AudienceFacts:
    """The facts about one contact — or ``count`` contacts that share them.

    ``consent`` is the consent state for the measure's purpose. ``channels`` are the
    outreach channels the person used with the company or gave an address for.
    ``addressed_company``: the person addressed the company in the conversation a
    social reply would answer. ``email_from_purchase`` and ``informed_of_objection``
    are conditions of §7(3) Nr. 1 and 4 UWG.
    """

    count: int = 1
    relationship: Relationship = Relationship.UNKNOWN
    consent: ConsentState = ConsentState.NONE
    objection: bool = False
    restricted: bool = False
    special_categories: bool = False
    art14_notice_due: bool = False
    minor: bool = False
    guardian_consent: bool = False  # Art. 8(1): a holder of parental responsibility consented
    addressed_company: bool = False
    channels: frozenset[OutreachChannel] = frozenset()
    email_from_purchase: bool = False
    informed_of_objection: bool = False
    provenance_recorded: bool = True


@dataclass(frozen=True, slots=True)
class Measure:
    """A planned measure, described by the people who want to run it.

    Flags are what the planners declare; some are also derived (special categories
    from the data items, vulnerable people from the audience, combined sources from
    behavioural plus social data items, large scale from the audience size).
    ``dpia_reference`` names a DPIA already on record for this measure.
    """

    name: str
    kind: MeasureKind
    purpose: Purpose
    data_items: tuple[DataItem, ...]
    channel: OutreachChannel
    systematic_profiling: bool = False
    large_scale: bool | None = None  # None: decided from the audience size
    combines_sources: bool = False
    special_categories: bool = False
    vulnerable_people: bool = False
    innovative_technology: bool = False
    automated_decision_with_legal_effect: bool = False
    human_review_recorded: bool = False
    explicit_consent_recorded: bool = False
    similar_products_only: bool = False  # §7(3) Nr. 2 UWG: own similar goods or services
    objection_notice_in_message: bool = False  # §7(3) Nr. 4 UWG: in every message
    dpia_reference: str | None = None


@dataclass(frozen=True, slots=True)
class ItemCheck:
    """The answer for one data item: may it be used, for how many, on which basis."""

    item: DataItem
    usable_for: int
    total: int
    outcomes: tuple[tuple[Outcome, int], ...]
    legal_bases: tuple[LegalBasis, ...]
    duties: tuple[Duty, ...]
    reason: str
    article: str

    @property
    def usable(self) -> bool:
        return self.usable_for > 0


@dataclass(frozen=True, slots=True)
class ConsentCount:
    """Consent for the measure's purpose across the audience."""

    purpose: Purpose
    given: int
    missing: int
    withdrawn: int


@dataclass(frozen=True, slots=True)
class DpiaCheck:
    required: bool
    criteria: tuple[str, ...]
    reasons: tuple[Reason, ...]
    on_record: str | None = None


@dataclass(frozen=True, slots=True)
class PlanningResult:
    measure: str
    verdict: Verdict
    eligible: int
    total: int
    reasons: tuple[Reason, ...]
    items: tuple[ItemCheck, ...]
    consent: ConsentCount
    dpia: DpiaCheck
    exclusions: tuple[Reason, ...]
    art14_notices_due: int
    art14_deadline: datetime | None
    duties: tuple[Duty, ...]
    policy_version: str
    checked_at: datetime
    legal_bases: tuple[LegalBasis, ...] = field(default=())

    def summary(self) -> str:
        """A few lines for a person: verdict, counts and every reason."""
        lines = [f"{self.measure}: {self.verdict.value} ({of(self.eligible, self.total)})"]
        lines += [f"- {reason}" for reason in self.reasons]
        return "\n".join(lines)


@dataclass(frozen=True, slots=True)
class ContactAssessment:
    """How one contact group fares: excluded with a reason, or eligible.

    ``decisions`` are the policy decisions per data item (plus one for special-category
    involvement when it was asked). ``uwg_exemption_conflict``: eligible only through
    §7(3) UWG while the policy asks for consent — a DPO must approve first.
    """

    group: AudienceFacts
    exclusion: Reason | None
    decisions: tuple[Decision, ...]
    uwg_exemption_conflict: bool = False


def check_measure(
    measure: Measure,
    audience: Sequence[AudienceFacts],
    policy: Policy,
    *,
    now: datetime,
    large_scale_threshold: int = DEFAULT_LARGE_SCALE,
) -> PlanningResult:
    """Check ``measure`` against ``policy`` for ``audience``; see the module docstring."""
    now = ensure_utc(now)
    if not measure.data_items:
        raise InvalidInput(f"measure {measure.name!r} names no data items")
    for index, group in enumerate(audience):
        if group.count < 0:
            raise InvalidInput(f"audience[{index}].count is negative")
    total = sum(g.count for g in audience)
    outcomes = [assess_contact(measure, g, policy) for g in _merge_groups(audience)]
    eligible = sum(o.group.count for o in outcomes if o.exclusion is None)
    items = tuple(_item_check(measure, i, outcomes, total) for i in range(len(measure.data_items)))
    exclusions = _merge_exclusions(outcomes, total)
    dpia = _dpia(measure, audience, policy, total, large_scale_threshold)

    reasons: list[Reason] = []
    blocking: list[Reason] = []
    approval: list[Reason] = []

    art22 = _art22(measure)
    if art22 is not None:
        (blocking if art22.code == "art22.refused" else approval).append(art22)
    if total == 0:
        blocking.append(Reason("audience.empty", "the audience holds no contacts", ""))
    elif eligible == 0:
        blocking.append(
            Reason(
                "audience.none-eligible",
                f"no contact may be reached ({of(0, total)})",
                "GDPR Art. 5(1)(a), Art. 6(1)",
            )
        )
    if dpia.required and dpia.on_record is None:
        approval.append(
            Reason(
                "dpia.missing",
                "a data protection impact assessment is required and none is on record; "
                "the DPO must be consulted",
                "GDPR Art. 35(1), 35(2)",
            )
        )
        approval.extend(dpia.reasons)
    vulnerable = _vulnerable_reason(measure, outcomes)
    if vulnerable is not None:
        approval.append(vulnerable)
    review = sum(
        o.group.count
        for o in outcomes
        if any(d.outcome is Outcome.NEEDS_REVIEW for d in o.decisions)
    )
    if review:
        approval.append(
            Reason(
                "policy.needs-review",
                f"the policy has no rule for {of(review, total)}; a person must decide",
                "GDPR Art. 5(2), Art. 24",
                review,
            )
        )
    conflict = sum(o.group.count for o in outcomes if o.uwg_exemption_conflict)
    if conflict:
        approval.append(
            Reason(
                "uwg.existing-customer-policy-conflict",
                f"§7(3) UWG would allow advertising to {of(conflict, total)} as existing "
                f"customers, but the policy requires consent for purpose "
                f"'{measure.purpose.value}'; relying on legitimate interest needs a recorded "
                "balancing test",
                "§7(3) UWG, GDPR Art. 6(1)(f), Recital 47",
                conflict,
            )
        )

    if blocking:
        verdict = Verdict.MUST_NOT_RUN
    elif approval:
        verdict = Verdict.NEEDS_DPO_APPROVAL
    elif eligible < total:
        verdict = Verdict.CAN_RUN_FOR_SUBSET
    else:
        verdict = Verdict.CAN_RUN

    reasons += blocking + approval
    if verdict is Verdict.CAN_RUN_FOR_SUBSET:
        reasons.append(
            Reason(
                "audience.subset",
                f"may run for {of(eligible, total)}",
                "GDPR Art. 5(1)(a), Art. 6(1)",
                eligible,
            )
        )
    reasons += exclusions
    if dpia.required and dpia.on_record is not None:
        reasons.append(
            Reason("dpia.on-record", f"DPIA on record: {dpia.on_record}", "GDPR Art. 35")
        )
    art14 = sum(o.group.count for o in outcomes if o.exclusion is None and o.group.art14_notice_due)
    if art14:
        reasons.append(
            Reason(
                "art14.notices-due",
                f"Art. 14 notices are due for {of(art14, total)} before or with the first use",
                "GDPR Art. 14(3)",
                art14,
            )
        )
    if verdict is Verdict.CAN_RUN:
        bases = ", ".join(sorted({b.article for b in _bases(outcomes)}))
        reasons.insert(0, Reason("measure.can-run", f"may run for all {total:,}", bases, total))

    return PlanningResult(
        measure=measure.name,
        verdict=verdict,
        eligible=eligible,
        total=total,
        reasons=tuple(reasons),
        items=items,
        consent=_consent_count(measure.purpose, audience),
        dpia=dpia,
        exclusions=exclusions,
        art14_notices_due=art14,
        art14_deadline=now + ART14_PERIOD if art14 else None,
        duties=_duties(outcomes, art14),
        policy_version=policy.version,
        checked_at=now,
        legal_bases=_bases(outcomes),
    )


def _merge_groups(audience: Iterable[AudienceFacts]) -> list[AudienceFacts]:
    """Contacts with the same facts are judged once (per-contact input stays fast)."""
    counts: dict[AudienceFacts, int] = {}
    for group in audience:
        if group.count:
            key = replace(group, count=1) if group.count != 1 else group
            counts[key] = counts.get(key, 0) + group.count
    return [key if n == 1 else replace(key, count=n) for key, n in counts.items()]


def item_facts(measure: Measure, item: DataItem, group: AudienceFacts) -> Facts:
    """The policy facts for using ``item`` about the contacts of ``group``."""
    return Facts(
        purpose=measure.purpose,
        visibility=item.visibility,
        addressing=item.addressing,
        relationship=group.relationship,
        data_category=item.category,
        collection=item.collection,
        consent=group.consent,
        objection=group.objection,
        provenance_recorded=group.provenance_recorded,
    )


def assess_contact(measure: Measure, group: AudienceFacts, policy: Policy) -> ContactAssessment:
    """Judge one contact (or group) for ``measure``; the planning check and the send-time
    check share this, so a dry run and the real send decide alike."""
    decisions = tuple(policy.evaluate(item_facts(measure, i, group)) for i in measure.data_items)
    if group.restricted:
        return ContactAssessment(group, _restricted(group.count), decisions)
    if group.minor and measure.purpose in MINOR_PURPOSES and not group.guardian_consent:
        return ContactAssessment(
            group,
            Reason(
                "minor.no-guardian-consent",
                f"minors: no processing for purpose '{measure.purpose.value}' without the "
                "consent of a holder of parental responsibility",
                "GDPR Art. 8(1), Recital 38",
                group.count,
            ),
            decisions,
        )

    uwg_conflict = False
    for item, decision in zip(measure.data_items, decisions, strict=True):
        if decision.permits_storage:
            continue
        if (
            decision.outcome is Outcome.NEEDS_CONSENT
            and group.consent is ConsentState.NONE
            and _uwg_existing_customer(measure, group)
        ):
            uwg_conflict = True
            continue
        return ContactAssessment(
            group, _policy_exclusion(measure, item, decision, group), decisions
        )

    if group.special_categories:
        base = measure.data_items[0]
        special = policy.evaluate(
            item_facts(measure, replace(base, category=DataCategory.SPECIAL_CATEGORY), group)
        )
        if not special.permits_storage:
            return ContactAssessment(
                group,
                Reason(
                    "special-category.excluded",
                    "data of these contacts involves special categories, which the policy "
                    f"does not permit for purpose '{measure.purpose.value}'",
                    special.article or "GDPR Art. 9(1)",
                    group.count,
                ),
                decisions,
            )
        decisions += (special,)

    channel = measure.channel
    if channel.reaches_person and channel not in group.channels:
        return ContactAssessment(
            group,
            Reason(
                "channel.never-used",
                f"the contacts never used or gave the channel '{channel.value}'",
                "GDPR Art. 5(1)(b), Recital 47",
                group.count,
            ),
            decisions,
        )
    if channel is OutreachChannel.SOCIAL_REPLY and not group.addressed_company:
        return ContactAssessment(
            group,
            Reason(
                "channel.social-reply-not-addressed",
                "a social reply is only sent where the author addressed the company",
                "GDPR Art. 6(1)(f), Recital 47",
                group.count,
            ),
            decisions,
        )
    if _is_advertising(measure) and channel.is_electronic_mail:
        has_consent = group.consent in (ConsentState.GIVEN, ConsentState.EXPLICIT)
        if not has_consent and not _uwg_existing_customer(measure, group):
            return ContactAssessment(
                group,
                Reason(
                    "uwg.no-consent",
                    f"advertising by {channel.value} needs prior express consent and the "
                    "existing-customer exemption does not apply",
                    "§7(2) Nr. 2, §7(3) UWG",
                    group.count,
                ),
                decisions,
            )
    return ContactAssessment(group, None, decisions, uwg_exemption_conflict=uwg_conflict)


def _is_advertising(measure: Measure) -> bool:
    return measure.kind in (MeasureKind.CAMPAIGN, MeasureKind.LEAD_GENERATION) or (
        measure.purpose is Purpose.DIRECT_MARKETING
    )


def _uwg_existing_customer(measure: Measure, group: AudienceFacts) -> bool:
    """§7(3) UWG: all four conditions, for e-mail/SMS advertising only."""
    return (
        measure.channel.is_electronic_mail
        and _is_advertising(measure)
        and group.relationship is Relationship.VERIFIED_CUSTOMER
        and group.email_from_purchase  # Nr. 1: address obtained with a sale
        and measure.similar_products_only  # Nr. 2: own similar goods or services
        and not group.objection  # Nr. 3: no objection
        and group.informed_of_objection  # Nr. 4: informed at collection …
        and measure.objection_notice_in_message  # … and with every use
    )


def _restricted(count: int) -> Reason:
    return Reason(
        "restriction.excluded",
        "processing is restricted for these contacts; only storage is allowed",
        "GDPR Art. 18(2)",
        count,
    )


def _policy_exclusion(
    measure: Measure, item: DataItem, decision: Decision, group: AudienceFacts
) -> Reason:
    purpose = measure.purpose.value
    if decision.outcome is Outcome.NEEDS_CONSENT and group.consent is ConsentState.NONE:
        scoped = [i for i in measure.data_items if i.source is not None]
        covering = (
            " that covers "
            + "; ".join(f"'{i.name}' ({i.category.value} from {i.source})" for i in scoped)
            if scoped
            else ""
        )
        return Reason(
            "consent.missing",
            f"no consent for purpose '{purpose}'{covering}",
            decision.article or "GDPR Art. 6(1)(a)",
            group.count,
        )
    if decision.outcome is Outcome.ANONYMISE:
        return Reason(
            decision.rule_id,
            f"'{item.name}' may only be used in anonymous aggregates: "
            f"{decision.reason.rstrip('.').lower()}",
            decision.article or "GDPR Recital 26",
            group.count,
        )
    if decision.outcome is Outcome.NEEDS_REVIEW:
        return Reason(
            decision.rule_id, decision.reason.rstrip("."), decision.article or "", group.count
        )
    return Reason(
        decision.rule_id,
        f"'{item.name}': {decision.reason.rstrip('.')}",
        decision.article or "",
        group.count,
    )


def _merge_exclusions(outcomes: Iterable[ContactAssessment], total: int) -> tuple[Reason, ...]:
    counts: Counter[tuple[str, str, str]] = Counter()
    for o in outcomes:
        if o.exclusion is not None:
            e = o.exclusion
            counts[(e.code, e.text, e.article)] += o.group.count
    merged = [
        Reason(
            code,
            f"{text} for {of(n, total)}"
            if code == "consent.missing"
            else f"{of(n, total)} excluded: {text}",
            article,
            n,
        )
        for (code, text, article), n in counts.items()
    ]
    return tuple(sorted(merged, key=lambda r: (-r.count, r.code)))


def _item_check(
    measure: Measure, index: int, outcomes: Sequence[ContactAssessment], total: int
) -> ItemCheck:
    item = measure.data_items[index]
    by_outcome: Counter[Outcome] = Counter()
    by_rule: Counter[tuple[str, str]] = Counter()
    bases: set[LegalBasis] = set()
    duties: set[Duty] = set()
    usable = 0
    for o in outcomes:
        decision = o.decisions[index]
        by_outcome[decision.outcome] += o.group.count
        by_rule[(decision.reason, decision.article or "")] += o.group.count
        if decision.permits_storage:
            usable += o.group.count
            duties.update(decision.duties)
            if decision.legal_basis is not None:
                bases.add(decision.legal_basis)
    (reason, article), _ = by_rule.most_common(1)[0] if by_rule else (("no audience", ""), 0)
    return ItemCheck(
        item=item,
        usable_for=usable,
        total=total,
        outcomes=tuple(sorted(by_outcome.items(), key=lambda kv: -kv[1])),
        legal_bases=tuple(sorted(bases)),
        duties=tuple(sorted(duties)),
        reason=reason,
        article=article,
    )


def _bases(outcomes: Iterable[ContactAssessment]) -> tuple[LegalBasis, ...]:
    found = {
        d.legal_basis
        for o in outcomes
        if o.exclusion is None
        for d in o.decisions
        if d.legal_basis is not None and d.permits_storage
    }
    return tuple(sorted(found))


def _duties(outcomes: Iterable[ContactAssessment], art14: int) -> tuple[Duty, ...]:
    found = {
        duty
        for o in outcomes
        if o.exclusion is None
        for d in o.decisions
        if d.permits_storage
        for duty in d.duties
    }
    if art14:
        found.add(Duty.INFORM_ART14)
    return tuple(sorted(found))


def _consent_count(purpose: Purpose, audience: Iterable[AudienceFacts]) -> ConsentCount:
    counts: Counter[ConsentState] = Counter()
    for group in audience:
        counts[group.consent] += group.count
    return ConsentCount(
        purpose=purpose,
        given=counts[ConsentState.GIVEN] + counts[ConsentState.EXPLICIT],
        missing=counts[ConsentState.NONE],
        withdrawn=counts[ConsentState.WITHDRAWN],
    )


def _art22(measure: Measure) -> Reason | None:
    """GDPR Art. 22: a solely automated decision with legal or similarly significant effect."""
    if not measure.automated_decision_with_legal_effect:
        return None
    missing = []
    if not measure.explicit_consent_recorded:
        missing.append("explicit consent (Art. 22(2)(c))")
    if not measure.human_review_recorded:
        missing.append("a human review (Art. 22(3))")
    if missing:
        return Reason(
            "art22.refused",
            "a score would drive an automated decision with legal or similarly significant "
            f"effect without {' and '.join(missing)}",
            "GDPR Art. 22(1)",
        )
    return Reason(
        "art22.safeguarded",
        "an automated decision with legal effect rests on explicit consent with human "
        "review; the DPO must approve the safeguards",
        "GDPR Art. 22(2)(c), 22(3), Art. 35(3)(a)",
    )


def _vulnerable_reason(measure: Measure, outcomes: Sequence[ContactAssessment]) -> Reason | None:
    minors = sum(o.group.count for o in outcomes if o.exclusion is None and o.group.minor)
    employees = sum(
        o.group.count
        for o in outcomes
        if o.exclusion is None and o.group.relationship is Relationship.EMPLOYEE
    )
    if minors:
        return Reason(
            "vulnerable.minors",
            f"the audience holds {minors:,} minor(s), who merit specific protection",
            "GDPR Art. 8, Recital 38, WP248 criterion 7",
            minors,
        )
    if employees:
        return Reason(
            "vulnerable.employees",
            f"the audience holds {employees:,} employee(s), whose consent is rarely free",
            "BDSG §26(2), GDPR Art. 88, WP248 criterion 7",
            employees,
        )
    if measure.vulnerable_people:
        return Reason(
            "vulnerable.declared",
            "the measure is declared to concern vulnerable people",
            "WP248 criterion 7",
        )
    return None


_SOCIAL = frozenset(
    {
        DataCategory.PRODUCT_CONTENT,
        DataCategory.GENERAL_CONTENT,
        DataCategory.PROFILE_ATTRIBUTE,
        DataCategory.SOCIAL_GRAPH,
    }
)


def _dpia(
    measure: Measure,
    audience: Sequence[AudienceFacts],
    policy: Policy,
    total: int,
    threshold: int,
) -> DpiaCheck:
    categories = {i.category for i in measure.data_items}
    special = (
        measure.special_categories
        or DataCategory.SPECIAL_CATEGORY in categories
        or any(g.special_categories and g.count for g in audience)
    )
    large = measure.large_scale if measure.large_scale is not None else total >= threshold
    combined = measure.combines_sources or (
        DataCategory.BEHAVIOURAL in categories and bool(categories & _SOCIAL)
    )
    vulnerable = measure.vulnerable_people or any(
        g.count and (g.minor or g.relationship is Relationship.EMPLOYEE) for g in audience
    )
    scoring = measure.systematic_profiling or measure.purpose is Purpose.PROFILING
    monitoring = measure.purpose is Purpose.PUBLIC_MONITORING
    criteria = {
        "evaluation or scoring (profiling)": scoring,
        "automated decision with legal or similar effect": (
            measure.automated_decision_with_legal_effect
        ),
        "systematic monitoring": monitoring,
        "special categories of data": special,
        f"large scale (>= {threshold:,} contacts)": large,
        "matching or combining data sets": combined,
        "vulnerable data subjects (minors, employees)": vulnerable,
        "innovative use of technology": measure.innovative_technology,
    }
    met = tuple(name for name, holds in criteria.items() if holds)
    reasons: list[Reason] = []
    if (scoring and measure.automated_decision_with_legal_effect) or (
        measure.systematic_profiling and large
    ):
        reasons.append(
            Reason(
                "dpia.art35-3a",
                "systematic and extensive evaluation of personal aspects (profiling)",
                "GDPR Art. 35(3)(a)",
            )
        )
    if special and large:
        reasons.append(
            Reason(
                "dpia.art35-3b", "special categories of data on a large scale", "GDPR Art. 35(3)(b)"
            )
        )
    if monitoring and large:
        reasons.append(
            Reason(
                "dpia.art35-3c",
                "systematic monitoring of publicly accessible areas on a large scale",
                "GDPR Art. 35(3)(c)",
            )
        )
    if len(met) >= 2:
        reasons.append(
            Reason(
                "dpia.criteria",
                f"{len(met)} risk criteria hold: {', '.join(met)}",
                "GDPR Art. 35(1), 35(4) (DSK Muss-Liste), WP248 rev.01",
            )
        )
    spec = policy.purposes.get(measure.purpose)
    if spec is not None and spec.dpia_required:
        reasons.append(
            Reason(
                "dpia.policy",
                f"the record of processing marks purpose '{measure.purpose.value}' as "
                "requiring a DPIA",
                "GDPR Art. 30, Art. 35",
            )
        )
    return DpiaCheck(
        required=bool(reasons),
        criteria=met,
        reasons=tuple(reasons),
        on_record=measure.dpia_reference,
    )

"""The nine WP248 rev.01 criteria for one DPIA, computed from what Sphere knows.

Each criterion comes with its evidence (messages, shown in the reader's language; the
English form is stable for the API): the policy's purposes and data categories, the
Art. 9 categories actually held (read model), the minors register, the live count of
contacts (large scale), identities linked across channels and derived attributes
(matching and combining), scores and whether they drive an automated decision, the
sources and how they collect (systematic monitoring), and the approved marketing
measures' declared flags. What the data cannot show (an innovative technology, a
processing that keeps people from a right or a contract) the assessor declares with a
reason; a declaration can add a criterion, never remove a computed one.

Two criteria or more: a DPIA is required (WP248 rev.01, Art. 35(1), (3); the DSK
"Muss-Liste" under Art. 35(4) names processing operations built on the same criteria).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from sphere.domain import DataCategory, Purpose
from sphere.domain.dpia import Criterion, CriterionFinding
from sphere.i18n import N_
from sphere.i18n.message import Message, joined, msg, word
from sphere.policy import Policy
from sphere.storage.repositories.dpia_facts import PurposeFacts, measure_facts, purpose_facts

# WP243/WP248 give no number; the same default as the planning check (contacts).
LARGE_SCALE_CONTACTS = 10_000
_SCORING = frozenset({Purpose.PROFILING})
_MONITORING = frozenset({Purpose.PUBLIC_MONITORING, Purpose.WEB_ANALYTICS, Purpose.SECURITY})
_MATCHING = frozenset({Purpose.ENRICHMENT, Purpose.IDENTITY_MATCHING})
# The planning check's names for its criteria (``marketing.planning._dpia``).
_PLANNING_NAMES = {
    "evaluation or scoring": Criterion.EVALUATION_SCORING,
    "automated decision": Criterion.AUTOMATED_DECISION,
    "systematic monitoring": Criterion.SYSTEMATIC_MONITORING,
    "special categories": Criterion.SENSITIVE_DATA,
    "large scale": Criterion.LARGE_SCALE,
    "matching or combining": Criterion.MATCHING_DATASETS,
    "vulnerable data subjects": Criterion.VULNERABLE_SUBJECTS,
    "innovative use": Criterion.INNOVATIVE_USE,
}
_FLAGS = {
    "systematic_profiling": Criterion.EVALUATION_SCORING,
    "automated_decision_with_legal_effect": Criterion.AUTOMATED_DECISION,
    "special_categories": Criterion.SENSITIVE_DATA,
    "combines_sources": Criterion.MATCHING_DATASETS,
    "vulnerable_people": Criterion.VULNERABLE_SUBJECTS,
    "innovative_technology": Criterion.INNOVATIVE_USE,
}


def _purpose_evidence(
    purpose: Purpose, policy: Policy, facts: PurposeFacts, threshold: int
) -> dict[Criterion, tuple[bool, list[Message]]]:
    spec = policy.purposes.get(purpose)
    found: dict[Criterion, tuple[bool, list[Message]]] = {c: (False, []) for c in Criterion}

    def add(criterion: Criterion, met: bool, evidence: Message) -> None:
        was, items = found[criterion]
        found[criterion] = (was or met, [*items, evidence])

    purpose_word = word("purpose", purpose)
    if purpose in _SCORING:
        add(Criterion.EVALUATION_SCORING, True,
            msg(N_("the purpose %(purpose)s evaluates people: interests, scores, segments"),
                purpose=purpose_word))  # fmt: skip
    if facts.scores:
        add(Criterion.EVALUATION_SCORING, True,
            msg(N_("%(count)s scores kept under this purpose"), count=facts.scores))  # fmt: skip
    if facts.automated_scores:
        add(Criterion.AUTOMATED_DECISION, True,
            msg(N_("%(count)s scores drive an automated decision (Art. 22)"),
                count=facts.automated_scores))  # fmt: skip
    if purpose in _MONITORING:
        add(Criterion.SYSTEMATIC_MONITORING, True,
            msg(N_("the purpose %(purpose)s observes people's public or online behaviour "
                   "continuously"), purpose=purpose_word))  # fmt: skip
    scraped = sorted(n for n in facts.sources if facts.source_collection.get(n) == "scraper")
    if scraped:
        add(Criterion.SYSTEMATIC_MONITORING, True,
            msg(N_("records from sources collected by scraping: %(sources)s"),
                sources=joined(scraped)))  # fmt: skip
    if spec is not None and DataCategory.SPECIAL_CATEGORY in spec.data_categories:
        add(
            Criterion.SENSITIVE_DATA,
            True,
            msg(N_("the policy allows special categories of data (Art. 9) for this purpose")),
        )
    if facts.special:
        categories = joined(word("special_category", c) for c in sorted(facts.special))
        add(Criterion.SENSITIVE_DATA, True,
            msg(N_("%(count)s records with special categories held (%(categories)s)"),
                count=sum(facts.special.values()), categories=categories))  # fmt: skip
    add(Criterion.LARGE_SCALE, facts.contacts >= threshold,
        msg(N_("%(count)s contacts held for this purpose now (large scale from %(threshold)s)"),
            count=facts.contacts, threshold=threshold))  # fmt: skip
    if purpose in _MATCHING:
        add(Criterion.MATCHING_DATASETS, True,
            msg(N_("the purpose %(purpose)s combines social data with customer records"),
                purpose=purpose_word))  # fmt: skip
    if facts.linked_contacts:
        add(Criterion.MATCHING_DATASETS, True,
            msg(N_("%(count)s contacts known by identities on two or more channels"),
                count=facts.linked_contacts))  # fmt: skip
    if facts.derived:
        add(
            Criterion.MATCHING_DATASETS,
            True,
            msg(N_("%(count)s attributes derived from other data"), count=facts.derived),
        )
    if facts.minors:
        add(Criterion.VULNERABLE_SUBJECTS, True,
            msg(N_("%(count)s contacts of this purpose are in the minors register"),
                count=facts.minors))  # fmt: skip
    if facts.employees:
        add(
            Criterion.VULNERABLE_SUBJECTS,
            True,
            msg(N_("%(count)s contacts of this purpose are employees"), count=facts.employees),
        )
    for measure in facts.measures:
        for flag, criterion in _FLAGS.items():
            if measure["flags"].get(flag):
                add(criterion, True,
                    msg(N_("declared for the approved measure %(measure)s"),
                        measure=measure["name"]))  # fmt: skip
    return found


def _measure_evidence(
    name: str, check: Mapping[str, Any], flags: Mapping[str, Any]
) -> dict[Criterion, list[Message]]:
    found: dict[Criterion, list[Message]] = {}
    for text in (check.get("dpia") or {}).get("criteria", ()):
        for prefix, criterion in _PLANNING_NAMES.items():
            if str(text).startswith(prefix):
                found.setdefault(criterion, []).append(
                    msg(
                        N_("the planning check of %(measure)s: %(text)s"),
                        measure=name,
                        text=str(text),
                    )  # fmt: skip
                )
    for flag, criterion in _FLAGS.items():
        if flags.get(flag):
            found.setdefault(criterion, []).append(
                msg(N_("declared for the measure %(measure)s"), measure=name)
            )
    return found


def assess_criteria(
    session: Session,
    policy: Policy,
    purpose: str,
    *,
    measure: str | None = None,
    declared: Mapping[str, str] | None = None,
    threshold: int = LARGE_SCALE_CONTACTS,
) -> tuple[CriterionFinding, ...]:
    """The nine criteria for a DPIA of ``purpose`` (or of the marketing measure
    ``measure`` under it), with the assessor's ``declared`` criteria (code → reason)."""
    value = Purpose(purpose)
    found = _purpose_evidence(value, policy, purpose_facts(session, purpose), threshold)
    if measure is not None:
        stored = measure_facts(session, measure)
        if stored is not None:
            for criterion, items in _measure_evidence(measure, stored["check"],
                                                      stored["flags"]).items():  # fmt: skip
                _was, before = found[criterion]
                found[criterion] = (True, [*items, *before])
    result = []
    for criterion in Criterion:
        met, evidence = found[criterion]
        reason = (declared or {}).get(criterion.value, "").strip()
        if reason:
            evidence = [*evidence, msg(N_("declared by the assessor: %(reason)s"), reason=reason)]
        result.append(
            CriterionFinding(
                criterion, met or bool(reason), tuple(evidence), declared=bool(reason) and not met
            )  # fmt: skip
        )
    return tuple(result)

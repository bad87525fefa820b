"""The re-identification check of posts stored without a link to their author.

Cheap by construction: one scan of the (already minimised) text against a frequent-word
set, and per pseudonym one indexed count of what is already stored under it, read once
per batch and kept current as the batch stores more (``sphere.analytics.reidentification``
has the method and its sources; docs/anonymisation.md the levels and limits).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from sphere.analytics.reidentification import RiskAssessment, assess, generalise
from sphere.domain.risk import RiskAction, RiskLevel
from sphere.pipeline.detect import Detection
from sphere.storage.repositories.interactions import InteractionRepository

#: Key subjects of authors known only by a keyed pseudonym (``crypto.pseudonym_subject``).
PSEUDONYM_PREFIX = "pseudo:"


@dataclass(frozen=True, slots=True)
class RiskOutcome:
    assessment: RiskAssessment
    action: RiskAction
    text: str | None  # what may be stored: as is, generalised, or None (labels only)


class Reidentifier:
    """Assesses one post and applies the policy's action for its level."""

    def __init__(
        self,
        interactions: InteractionRepository,
        *,
        actions: Mapping[RiskLevel, RiskAction],
        products: Collection[str] = (),
        company_terms: Collection[str] = (),
    ) -> None:
        self.interactions = interactions
        self.actions = actions
        self.products = tuple(products)
        # longest first, so "@optiklinse_de" is not cut by "@optiklinse"
        self.company_terms = tuple(sorted(company_terms, key=len, reverse=True))
        self._linked: dict[str, int] = {}

    def preload(self, key_subjects: Iterable[str]) -> None:
        """Read, in one statement, what is stored under the batch's pseudonyms."""
        missing = sorted({k for k in key_subjects if k not in self._linked})
        if missing:
            self._linked.update(self.interactions.count_by_keys(missing))

    def linked(self, key_subject: str | None) -> int:
        if key_subject is None:
            return 0
        count = self._linked.get(key_subject)
        if count is None:
            count = self._linked[key_subject] = self.interactions.count_by_keys([key_subject])[
                key_subject
            ]
        return count

    def stored(self, key_subject: str | None, *, has_text: bool) -> None:
        """The batch stored one more post with text under ``key_subject``."""
        if key_subject is not None and has_text:
            self._linked[key_subject] = self.linked(key_subject) + 1

    def check(self, text: str, detection: Detection, *, key_subject: str | None) -> RiskOutcome:
        assessment = assess(
            text,
            entity_types=detection.entity_counts.keys(),
            products=self.products,
            company_terms=self.company_terms,
            linked_records=self.linked(key_subject),
            special=bool(detection.special),
        )
        action = self.actions[assessment.level]
        if action is RiskAction.GENERALISE:
            return RiskOutcome(assessment, action, generalise(text))
        if action is RiskAction.KEEP:
            return RiskOutcome(assessment, action, text)
        return RiskOutcome(assessment, action, None)

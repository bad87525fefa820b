"""Nothing that needs consent or review disappears silently (issue 13, point 4).

A post addressed to the company (DIRECT or ADDRESSED) whose customer-care decision is
``needs_consent`` (e.g. a customer who discloses her own health condition while asking
for help: Art. 9(1) DSGVO) or ``needs_review`` (no rule matched) cannot be stored as it
is. Before, it became an anonymous count and the request to the company was lost. Now
it also opens an item in the review queue for the service team and the DPO
(``review_items``, shown by ``sphere.cockpit.reviews``):

- what is kept: reason, rule, article, outcome, the Art. 9 categories found, channel,
  visibility, language, and where to answer — the post reference ``channel:id``,
  encrypted under the author's key (contact or keyed pseudonym), so the team can answer
  on the platform. The legal ground for this minimal reference is the one the person's
  request itself gives: Art. 6(1)(f) with Recital 47 (a person who addresses the
  company expects an answer), or Art. 6(1)(b) where the request is pre-contractual;
- no text, unless the policy declares Art. 9(2)(e) for customer care
  (``special_category_basis: art9_2_e``) and the post was public (the person manifestly
  made it public): then the text is kept minimised (third parties' data replaced),
  encrypted, readable only by the service team and the DPO, for answering only;
- the item expires after :data:`REVIEW_DAYS` (Art. 12(3): one month to answer) and the
  retention run deletes it; an erasure deletes it with everything else;
- the governing decision goes to the decision log (record type ``review_item``) with the
  special categories found, and an audit entry ``review.opened`` in the same transaction.
"""

from __future__ import annotations

from datetime import timedelta

from sphere.audit import AuditBatch
from sphere.domain import Addressing, Decision, Observation, Outcome, Purpose
from sphere.domain.facts import Visibility
from sphere.domain.legal import LegalBasis
from sphere.pipeline.context import PipelineContext
from sphere.pipeline.detect import Detection, detect, minimise
from sphere.pipeline.gate import GateResult
from sphere.pipeline.link import Link
from sphere.storage.crypto import record_subject
from sphere.storage.key_batch import SubjectKeyBatch
from sphere.storage.repositories.decisions import DecisionRepository
from sphere.storage.repositories.reviews import ReviewRepository
from sphere.storage.tables import new_id

REVIEW_DAYS = 30
_NEEDS_A_PERSON = (Outcome.NEEDS_CONSENT, Outcome.NEEDS_REVIEW)
_PUBLIC = (Visibility.PUBLIC, Visibility.COMPANY_PUBLIC)


def care_decision(result: GateResult) -> Decision | None:
    """The customer-care decision of ``result`` if it needs consent or a person."""
    for decision in result.considered:
        if decision.purpose is Purpose.CUSTOMER_CARE and decision.outcome in _NEEDS_A_PERSON:
            return decision
    return None


class ReviewQueue:
    """Opens review items for the posts of one batch (in the batch's transaction)."""

    def __init__(
        self,
        ctx: PipelineContext,
        *,
        repository: ReviewRepository,
        decisions: DecisionRepository,
        keys: SubjectKeyBatch,
        audit: AuditBatch,
        company_handles: frozenset[str],
    ) -> None:
        self.ctx, self.repository, self.decisions = ctx, repository, decisions
        self.keys, self.audit, self.company_handles = keys, audit, company_handles
        spec = ctx.policy.purposes.get(Purpose.CUSTOMER_CARE)
        self.text_basis = (
            LegalBasis.MANIFESTLY_PUBLIC
            if spec is not None and spec.special_category_basis is LegalBasis.MANIFESTLY_PUBLIC
            else None
        )

    def open(
        self,
        obs: Observation,
        *,
        addressing: Addressing,
        link: Link,
        decision: Decision,
        screened: Detection,
    ) -> str | None:
        """Open an item for ``obs`` unless one is open for this post already."""
        ref_key = self.ctx.keyring.thread_mark(obs.channel.value, "review", obs.source_id)
        if self.repository.exists(ref_key):
            return None
        now = self.ctx.clock.now()
        subject = link.author.contact_id or link.key_subject or record_subject()
        categories = sorted(c.value for c in screened.special)
        keep_text = (
            self.text_basis is not None
            and obs.visibility in _PUBLIC
            and bool(obs.text)
            and (bool(screened.special) or decision.outcome is Outcome.NEEDS_REVIEW)
        )
        text_ciphertext = None
        if keep_text:
            detection = detect(
                self.ctx.analyzer, obs.text, language=obs.language, screened=screened
            )
            text = minimise(obs.text, detection, company_handles=self.company_handles)
            text_ciphertext = self.keys.encrypt(subject, text)
        post_ref_ciphertext = self.keys.encrypt(subject, f"{obs.channel.value}:{obs.source_id}")
        # The item is written now, not with the batch: on PostgreSQL its subject's key is
        # claimed first (under the winner's key if another worker was first).
        self.keys.settle()
        text_ciphertext = self.keys.final(text_ciphertext)
        post_ref_ciphertext = self.keys.final(post_ref_ciphertext)
        item_id = new_id()
        logged, row = self.decisions.prepare(
            decision,
            record_type="review_item",
            record_ref=item_id,  # the post itself is named only encrypted, in the item
            contact_id=link.author.contact_id,
            at=now,
            special_categories=categories,
        )
        self.decisions.insert_prepared([row])
        self.repository.add(
            item_id,
            ref_key=ref_key,
            created_at=now,
            expires_at=now + timedelta(days=REVIEW_DAYS),
            channel=obs.channel.value,
            visibility=obs.visibility.value,
            addressing=addressing.value,
            language=screened.language,
            contact_id=link.author.contact_id,
            subject_id=subject,
            decision_id=logged.id,
            outcome=decision.outcome.value,
            rule_id=decision.rule_id,
            article=decision.article,
            reason=decision.reason[:500],
            categories=categories,
            post_ref_ciphertext=post_ref_ciphertext,
            text_ciphertext=text_ciphertext,
            text_basis=self.text_basis.value if keep_text and self.text_basis else None,
        )
        self.audit.add(
            actor=self.ctx.actor,
            action="review.opened",
            subject_id=subject,
            object_ids=(item_id, logged.id),
            purpose=decision.purpose,
            legal_basis=None,
            details={
                "rule": decision.rule_id,
                "outcome": decision.outcome.value,
                "addressing": addressing.value,
                "special_categories": categories,
                "text_kept": keep_text,
                "policy_version": decision.policy_version,
            },
            at=now,
        )
        return item_id

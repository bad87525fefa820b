"""A post through classify → link → gate → store: the per-post stage of
``sphere.pipeline.process.RecordProcessor`` (a mixin; the processor holds the state)."""

from __future__ import annotations

from dataclasses import replace

from sphere.channels import classify
from sphere.domain import (
    Addressing,
    Decision,
    Observation,
    Outcome,
    Purpose,
)
from sphere.domain.risk import RiskAction
from sphere.pii.age import is_minor_statement, may_state_age
from sphere.pipeline.detect import Detection, detect, minimise, screen
from sphere.pipeline.facts import build_facts
from sphere.pipeline.gate import gate
from sphere.pipeline.link import Link
from sphere.pipeline.minors import flag_minor, minor_evaluate
from sphere.pipeline.review import care_decision
from sphere.storage.entities import NewInteraction


class PostStage:
    """Posts: addressing, identity link, the policy gate, and the rows a stored post
    prepares (written by ``PendingWrites.flush_pending``)."""

    def _post(self, obs: Observation, *, is_edit: bool = False) -> None:
        addressing = classify(obs, self.ctx.profile, thread=self.threads.context)
        company_post = addressing.addressing is Addressing.NOT_APPLICABLE and obs.author is not None
        self.threads.learn(obs, addressing, company_post=company_post)
        if company_post:
            # The company's own post: the thread is remembered, nothing about people stored.
            self.summary.company_posts += 1
            return
        link = self.linker.link(obs)
        if link.author.is_linked and not link.author.minor and may_state_age(obs.text):
            link = self._minor_statement(obs, link)
        # The gate needs special categories only; the analyzer runs for stored records.
        screened = screen(obs.text, language=obs.language)

        def facts_for(purpose: Purpose):  # noqa: ANN202 - local closure
            return build_facts(
                visibility=obs.visibility,
                addressing=addressing.addressing,
                author=link.author,
                collection=self.source.collection,
                has_special_category=bool(screened.special),
                is_about_company=addressing.is_about_company,
                on_company_page=obs.on_company_page,
                purpose=purpose,
                source=obs.channel.value,
            )

        result = gate(
            facts_for,
            minor_evaluate(self.evaluate, link.author, self.ctx.policy.version),
            addressing=addressing.addressing,
            is_linked=link.author.is_linked,
        )
        care = care_decision(result) if addressing.is_addressed else None
        # Addressed to the company, but customer care needs consent or a person: the
        # request must not vanish into a count (pipeline.review).
        if care is not None and self.reviews.open(
            obs, addressing=addressing.addressing, link=link, decision=care, screened=screened
        ):
            self.summary.note("addressed to the company, needs consent or review: queued")
        if result.disposition.stores_personal_data:
            # Only stored records can be duplicates (counts are not kept per record).
            if not is_edit and self._is_stored(obs):
                self.summary.duplicates += 1
                return
            self._store_post(
                obs,
                link,
                result.decision,
                addressing.addressing,
                addressing.evidence,
                detect(self.ctx.analyzer, obs.text, language=obs.language, screened=screened),
                topic="company" if addressing.is_about_company else "other",
            )
        else:
            self._count(
                obs,
                addressing.addressing,
                result.decision.outcome,
                "company" if addressing.is_about_company else "other",
            )
            if (
                result.decision.outcome is Outcome.ANONYMISE
                and addressing.addressing is Addressing.PUBLIC_MENTION
                and obs.text
            ):  # social listening: anonymous counts of products and sentiment
                self.listening.add(
                    obs.created_at.date(),
                    obs.channel.value,
                    obs.text,
                    screened.language,
                    token=self._counted_token(obs),
                )
        self.summary.count(addressing.addressing.value, result.disposition)

    def _minor_statement(self, obs: Observation, link: Link) -> Link:
        """A linked author states an age under the age of digital consent: flag them
        (rare — the pre-check is a regex), so this post and later ones see it."""
        today = self.ctx.clock.now().date()
        statement = is_minor_statement(obs.text, today=today, threshold=self.ctx.minor_age)
        contact_id = link.author.contact_id
        if statement is None or contact_id is None:
            return link
        self.flush_pending()  # the batch's audit entries go first, in order
        with self.session.begin_nested():
            flag_minor(
                self.session,
                self.ctx.keyring,
                contact_id,
                evidence=f"{statement.kind}:{obs.channel.value}:{obs.source_id}",
                kind=statement.kind,
                channel=obs.channel.value,
                threshold=self.ctx.minor_age,
                at=self.ctx.clock.now(),
                actor=self.ctx.actor,
            )
        author = self.linker.mark_minor(contact_id) or replace(link.author, minor=True)
        return replace(link, author=author)

    def _store_post(
        self,
        obs: Observation,
        link: Link,
        decision: Decision,
        addressing: Addressing,
        evidence: tuple[str, ...],
        detection: Detection,
        *,
        topic: str = "other",
    ) -> None:
        """Prepare the decision, the record and its audit entry; they are written together
        with the rest of the batch by ``flush_pending`` (one executemany per table).

        A post stored without a link to its author first passes the re-identification
        check (``sphere.pipeline.reidentify``): the policy's action for its risk level may
        generalise its text, keep no text, or keep nothing but the anonymous counter."""
        now = self.ctx.clock.now()
        text: str | None = minimise(obs.text, detection, company_handles=self.company_handles)
        risk = None
        if link.author.contact_id is None and text:
            risk = self.reidentifier.check(text, detection, key_subject=link.key_subject)
            if risk.action is RiskAction.DROP:
                self.summary.reid_dropped += 1
                self._count(obs, addressing, Outcome.ANONYMISE, topic)
                return
            text = risk.text
        logged, decision_row = self.decisions.prepare(
            decision,
            record_type="interaction",
            record_ref=f"{obs.channel.value}:{obs.source_id}",
            contact_id=link.author.contact_id,
            at=now,
            special_categories=(c.value for c in detection.special),
        )
        retention = now + decision.retention if decision.retention else None
        row = self.interactions.prepare(
            NewInteraction(
                source_name=self.source.name,
                channel=obs.channel,
                source_id=obs.source_id,
                kind=obs.kind,
                created_at=obs.created_at,
                visibility=obs.visibility,
                addressing=addressing,
                text=text,
                contact_id=link.author.contact_id,
                identity_id=link.identity_id,
                key_subject=link.key_subject,
                language=detection.language,
                special_categories=detection.special,
                decision_id=logged.id,
                retention_until=retention,
                reid_risk=None if risk is None else risk.assessment.level.value,
                reid_action=None if risk is None else risk.action.value,
            ),
            at=now,
            encrypt=self.keys.encrypt,
        )
        if risk is not None:
            self.reidentifier.stored(link.key_subject, has_text=text is not None)
        self.audit_batch.add(
            actor=self.ctx.actor,
            action="interaction.stored",
            subject_id=link.author.contact_id or link.key_subject,
            object_ids=(str(row["id"]), logged.id),
            purpose=decision.purpose,
            legal_basis=decision.legal_basis,
            details={
                "addressing": addressing.value,
                "rule": decision.rule_id,
                "outcome": decision.outcome.value,
                "policy_version": decision.policy_version,
                "entities": detection.entity_counts,
                "special_categories": sorted(c.value for c in detection.special),
                "evidence_count": len(evidence),
                **(
                    {}
                    if risk is None
                    else {
                        "reidentification": {
                            **risk.assessment.as_dict(),
                            "action": risk.action.value,
                        }
                    }
                ),
            },
            at=now,
        )
        self.pending_decisions.append(decision_row)
        self.pending_interactions.append(row)
        self.pending_keys.add((obs.channel, obs.source_id))
        if not self.buffered:
            self.flush_pending()

    def _count(
        self, obs: Observation, addressing: Addressing, outcome: Outcome, topic: str
    ) -> None:
        self.counters.add(
            obs.created_at.date(),
            obs.channel.value,
            addressing.value,
            outcome.value,
            topic,
            token=self._counted_token(obs),
        )

    def _counted_token(self, obs: Observation) -> str | None:
        if not obs.source_id:
            return None
        return self.ctx.keyring.counted_token(obs.channel.value, obs.source_id)

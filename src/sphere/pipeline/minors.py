"""Minors in the pipeline (GDPR Art. 8, Recital 38): children merit specific protection,
"in particular … for the purposes of marketing or creating personality or user profiles".

* A linked author's post that states an age or a birth date under the age of digital
  consent (``PipelineContext.minor_age``: SPHERE_MEMBER_STATE / SPHERE_DIGITAL_CONSENT_AGE;
  ``sphere.pii.age``) flags the contact as a minor, with the evidence — the kind of
  statement and the post's channel and id, never the age or date — and an audit entry,
  in the batch's transaction (:func:`flag_minor`). A CRM record's date of birth does the
  same at import (``records.ContactImporter``).
* For a minor, the gate denies the derived purposes (enrichment, profiling, direct
  marketing) unless a holder of parental responsibility consented for that purpose
  (:func:`minor_evaluate`): rule ``minor.no-guardian-consent``. Answering the child
  (customer care) is not affected.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import Decision, Facts, Outcome, Purpose
from sphere.pipeline.facts import AuthorState
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.contacts import ContactRepository

MINOR_PURPOSES = frozenset({Purpose.ENRICHMENT, Purpose.PROFILING, Purpose.DIRECT_MARKETING})
RULE_ID = "minor.no-guardian-consent"
ARTICLE = "GDPR Art. 8(1), Recital 38"


def minor_denial(purpose: Purpose, policy_version: str) -> Decision:
    return Decision(
        outcome=Outcome.DENY,
        purpose=purpose,
        rule_id=RULE_ID,
        reason=(
            f"the person is a minor; no processing for purpose '{purpose.value}' without the "
            "consent of a holder of parental responsibility"
        ),
        policy_version=policy_version,
        article=ARTICLE,
    )


def minor_evaluate(
    evaluate: Callable[[Facts], Decision], author: AuthorState, policy_version: str
) -> Callable[[Facts], Decision]:
    """``evaluate`` with the minors' rule in front of it (see the module docstring)."""
    if not author.minor:
        return evaluate

    def guarded(facts: Facts) -> Decision:
        if facts.purpose in MINOR_PURPOSES and not author.guardian_consent(facts.purpose):
            return minor_denial(facts.purpose, policy_version)
        return evaluate(facts)

    return guarded


def flag_minor(
    session: Session,
    keyring: Keyring,
    contact_id: str,
    *,
    evidence: str,
    kind: str,
    channel: str,
    threshold: int,
    at: datetime,
    actor: str,
) -> bool:
    """Flag the contact as a minor (once) with its evidence and an audit entry."""
    if not ContactRepository(session, keyring).flag_minor(contact_id, evidence, at=at):
        return False
    audit(
        session,
        actor=actor,
        action="subject.minor_flagged",
        subject_id=contact_id,
        details={"kind": kind, "channel": channel, "age_of_consent": threshold, "article": "art8"},
        at=at,
    )
    return True

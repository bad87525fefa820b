"""The breaches a person was told about (GDPR Art. 34(1)), for their portal: the same
message as the one sent, in the portal's language, from the moment the DPO recorded that
the people concerned were told. Breaches that did not call for telling them (no high
risk, or an Art. 34(3) exception on record) are not shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.domain.controller import ControllerProfile
from sphere.governance.breach import breaches_told_to
from sphere.governance.breach_texts import BreachText, subject_message
from sphere.i18n import Translator


@dataclass(frozen=True, slots=True)
class BreachNotice:
    reference: str
    told_at: datetime
    message: BreachText
    staff: frozenset[str]  # the lines staff wrote (shown as written, not translated)


def breach_notices(
    session: Session, contact_id: str, controller: ControllerProfile, tr: Translator
) -> list[BreachNotice]:
    return [
        BreachNotice(
            b.reference,
            b.subjects_notified_at,
            subject_message(b, controller, tr),
            frozenset({b.description, b.consequences, b.measures}),
        )  # fmt: skip
        for b in breaches_told_to(session, contact_id)
        if b.subjects_notified_at is not None
    ]

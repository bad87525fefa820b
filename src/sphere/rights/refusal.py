"""Refusals of data-subject requests: a reason code, a readable reason, an audit entry.

"Nothing disclosed": the message never says whether another person exists behind an
identifier, never repeats the identifier, and never names data. The reason code is a
token for the audit chain (``unknown_subject``, ``ambiguous_identifier`` …).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.errors import SphereError


class Refused(SphereError):
    """A request, verification or consent was refused; the audit entry is in the session.

    ``commit_anyway`` tells callers that the session holds only the refusal's audit
    entry (and, for verification, the attempt counter) and should be committed.
    """

    commit_anyway = True

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(f"refused ({code}): {message}")


def refuse(
    session: Session,
    code: str,
    message: str,
    *,
    actor: str,
    at: datetime,
    subject_id: str | None = None,
    request_id: str | None = None,
    action: str = "dsr.refused",
) -> Refused:
    """Audit the refusal and return the exception for the caller to raise."""
    audit(
        session,
        actor=actor,
        action=action,
        subject_id=subject_id,
        object_ids=(request_id,) if request_id else (),
        details={"reason": code},
        at=at,
    )
    return Refused(code, message)

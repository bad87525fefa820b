"""Where minors (GDPR Art. 8, Recital 38) meet marketing: the segments they are members of
and the audiences of campaigns not yet sent — read for the DPO's finding."""

from __future__ import annotations

from sqlalchemy.orm import Session

from sphere.marketing.campaigns import audience_of, list_campaigns
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.minors import minors_among, minors_in_segments

PENDING = frozenset({"draft", "dry_run"})


def minors_in_marketing(
    session: Session, keyring: Keyring
) -> tuple[dict[str, list[str]], dict[str, list[str]]]:
    """(segment name → minor contact ids, campaign name → minor contact ids in its
    current audience) — ids only."""
    audiences: dict[str, list[str]] = {}
    for record in list_campaigns(session):
        if record.state in PENDING:
            found = minors_among(session, audience_of(session, keyring, record))
            if found:
                audiences[record.name] = found
    return minors_in_segments(session), audiences

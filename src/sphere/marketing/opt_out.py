"""Reply keywords that object to advertising: "STOP", "Abmelden", "unsubscribe" …

Every advertising message ends with "just reply STOP" (``campaigns.OBJECTION_NOTICE``,
§7(3) Nr. 4 UWG, GDPR Art. 21(4)); a reply that says so is an objection to direct
marketing and must take effect at once (Art. 21(2), (3)). This observer is registered
on the pipeline by ``sphere.runtime``: for a post or message whose whole text (without
@-mentions, punctuation and a greeting-free "bitte"/"please") is an opt-out keyword, sent
to the company (a direct message, a reply to it or a mention of it), and written by an
account on file for a known contact, it records the objection to direct marketing and
the profiling behind it (``consent.objection.record_objection``).

Deliberately narrow: "stop" inside a sentence ("the autofocus won't stop hunting") is
not an objection, and a keyword in a public post that does not address the company is
not addressed to us. The post itself goes through the pipeline as any other.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy.orm import Session

from sphere.channels.addressing import classify
from sphere.channels.company import CompanyProfile
from sphere.consent.objection import record_objection
from sphere.domain import Addressing, IdentityKind, Observation, ObservationKind
from sphere.storage.crypto import Keyring
from sphere.storage.repositories.contacts import ContactRepository

ACTOR = "system:opt-out-reply"
KEYWORDS = (
    "stop", "stopp", "abmelden", "abbestellen", "austragen", "abmeldung", "unsubscribe",
    "opt out", "opt-out", "keine werbung", "no more ads", "widerspruch", "ich widerspreche",
)  # fmt: skip
_KEYWORD = re.compile(
    r"^\s*(?:(?:@[\w.@-]+|\.@[\w.@-]+)\s*)*(?:"
    + "|".join(re.escape(k).replace(r"\ ", r"\s+") for k in KEYWORDS)
    + r")(?:\s+(?:bitte|please))?\s*[.!]*\s*$",
    re.IGNORECASE,
)
_POSTS = frozenset({ObservationKind.POST, ObservationKind.COMMENT, ObservationKind.MESSAGE})


def is_opt_out_reply(text: str) -> bool:
    """True when the whole message is an opt-out keyword (mentions and "bitte" aside)."""
    return len(text) <= 80 and _KEYWORD.match(text) is not None


class OptOutReplyObserver:
    """Pipeline observer: a "STOP" sent to the company objects to direct marketing."""

    def __init__(self, keyring: Keyring, profile: CompanyProfile) -> None:
        self.keyring, self.profile = keyring, profile

    def wants(self, obs: Observation) -> bool:
        return obs.kind in _POSTS and obs.author is not None and is_opt_out_reply(obs.text)

    def observe(self, session: Session, obs: Observation, *, at: datetime) -> None:
        addressing = classify(obs, self.profile).addressing
        if addressing not in (Addressing.DIRECT, Addressing.ADDRESSED) or obs.author is None:
            return
        contacts = ContactRepository(session, self.keyring)
        for value in (obs.author.channel_user_id, obs.author.handle):
            identity = (
                contacts.find_identity(IdentityKind.HANDLE, value, channel=obs.channel)
                if value
                else None
            )
            if identity is None:
                continue
            contact = contacts.get(identity.contact_id)
            if contact.erased_at is not None:
                return
            if not (contact.objected_marketing and contact.objected_profiling):
                record_objection(
                    session,
                    self.keyring,
                    contact.id,
                    at=at,
                    actor=ACTOR,
                    channel="reply-keyword",
                )
            return

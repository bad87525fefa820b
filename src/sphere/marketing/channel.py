"""The ways a marketing or service measure reaches a person, and the reasons shared by
every check in this package.

E-mail and SMS are "elektronische Post" in the sense of §7(2) Nr. 2 UWG (and of
Art. 13 of the ePrivacy Directive 2002/58/EC): advertising through them needs the
recipient's prior express consent, except for the existing-customer exemption of
§7(3) UWG. A social reply answers a post; it is only expected (GDPR Recital 47) where
the author addressed the company. A webhook hands data to another system of the
company and reaches no person by itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class OutreachChannel(StrEnum):
    EMAIL = "email"
    SOCIAL_REPLY = "social_reply"
    WEBHOOK = "webhook"
    SMS = "sms"

    @property
    def is_electronic_mail(self) -> bool:
        """E-mail and SMS: advertising needs consent under §7(2) Nr. 2 UWG."""
        return self in (OutreachChannel.EMAIL, OutreachChannel.SMS)

    @property
    def reaches_person(self) -> bool:
        return self is not OutreachChannel.WEBHOOK


@dataclass(frozen=True, slots=True)
class Reason:
    """One readable reason with the law it rests on. Never contains personal data.

    ``code`` is stable for programs (``"consent.missing"``, a policy rule id …);
    ``text`` is for people; ``count`` is how many contacts it concerns (0 when it
    concerns the measure as a whole).
    """

    code: str
    text: str
    article: str
    count: int = 0

    def __str__(self) -> str:
        return f"{self.text} ({self.article})" if self.article else self.text


def of(count: int, total: int) -> str:
    """``"412 of 1,000 contacts"`` (a single contact reads ``"1 of 1 contact"``)."""
    noun = "contact" if total == 1 else "contacts"
    return f"{count:,} of {total:,} {noun}"

"""Who is responsible for the processing: the controller profile (GDPR Art. 4(7)).

The same facts are owed in several places, so they are configured once (``company.yaml``,
``controller:``; ``sphere.channels.company`` reads and checks it) and shown everywhere:

- the record of processing, Art. 30(1)(a): "the name and contact details of the
  controller …, the controller's representative and the data protection officer";
- the Art. 13(1)(a)–(b) / Art. 14(1)(a)–(b) information (notices, the portal, the
  transparency page) and the supervisory authority for a complaint (Art. 14(2)(e), Art. 77);
- the access export (Art. 15(1)); the notification of a breach, Art. 33(3)(b): "the name
  and contact details of the data protection officer or other contact point".

Organisation data only; the DPO is named by role and office address (Art. 37(7) requires
the contact details to be published, not a private person's).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ContactPoint:
    """An office and how to reach it (DPO, supervisory authority)."""

    name: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    url: str = ""

    @property
    def reach(self) -> str:
        """The best single way to reach it: e-mail, then web, phone, address."""
        return self.email or self.url or self.phone or self.address

    @property
    def is_empty(self) -> bool:
        return not (self.name or self.address or self.email or self.phone or self.url)

    def to_dict(self) -> dict[str, str]:
        return {k: v for k, v in (("name", self.name), ("address", self.address),
                                  ("email", self.email), ("phone", self.phone),
                                  ("url", self.url)) if v}  # fmt: skip


@dataclass(frozen=True, slots=True)
class ControllerProfile:
    """The controller as configured. ``privacy_contact`` is the older single field
    (an address or URL); the DPO's e-mail takes its place where it is set."""

    name: str = ""
    address: str = ""
    email: str = ""
    phone: str = ""
    # Who represents the controller: the managing directors, or for a controller outside
    # the Union its representative there (Art. 27, Art. 30(1)(a)).
    representative: str = ""
    dpo: ContactPoint = field(default_factory=ContactPoint)
    supervisory_authority: ContactPoint = field(default_factory=ContactPoint)
    privacy_contact: str = ""

    @property
    def contact(self) -> str:
        """Where people write about their data: the DPO, else the privacy contact."""
        return self.dpo.email or self.privacy_contact or self.dpo.reach or self.email

    @property
    def missing(self) -> tuple[str, ...]:
        """Fields the record of processing (Art. 30(1)(a)) and the notices need and
        that are not configured — the cockpit names them as a finding."""
        wanted = {
            "controller.name": self.name,
            "controller.address": self.address,
            "controller.representative": self.representative,
            "controller.dpo": self.dpo.reach or self.privacy_contact,
            "controller.supervisory_authority": self.supervisory_authority.name,
        }
        return tuple(k for k, v in wanted.items() if not v)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "address": self.address,
            "email": self.email,
            "phone": self.phone,
            "representative": self.representative,
            "contact": self.contact,
            "dpo": self.dpo.to_dict(),
            "supervisory_authority": self.supervisory_authority.to_dict(),
        }

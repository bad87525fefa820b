"""The essence of the joint-controller arrangements as people see it (Art. 26(2)
sentence 2), in the portal and on the transparency page, in the reader's language;
the channels for which none is needed, with the reason. A platform whose arrangement is
missing is the DPO's finding, not shown here."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.governance.joint import RIGHTS, joint_overview
from sphere.i18n import N_, Translator
from sphere.i18n.glossary import term

REASONS = {
    "own_channel": N_("We run this channel ourselves; no other controller decides on it, so "
                      "no arrangement under Art. 26 GDPR is needed."),
    "no_insights": N_("We read public posts there but receive no page statistics from the "
                      "platform; we do not decide together with it, so no arrangement under "
                      "Art. 26 GDPR is needed."),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class PublicJoint:
    arranged: list[dict[str, Any]] = field(default_factory=list)
    not_needed: list[dict[str, Any]] = field(default_factory=list)


def public_joint(session: Session, tr: Translator) -> PublicJoint:
    found = PublicJoint()
    reasons: dict[str, list[str]] = {}
    for status in joint_overview(session):
        a = status.arrangement
        if status.state == "arranged" and a is not None:
            lang = "de" if tr.lang == "de" else "en"
            found.arranged.append({
                "source": status.source, "channel": status.channel, "platform": a.platform,
                "title": a.title, "agreed_on": a.agreed_on or datetime.min, "url": a.url,
                "contact_point": a.contact_point, "lang": lang,
                "essence": a.essence_de if lang == "de" else a.essence_en,
                "rights": [(r, a.rights.get(r, "company")) for r in RIGHTS],
            })  # fmt: skip
        elif status.state == "not_needed" and a is not None:
            reason = a.essence_de if tr.lang == "de" else a.essence_en
            reasons.setdefault(reason, []).append(status.channel)
        elif status.state in REASONS:
            reasons.setdefault(tr.gettext(REASONS[status.state]), []).append(status.channel)
    for reason, channels in reasons.items():
        words = ", ".join(dict.fromkeys(term(tr, "channel", c) for c in channels))
        found.not_needed.append({"channels": words, "reason": reason})
    return found

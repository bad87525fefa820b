"""The drafts a breach needs, in German and English (a ``Translator`` picks the language):

* the notification to the supervisory authority with the content of Art. 33(3):
  (a) the nature of the breach, the categories and approximate numbers of people and of
  records concerned; (b) the DPO or other contact point; (c) the likely consequences;
  (d) the measures taken or proposed — and, after 72 hours, the reasons for the delay
  (Art. 33(1)); information not yet known may follow in phases (Art. 33(4));
* the message to the people concerned, "in clear and plain language", with the nature of
  the breach and at least Art. 33(3)(b)-(d) (Art. 34(2)).

The frame is worded here; what happened, the consequences and the measures are the
staff's own texts, shown as written. A draft is a text to review and send through the
authority's own channel (most German authorities take notifications through a web form).
"""

from __future__ import annotations

from dataclasses import dataclass

from sphere.domain.breach import notification_clock
from sphere.domain.controller import ControllerProfile
from sphere.i18n import N_, Translator
from sphere.i18n.glossary import term
from sphere.storage.repositories.breaches import Breach

KIND_WORDS = {
    "confidentiality": N_("unauthorised disclosure of or access to data (confidentiality)"),
    "integrity": N_("unauthorised or accidental alteration of data (integrity)"),
    "availability": N_("loss of access to or destruction of data (availability)"),
}
SYSTEM_WORDS = {
    "interactions": N_("stored posts and messages"),
    "events": N_("recorded website and app use"),
    "contacts": N_("customer records with their identifiers"),
    "attributes": N_("recorded and derived facts about people"),
}


@dataclass(frozen=True, slots=True)
class Section:
    key: str  # e.g. art33_3_a
    heading: str
    lines: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class BreachText:
    title: str
    sections: tuple[Section, ...]

    @property
    def text(self) -> str:
        parts = [self.title, "=" * min(len(self.title), 60)]
        for section in self.sections:
            parts += ["", section.heading, *section.lines]
        return "\n".join(parts) + "\n"


def _categories(tr: Translator, breach: Breach) -> str:
    values = breach.data_categories or ()
    if not values:  # what the systems concerned hold, in words
        return tr.join(tr.gettext(SYSTEM_WORDS[s]) for s in breach.systems)
    return tr.join(term(tr, "data_category", c) for c in values)


def _dpo(tr: Translator, controller: ControllerProfile) -> str:
    dpo = controller.dpo
    found = ", ".join(v for v in (dpo.name, dpo.address, controller.contact, dpo.phone) if v)
    return found or tr.gettext("(not configured: add controller.dpo to company.yaml)")


def authority_notification(
    breach: Breach, controller: ControllerProfile, tr: Translator
) -> BreachText:
    """The Art. 33(3) notification as a draft to review."""
    _ = tr.gettext
    authority = controller.supervisory_authority
    to = ", ".join(v for v in (authority.name, authority.address) if v) or _("(not configured)")
    who = ", ".join(v for v in (controller.name, controller.address) if v)
    when = [
        _("Began: %(when)s", when=tr.datetime(breach.started_at)),
        _("Discovered (awareness, Art. 33(1) GDPR): %(when)s",
          when=tr.datetime(breach.discovered_at)),
        _("Ended: %(when)s", when=tr.datetime(breach.ended_at)) if breach.ended_at
        else _("Ended: not yet, or not known"),
    ]  # fmt: skip
    nature = [
        breach.description,
        _("Kind of breach: %(kinds)s", kinds=tr.join(_(KIND_WORDS[k]) for k in breach.kinds)),
        *when,
        _("Systems concerned: %(systems)s",
          systems=tr.join(_(SYSTEM_WORDS[s]) for s in breach.systems)),
        _("Categories of personal data: %(categories)s", categories=_categories(tr, breach)),
        _("Approximate number of people concerned: %(n)s customers known by name, "
          "%(p)s people known only by a pseudonym",
          n=tr.number(breach.affected_subjects), p=tr.number(breach.affected_pseudonymous)),
        _("Approximate number of personal data records concerned: %(n)s",
          n=tr.number(breach.affected_records)),
    ]  # fmt: skip
    clock = notification_clock(breach.discovered_at, now=breach.authority_notified_at
                               or breach.discovered_at)  # fmt: skip
    timing = [_("Deadline (72 hours after awareness): %(when)s", when=tr.datetime(clock.deadline))]
    if breach.delay_reason:
        timing.append(_("Reasons for the delay: %(reasons)s", reasons=breach.delay_reason))
    timing.append(_("Information not yet available will be provided in phases without undue "
                    "further delay (Art. 33(4) GDPR)."))  # fmt: skip
    return BreachText(
        _("Notification of a personal data breach to the supervisory authority under "
          "Art. 33 GDPR"),
        (
            Section("to", _("To"), (to,)),
            Section("controller", _("Controller"), (who or _("(not configured)"),
                    *([_("Represented by: %(who)s", who=controller.representative)]
                      if controller.representative else []),
                    _("Our reference: %(ref)s", ref=breach.reference))),
            Section("art33_3_a", _("(a) Nature of the breach, people and records concerned"),
                    tuple(nature)),
            Section("art33_3_b", _("(b) Data protection officer (contact point)"),
                    (_dpo(tr, controller),)),
            Section("art33_3_c", _("(c) Likely consequences"),
                    (breach.consequences or _("(not yet assessed)"),)),
            Section("art33_3_d", _("(d) Measures taken or proposed"),
                    (breach.measures or _("(not yet assessed)"),)),
            Section("art33_1", _("Timing"), tuple(timing)),
        ),
    )  # fmt: skip


def subject_message(breach: Breach, controller: ControllerProfile, tr: Translator) -> BreachText:
    """The Art. 34(2) message to the people concerned, in clear and plain language."""
    _ = tr.gettext
    authority = controller.supervisory_authority
    complain = (
        _("You may also complain to the supervisory authority: %(authority)s.",
          authority=", ".join(v for v in (authority.name, authority.url or authority.address)
                              if v))
        if authority.name
        else _("You may also complain to a data protection supervisory authority.")
    )  # fmt: skip
    return BreachText(
        _("A breach of the protection of your personal data"),
        (
            Section("nature", _("What happened"), (
                _("On %(day)s we found out that data we hold about you were affected by a "
                  "security incident.",
                  day=tr.date(breach.discovered_at)),
                breach.description,
                _("Your data concerned: %(categories)s.", categories=_categories(tr, breach)),
            )),
            Section("art33_3_c", _("What this can mean for you"), (breach.consequences,)),
            Section("art33_3_d", _("What we have done, and what you can do"), (breach.measures,)),
            Section("art33_3_b", _("Questions"), (
                _("Our data protection officer answers them: %(contact)s",
                  contact=_dpo(tr, controller)),
                complain,
            )),
        ),
    )  # fmt: skip

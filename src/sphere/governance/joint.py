"""Joint controllership with the platforms (GDPR Art. 26).

Whoever runs a page on a platform and receives its page statistics decides with the
platform on that processing and is a joint controller with it (CJEU, judgment of
5 June 2018, C-210/16 Wirtschaftsakademie, Facebook fan pages; judgment of 29 July 2019,
C-40/17 Fashion ID, for embedded plug-ins). Art. 26(1) requires an arrangement that says
which party meets which obligation, in particular who answers which right and gives the
information of Art. 13 and 14; Art. 26(2) sentence 2 requires its essence to be made
available to the people concerned; Art. 26(3) lets them exercise their rights against
each controller.

One arrangement per registered source (``governance.sources``), saved whole and audited
in the caller's transaction. Per source ``joint_overview`` says where things stand:

- ``arranged``    an arrangement is recorded (date, parties, rights, contact, essence);
- ``not_needed``  recorded as not needed, with the reason (own channel, no statistics);
- ``own_channel`` a channel the company runs itself (forum, CRM, website, app, e-mail):
                  no other controller decides, none is needed;
- ``no_insights`` a platform whose page statistics the company does not receive;
- ``missing``     a platform with page statistics (Facebook, X) and no arrangement: a
                  finding (``cockpit.joint_findings``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from sphere.audit import record as audit
from sphere.domain import Channel
from sphere.governance.breach import BreachInputError as FieldError
from sphere.storage.repositories.joint import JointArrangement, JointArrangementRepository
from sphere.storage.repositories.sources import SourceRepository

# Who answers which right (Art. 26(1)): information (Art. 13/14) and Art. 15-18, 20, 21.
RIGHTS = ("information", "access", "rectification", "erasure", "restriction", "portability",
          "objection")  # fmt: skip
RIGHT_ARTICLE = {"information": "art13", "access": "art15", "rectification": "art16",
                 "erasure": "art17", "restriction": "art18", "portability": "art20",
                 "objection": "art21"}  # fmt: skip
PARTIES = ("platform", "company", "both")
# Platforms that give page operators statistics about their visitors ("page insights").
INSIGHTS_PLATFORMS = {Channel.FACEBOOK: "Meta Platforms Ireland Ltd.",
                      Channel.X: "X Internet Unlimited Company"}  # fmt: skip
OWN_CHANNELS = frozenset({Channel.FORUM, Channel.CRM, Channel.WEB, Channel.MOBILE, Channel.EMAIL})
MAX_ESSENCE = 4000


@dataclass(frozen=True, slots=True)
class ArrangementDraft:
    source: str
    needed: bool = True
    platform: str = ""
    title: str = ""
    agreed_on: datetime | None = None
    url: str = ""
    contact_point: str = ""
    rights: dict[str, str] | None = None
    essence_en: str = ""
    essence_de: str = ""


@dataclass(frozen=True, slots=True)
class JointStatus:
    source: str
    channel: str
    state: str  # arranged | not_needed | own_channel | no_insights | missing
    arrangement: JointArrangement | None = None
    platform: str = ""


def _line(field: str, value: str, limit: int, *, required: bool) -> str:
    text = " ".join(value.split())
    if required and not text:
        raise FieldError(field, "required")
    if len(text) > limit:
        raise FieldError(field, f"at most {limit} characters")
    return text


def check_arrangement(
    session: Session, draft: ArrangementDraft, *, now: datetime
) -> dict[str, Any]:
    """The row's values, or ``FieldError`` naming the first bad field."""
    if draft.source not in {s.name for s in SourceRepository(session).list()}:
        raise FieldError("source", f"no registered source {draft.source!r}")
    essence_en = draft.essence_en.strip()
    essence_de = draft.essence_de.strip()
    for field, text in (("essence_en", essence_en), ("essence_de", essence_de)):
        if len(text) > MAX_ESSENCE:
            raise FieldError(field, f"at most {MAX_ESSENCE} characters")
    if not draft.needed:
        if not essence_en or not essence_de:
            field = "essence_en" if not essence_en else "essence_de"
            raise FieldError(field, "say in German and English why no arrangement is needed")
        return {"needed": False, "platform": _line("platform", draft.platform, 200, required=False),
                "title": "", "agreed_on": None, "url": "", "contact_point": "", "rights": {},
                "essence_en": essence_en, "essence_de": essence_de}  # fmt: skip
    platform = _line("platform", draft.platform, 200, required=True)
    title = _line("title", draft.title, 300, required=True)
    if draft.agreed_on is None:
        raise FieldError("agreed_on", "the date the arrangement was concluded or accepted")
    if draft.agreed_on > now:
        raise FieldError("agreed_on", "lies in the future")
    url = _line("url", draft.url, 500, required=False)
    if url and not url.startswith("https://"):
        raise FieldError("url", "an https:// address of the arrangement's text")
    contact = _line("contact_point", draft.contact_point, 500, required=True)
    rights = dict(draft.rights or {})
    for right in RIGHTS:
        if rights.get(right) not in PARTIES:
            raise FieldError(f"rights.{right}", f"who answers it: {', '.join(PARTIES)}")
    if set(rights) - set(RIGHTS):
        raise FieldError("rights", f"known rights: {', '.join(RIGHTS)}")
    if not essence_en or not essence_de:
        field = "essence_en" if not essence_en else "essence_de"
        raise FieldError(field, "the essence of the arrangement in German and English "
                                "(Art. 26(2) sentence 2)")  # fmt: skip
    return {"needed": True, "platform": platform, "title": title, "agreed_on": draft.agreed_on,
            "url": url, "contact_point": contact, "rights": {r: rights[r] for r in RIGHTS},
            "essence_en": essence_en, "essence_de": essence_de}  # fmt: skip


def save_arrangement(
    session: Session, draft: ArrangementDraft, *, actor: str, at: datetime
) -> JointArrangement:
    values = check_arrangement(session, draft, now=at)
    repository = JointArrangementRepository(session)
    existed = repository.get(draft.source) is not None
    saved = repository.save(draft.source, at=at, actor=actor, **values)
    audit(session, actor=actor, action="joint_arrangement.saved", object_ids=(saved.id,),
          details={"article": "art26", "source": saved.source_name, "needed": saved.needed,
                   "changed": existed}, at=at)  # fmt: skip
    return saved


def list_arrangements(session: Session) -> list[JointArrangement]:
    return JointArrangementRepository(session).list()


def get_arrangement(session: Session, source: str) -> JointArrangement | None:
    return JointArrangementRepository(session).get(source)


def joint_overview(session: Session) -> list[JointStatus]:
    """Every registered source with where its joint controllership stands."""
    recorded = {a.source_name: a for a in JointArrangementRepository(session).list()}
    found = []
    for source in SourceRepository(session).list():
        channel, arrangement = source.channel, recorded.get(source.name)
        platform = INSIGHTS_PLATFORMS.get(channel, "")
        if arrangement is not None:
            state = "arranged" if arrangement.needed else "not_needed"
        elif channel in OWN_CHANNELS:
            state = "own_channel"
        elif channel in INSIGHTS_PLATFORMS:
            state = "missing"
        else:
            state = "no_insights"
        found.append(JointStatus(source.name, channel.value, state, arrangement,
                                 arrangement.platform if arrangement else platform))  # fmt: skip
    return found


def arrangement_dict(arrangement: JointArrangement) -> dict[str, Any]:
    data: dict[str, Any] = {}
    for name in arrangement.__dataclass_fields__:
        value = getattr(arrangement, name)
        data[name] = value.isoformat() if isinstance(value, datetime) else value
    return data


def status_dict(status: JointStatus) -> dict[str, Any]:
    arrangement = arrangement_dict(status.arrangement) if status.arrangement else None
    return {"source": status.source, "channel": status.channel, "state": status.state,
            "platform": status.platform, "arrangement": arrangement}  # fmt: skip

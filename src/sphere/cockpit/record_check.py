"""Is the record of processing complete? Every field of GDPR Art. 30(1)(a)-(g), per
activity, and a finding for each field that is missing somewhere.

(a) the name and contact details of the controller, its representative and the DPO
    (``company.yaml``, ``controller:``); (b) the purposes; (c) the categories of data
    subjects and of personal data; (d) the categories of recipients; (e) transfers to a
    third country with their safeguard (the recipients register: a mechanism, the SCC
    module, and for clauses and binding corporate rules a transfer impact assessment —
    CJEU C-311/18); (f) the time limits for erasure (the policy's retention); (g) a
    general description of the technical and organisational measures: at least one
    measure in place for each goal of Art. 32(1)(a)-(d) (``cockpit.toms``).

A record built without a controller or a catalogue (``build_record`` called without
them, e.g. for the public transparency page) is not checked for (a) and (g).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sphere.cockpit.record import ProcessingRecord
from sphere.i18n import N_
from sphere.i18n.message import Message, joined, msg, word

T = TypeVar("T")

# letter → (finding code, title message id, what is missing)
FIELDS: dict[str, tuple[str, str]] = {
    "a": ("record.controller-missing",
          N_("Record of processing: controller, representative or DPO missing")),
    "b": ("record.purpose-missing", N_("Record of processing: purpose not described")),
    "c": ("record.categories-missing",
          N_("Record of processing: categories of data subjects or data missing")),
    "d": ("record.recipients-missing", N_("Record of processing: recipients missing")),
    "e": ("record.transfer-safeguard-missing",
          N_("Record of processing: transfer without documented safeguard")),
    "f": ("record.erasure-limit-missing", N_("Record of processing: erasure time limit missing")),
    "g": ("record.measures-missing",
          N_("Record of processing: security measures missing for a goal of Art. 32(1)")),
}  # fmt: skip
CONTROLLER_FIELDS = ("controller.name", "controller.address", "controller.representative",
                     "controller.dpo")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Gap:
    """One missing field: ``letter`` of Art. 30(1), what is missing, and where."""

    letter: str
    what: Message
    activities: tuple[str, ...] = ()  # purposes; () = the record as a whole

    @property
    def article(self) -> str:
        return f"GDPR Art. 30(1)({self.letter})"

    def to_dict(self) -> dict[str, Any]:
        from sphere.i18n.message import render

        return {"field": self.letter, "article": self.article, "missing": render(None, self.what),
                "activities": list(self.activities)}  # fmt: skip


def _per_activity(record: ProcessingRecord, letter: str, what: Message,
                  test: Callable[[Any], bool]) -> list[Gap]:  # fmt: skip
    hit = tuple(a.purpose for a in record.activities if test(a))
    return [Gap(letter, what, hit)] if hit else []


def check_record(record: ProcessingRecord) -> list[Gap]:
    """Every missing field of Art. 30(1), in the order of its letters."""
    gaps: list[Gap] = []
    if record.controller is not None:
        missing = [k for k in record.controller.missing if k in CONTROLLER_FIELDS]
        contact = record.controller.address or record.controller.email or record.controller.phone
        if not contact and "controller.address" not in missing:
            missing.append("controller.contact")
        if missing:
            gaps.append(Gap("a", msg(N_("not configured in company.yaml: %(fields)s"),
                                     fields=joined(missing))))  # fmt: skip
    missing_joint = [j["source"] for j in record.joint if j["state"] == "missing"]
    if missing_joint:
        gaps.append(Gap("a", msg(N_("no joint-controller arrangement (Art. 26) for: %(sources)s"),
                                 sources=joined(missing_joint))))  # fmt: skip
    gaps += _per_activity(record, "b", msg(N_("no description of the purpose")),
                          lambda a: not a.description.strip())  # fmt: skip
    gaps += _per_activity(record, "c", msg(N_("no categories of data subjects")),
                          lambda a: not a.subject_categories)  # fmt: skip
    gaps += _per_activity(record, "c", msg(N_("no categories of personal data")),
                          lambda a: not a.data_categories)  # fmt: skip
    gaps += _per_activity(record, "d", msg(N_("no recipients, not even the company's own teams")),
                          lambda a: not a.recipients)  # fmt: skip
    for activity in record.activities:
        for t in activity.transfers:
            lacking = _safeguard_gap(t)
            if lacking is not None:
                gaps.append(Gap("e", msg(N_("%(recipient)s (%(country)s): %(lacking)s"),
                                         recipient=t["recipient"], country=t["country"],
                                         lacking=lacking), (activity.purpose,)))  # fmt: skip
    gaps += _per_activity(record, "f", msg(N_("no retention period")),
                          lambda a: a.retention_days <= 0)  # fmt: skip
    if record.security is not None and record.security.missing_goals:
        gaps.append(Gap("g", msg(N_("no measure in place for: %(goals)s"), goals=joined(
            word("tom_goal", g) for g in record.security.missing_goals))))  # fmt: skip
    return gaps


def _safeguard_gap(transfer: dict[str, Any]) -> Message | None:
    mechanism = transfer.get("mechanism")
    if not mechanism:
        return msg(N_("no transfer mechanism"))
    if mechanism == "scc" and not transfer.get("scc_module"):
        return msg(N_("no module of the standard contractual clauses"))
    if mechanism in ("scc", "bcr") and not transfer.get("tia_date"):
        return msg(N_("no transfer impact assessment"))
    return None


def record_findings(record: ProcessingRecord, finding: Callable[..., T]) -> list[T]:
    """One finding per field of Art. 30(1) missing somewhere; ``finding`` is
    ``finding.make_finding``."""
    by_letter: dict[str, list[Gap]] = {}
    for gap in check_record(record):
        by_letter.setdefault(gap.letter, []).append(gap)
    found = []
    for letter, gaps in by_letter.items():
        code, title = FIELDS[letter]
        parts = [
            msg(N_("%(what)s (%(where)s)"), what=g.what,
                where=joined(word("purpose", p) for p in g.activities))
            if g.activities else g.what
            for g in gaps
        ]  # fmt: skip
        activities = tuple(dict.fromkeys(p for g in gaps for p in g.activities))
        found.append(finding(
            code=code, severity="medium", title=title, evidence=joined(parts, "; "),
            count=len(activities) or len(gaps), link="/cockpit/record#completeness",
            article=f"GDPR Art. 30(1)({letter})", object_ids=activities,
        ))  # fmt: skip
    return found

"""One risk finding (``sphere.cockpit.findings`` computes them) and how a page shows it.

``title`` is an English message id, ``evidence`` the stable English text (ISO dates,
glossary keys, as the JSON API and the findings snapshot have always given it) and
``article`` the citation in the code's English form ("GDPR Art. 14(3)"). The evidence
is also kept as a message (``sphere.i18n.message``), so ``localize`` shows a finding in
the reader's language: "Art. 14 Abs. 3 DSGVO", "03.12.2026", purposes and request types
in the glossary's words. A snapshot written before findings carried their message shows
its English evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from sphere.i18n import Translator
from sphere.i18n.citation import cite
from sphere.i18n.message import Message, render


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    severity: str  # high | medium | low | info
    title: str
    evidence: str
    count: int
    link: str
    article: str
    object_ids: tuple[str, ...] = field(default=())
    # (label, href) per affected object where each has its own page, e.g. a campaign's
    # dry run; labels are names or ids, never content.
    links: tuple[tuple[str, str], ...] = field(default=())
    # the evidence and the link labels as messages (None/() for an old snapshot's)
    evidence_text: Message | None = field(default=None, compare=False)
    link_texts: tuple[Message, ...] = field(default=(), compare=False)

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "severity": self.severity,
            "title": self.title,
            "evidence": self.evidence,
            "count": self.count,
            "link": self.link,
            "article": self.article,
            "object_ids": list(self.object_ids[:20]),
            "links": [{"label": label, "href": href} for label, href in self.links[:20]],
        }
        if self.evidence_text is not None:
            data["evidence_text"] = self.evidence_text
        if self.link_texts:
            data["link_texts"] = list(self.link_texts[:20])
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Finding:
        """A finding as ``to_dict`` wrote it (a stored snapshot, ``sphere.jobs.findings``)."""
        return cls(
            code=data["code"],
            severity=data["severity"],
            title=data["title"],
            evidence=data["evidence"],
            count=int(data["count"]),
            link=data["link"],
            article=data["article"],
            object_ids=tuple(data.get("object_ids", ())),
            links=tuple((link["label"], link["href"]) for link in data.get("links", ())),
            evidence_text=data.get("evidence_text"),
            link_texts=tuple(data.get("link_texts", ())),
        )


def make_finding(
    code: str,
    severity: str,
    title: str,
    evidence: Message,
    *,
    count: int,
    link: str,
    article: str,
    object_ids: tuple[str, ...] = (),
    links: tuple[tuple[Message, str], ...] = (),
) -> Finding:
    """A finding whose evidence and link labels are messages (``sphere.i18n.message``)."""
    return Finding(
        code=code,
        severity=severity,
        title=title,
        evidence=render(None, evidence),
        count=count,
        link=link,
        article=article,
        object_ids=object_ids,
        links=tuple((render(None, label), href) for label, href in links),
        evidence_text=evidence,
        link_texts=tuple(label for label, _href in links),
    )


def localize(finding: Finding, tr: Translator) -> Finding:
    """``finding`` with its title, evidence, citation and link labels in ``tr``'s
    language (for a page; the JSON API keeps the stable English form)."""
    links = finding.links
    if finding.link_texts and len(finding.link_texts) == len(links):
        links = tuple(
            (render(tr, label), href)
            for label, (_old, href) in zip(finding.link_texts, links, strict=True)
        )
    return replace(
        finding,
        title=tr.gettext(finding.title),
        evidence=(
            render(tr, finding.evidence_text)
            if finding.evidence_text is not None
            else finding.evidence
        ),
        article=cite(tr, finding.article),
        links=links,
    )

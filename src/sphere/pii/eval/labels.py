"""Labelled evaluation posts: the value types and their JSON Lines form.

One line of ``eval/pii/*.jsonl`` is one post::

    {"id": "syn-de-00001", "lang": "de", "source": "synthetic",
     "tags": ["third-party"], "text": "...",
     "spans": [{"start": 12, "end": 24, "type": "PERSON"}]}

Offsets are Python string indices (code points) into ``text``, end exclusive, so
``text[start:end]`` is the labelled surface. Entity types are Presidio's names plus
Sphere's own (see ``ENTITY_TYPES``). Everything in these files is fictional.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sphere.errors import InvalidInput

ENTITY_TYPES: frozenset[str] = frozenset(
    {
        "PERSON",
        "EMAIL_ADDRESS",
        "PHONE_NUMBER",
        "IBAN_CODE",
        "CREDIT_CARD",
        "IP_ADDRESS",
        "URL",
        "LOCATION",
        "DATE_TIME",
        "SOCIAL_HANDLE",
        "DE_TAX_ID",
        "DE_PENSION_NUMBER",
        "DE_ID_CARD",
        "DE_PASSPORT",
        "DE_LICENSE_PLATE",
        "DATE_OF_BIRTH",
        "ORDER_NUMBER",
        "CUSTOMER_NUMBER",
    }
)

LANGUAGES: frozenset[str] = frozenset({"de", "en"})


@dataclass(frozen=True, slots=True)
class LabelledSpan:
    """A gold (or predicted) entity: ``[start, end)`` in the post text, with its type."""

    start: int
    end: int
    type: str

    def overlaps(self, other: LabelledSpan) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True)
class LabelledPost:
    """One evaluation post. ``repr`` hides the text: it is fictional, but the habit matters."""

    id: str
    lang: str
    text: str = field(repr=False)
    spans: tuple[LabelledSpan, ...]
    source: str = "synthetic"
    tags: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "lang": self.lang,
                "source": self.source,
                "tags": list(self.tags),
                "text": self.text,
                "spans": [{"start": s.start, "end": s.end, "type": s.type} for s in self.spans],
            },
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, line: str) -> LabelledPost:
        raw = json.loads(line)
        return cls(
            id=str(raw["id"]),
            lang=str(raw["lang"]),
            text=str(raw["text"]),
            spans=tuple(
                LabelledSpan(int(s["start"]), int(s["end"]), str(s["type"])) for s in raw["spans"]
            ),
            source=str(raw.get("source", "synthetic")),
            tags=tuple(str(t) for t in raw.get("tags", ())),
        )


def check_post(post: LabelledPost) -> list[str]:
    """Return every inconsistency in one post's labels (empty list = consistent).

    Problems name the post id and offsets, never the labelled text.
    """
    problems: list[str] = []
    if post.lang not in LANGUAGES:
        problems.append(f"{post.id}: unknown language {post.lang!r}")
    ordered = sorted(post.spans, key=lambda s: (s.start, s.end))
    for span in ordered:
        if span.type not in ENTITY_TYPES:
            problems.append(f"{post.id}: unknown type {span.type!r}")
        if not 0 <= span.start < span.end <= len(post.text):
            problems.append(f"{post.id}: span {span.start}-{span.end} out of range")
        elif post.text[span.start : span.end] != post.text[span.start : span.end].strip():
            problems.append(f"{post.id}: span {span.start}-{span.end} has outer whitespace")
    for left, right in zip(ordered, ordered[1:], strict=False):
        if left.overlaps(right):
            problems.append(f"{post.id}: spans {left.start}-{left.end} and {right.start} overlap")
    return problems


def write_posts(path: Path, posts: Iterable[LabelledPost]) -> int:
    """Write posts as JSON Lines (UTF-8, ``\\n``); return how many were written."""
    count = 0
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        for post in posts:
            out.write(post.to_json())
            out.write("\n")
            count += 1
    return count


def iter_posts(path: Path) -> Iterator[LabelledPost]:
    """Read one JSON Lines file; a malformed line raises ``InvalidInput`` naming the line."""
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                yield LabelledPost.from_json(line)
            except (ValueError, KeyError, TypeError) as exc:
                raise InvalidInput(f"{path.name}:{number}: not a labelled post") from exc


def load_posts(directory: Path, *, lang: str | None = None) -> list[LabelledPost]:
    """Load every ``*.jsonl`` in ``directory`` (sorted by file name), optionally one language."""
    posts: list[LabelledPost] = []
    for path in sorted(directory.glob("*.jsonl")):
        posts.extend(p for p in iter_posts(path) if lang is None or p.lang == lang)
    return posts

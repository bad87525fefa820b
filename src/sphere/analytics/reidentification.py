"""Re-identification risk of a post stored without a link to its author.

A pseudonymised post is still the author's words. Paste a sentence into the platform's
search and the original — with its author — comes back: Ayers et al. (2018, "Don't quote
me", npj Digital Medicine 1:11) traced 84 % of tweets quoted in published health studies
to their authors by search alone. Removing the link to the CRM therefore does not
anonymise text (GDPR Recital 26; Art. 29 WP Opinion 05/2014: singling out, linkability,
inference). Before such a post is stored, :func:`assess` measures three things:

* **verbatim-searchable passages** — the longest run of consecutive words left in clear
  (placeholders and punctuation other than commas break a run) and the number of *rare*
  words (not among the few thousand most frequent words of the language). A run of six
  words, or three rare words, is taken to find the post by exact-phrase search;
* **quasi-identifiers** — what narrows the author down when combined: a place, a date, a
  number (a price, a model, a time), a product, a rare word (Sweeney 2002: k-anonymity;
  Rocher et al. 2019, Nature Communications 10:3069: 15 demographic attributes single out
  99.98 % of Americans — uniqueness grows fast with each attribute);
* **what else is stored about the same pseudonym** — every post kept under one pseudonym
  adds words to search for and attributes to combine (linkability).

Levels: **low** (nothing searchable, at most one quasi-identifier, few linked posts),
**medium** (searchable, but generalising removes it), **high** (still searchable after
generalising, three or more quasi-identifiers, or a long history under the pseudonym),
**special** (GDPR Art. 9 data in a searchable post: health, religion … are what makes
re-identification harmful). The policy maps each level to an action — keep, generalise
(:func:`generalise`: rare words dropped, numbers coarsened, places and dates already
placeholders; topic and sentiment labels unaffected), labels only (no text kept), or
drop (nothing kept but the anonymous counter) — and the pipeline records level and
action with the post and in its audit entry.

Limits are in docs/anonymisation.md: a frequency list is a proxy for "would a search
find it", and a determined reader can still recognise style.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from sphere.domain.risk import DEFAULT_RISK_ACTIONS, RiskAction, RiskLevel

__all__ = ["RiskAction", "RiskAssessment", "RiskLevel", "action_for", "assess", "generalise"]


#: The shipped policy's choice (``reidentification`` in the policy YAML overrides it).
DEFAULT_ACTIONS = DEFAULT_RISK_ACTIONS


#: A run of this many words in clear is taken to be findable by exact-phrase search.
SEARCHABLE_RUN = 6
#: This many rare words in one post are taken to be findable together.
SEARCHABLE_RARE = 3
#: Posts under one pseudonym from which the history alone counts as high risk.
LINKED_HIGH = 50
QUASI_HIGH = 3

_PLACEHOLDER = re.compile(r"<[A-Z_]+_\d+>")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")
_URL = re.compile(r"https?://\S+|www\.\S+")
_NUMBER = re.compile(r"\d+(?:[.,:/-]\d+)*")
# a run is broken by a placeholder, a sentence end, a line break or a URL
_BREAK = re.compile(r"<[A-Z_]+_\d+>|[.!?;:\n…#]|https?://\S+|www\.\S+")


@lru_cache(maxsize=1024)
def _literal(term: str) -> re.Pattern[str]:
    """``term`` as a case-insensitive pattern, compiled once (products and company terms
    are checked against every stored post)."""
    return re.compile(re.escape(term), re.IGNORECASE)


@lru_cache(maxsize=1)
def frequent_words() -> frozenset[str]:
    """Lower-case words frequent in German and English posts (shipped resource, built by
    ``scripts/build_frequent_words.py`` from the training corpora)."""
    data = (
        resources.files("sphere.analytics")
        .joinpath("resources")
        .joinpath("frequent_words.txt.gz")
        .read_bytes()
    )
    return frozenset(gzip.decompress(data).decode("utf-8").split())


@dataclass(frozen=True, slots=True)
class RiskAssessment:
    level: RiskLevel
    longest_run: int
    rare_words: int
    quasi_identifiers: tuple[str, ...]
    linked_records: int
    reasons: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        """Counts and enum values only (fit for an audit entry; ``reasons`` are prose)."""
        return {
            "level": self.level.value,
            "longest_run": self.longest_run,
            "rare_words": self.rare_words,
            "quasi_identifiers": [q.replace(" ", "_") for q in self.quasi_identifiers],
            "linked_records": self.linked_records,
        }


def _longest_run(text: str) -> int:
    best = 0
    for part in _BREAK.split(text):
        best = max(best, len(_WORD.findall(part)))
    return best


def _rare(text: str, vocabulary: Collection[str]) -> list[str]:
    return [
        w
        for w in _WORD.findall(_PLACEHOLDER.sub(" ", text))
        if len(w) > 2 and w.lower() not in vocabulary
    ]


def assess(
    text: str,
    *,
    entity_types: Collection[str] = (),
    products: Collection[str] = (),
    company_terms: Collection[str] = (),
    linked_records: int = 0,
    special: bool = False,
    vocabulary: Collection[str] | None = None,
) -> RiskAssessment:
    """Risk of the (already minimised) ``text``; ``entity_types`` are the types the
    scrubber found (placeholders now), ``products`` product names the company profile
    knows, ``company_terms`` the company's handles and brands (not counted at all),
    ``linked_records`` the posts already stored under the same pseudonym."""
    vocab = frequent_words() if vocabulary is None else vocabulary
    quasi: list[str] = []
    # A product of the company is one quasi-identifier, not also a number and a rare
    # word: it is taken out before those are counted ("Makro 100").
    found = [p for p in products if p and _literal(p).search(text)]
    if found:
        quasi.append("product")
        for name in found:
            text = _literal(name).sub("<PRODUCT_0>", text)
    # The company's own handles and brands, and links, say nothing about the author.
    text = _URL.sub("<URL_0>", text)
    for term in company_terms:
        if term:
            text = _literal(term).sub("<COMPANY_0>", text)
    run = _longest_run(text)
    rare = _rare(text, vocab)
    types = set(entity_types)
    if "LOCATION" in types:
        quasi.append("place")
    if types & {"DATE_TIME", "DATE_OF_BIRTH"}:
        quasi.append("date")
    if _NUMBER.search(_PLACEHOLDER.sub(" ", text)):
        quasi.append("number")
    if rare:
        quasi.append("rare words")
    reasons: list[str] = []
    searchable = run >= SEARCHABLE_RUN or len(rare) >= SEARCHABLE_RARE
    if searchable:
        reasons.append(f"searchable: {run} words in a row, {len(rare)} rare words")
    if len(quasi) >= QUASI_HIGH:
        reasons.append(f"{len(quasi)} quasi-identifiers: {', '.join(quasi)}")
    if linked_records >= LINKED_HIGH:
        reasons.append(f"{linked_records} other posts stored under the same pseudonym")
    if special and searchable:
        level = RiskLevel.SPECIAL
        reasons.append("special-category data (GDPR Art. 9) in a searchable post")
    elif len(quasi) >= QUASI_HIGH or linked_records >= LINKED_HIGH:
        level = RiskLevel.HIGH
    elif searchable:
        after = generalise(text, vocabulary=vocab)
        still = _longest_run(after) >= SEARCHABLE_RUN or len(_rare(after, vocab)) >= 1
        level = RiskLevel.HIGH if still else RiskLevel.MEDIUM
        if still:
            reasons.append("still searchable after generalising")
    else:
        level = RiskLevel.LOW
    return RiskAssessment(level, run, len(rare), tuple(quasi), linked_records, tuple(reasons))


def generalise(text: str, *, vocabulary: Collection[str] | None = None) -> str:
    """Paraphrase-free generalisation: rare words become "…", numbers "#"; frequent
    words, placeholders and punctuation stay. Long runs of frequent words are cut
    every few words so no exact phrase of :data:`SEARCHABLE_RUN` words survives."""
    vocab = frequent_words() if vocabulary is None else vocabulary
    out: list[str] = []
    pos = 0
    run = 0
    for m in re.finditer(r"<[A-Z_]+_\d+>|\d+(?:[.,:/-]\d+)*|[^\W\d_]+(?:['’-][^\W\d_]+)*", text):
        out.append(text[pos : m.start()])
        token = m.group()
        between = text[pos : m.start()]
        if _BREAK.search(between):
            run = 0
        pos = m.end()
        if token.startswith("<"):
            out.append(token)
            run = 0
        elif token[0].isdigit():
            out.append("#")
            run = 0
        elif len(token) > 2 and token.lower() not in vocab:
            out.append("…")
            run = 0
        else:
            run += 1
            if run >= SEARCHABLE_RUN - 1:
                out.append("…")
                run = 0
            else:
                out.append(token)
    out.append(text[pos:])
    return "".join(out)


def action_for(
    assessment: RiskAssessment, actions: Mapping[RiskLevel, RiskAction] | None = None
) -> RiskAction:
    """What the policy says to do at this level (shipped default: :data:`DEFAULT_ACTIONS`)."""
    return (actions or DEFAULT_ACTIONS)[assessment.level]

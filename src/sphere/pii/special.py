"""GDPR Art. 9 special categories: is a post ABOUT a person's health, religion, politics,
union membership, sexual orientation, ethnic origin, genetics or biometrics?

Precision matters as much as recall: processing such data needs an Art. 9(2) exception,
so a false alarm blocks harmless posts. A lexicon term (German/English, one Aho-Corasick
automaton) only becomes a finding when it is tied to a person:

- a first-person cue near it ("meine Chemo", "as a Muslim I …", "ich bin in der IG
  Metall", "my diabetes") → ``about="author"``;
- a possessive + relation ("mein Mann ist schwul", "my wife's cancer") or a third-person
  cue → ``about="other"``;
- otherwise no finding.

WEAK terms (church, therapy, praying …) are metaphor-prone ("the church of our lens")
and count only with a possessive or first-person verb right before them. A term inside
a compound ("Diabetes-freundliche Rezepte") or in advertising context ("Rezepte",
"Angebot", "% off", "shop") is ignored unless a possessive sits directly before it.
Matching runs on the normalised text; offsets are mapped back to the original.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from sphere.domain import SpecialCategory
from sphere.pii.document import Document
from sphere.pii.language import detect_language

About = Literal["author", "other", "unknown"]

H, R, P, U, S, E, G, B = (
    SpecialCategory.HEALTH, SpecialCategory.RELIGION, SpecialCategory.POLITICS,
    SpecialCategory.TRADE_UNION, SpecialCategory.SEXUAL_ORIENTATION,
    SpecialCategory.ETHNIC_ORIGIN, SpecialCategory.GENETIC, SpecialCategory.BIOMETRIC,
)  # fmt: skip

# term → (category, strong?)  Terms are lower-case; German inflection endings allowed.
TERMS: dict[str, tuple[SpecialCategory, bool]] = {
    **{t: (H, True) for t in (
        "chemo", "chemotherapie", "chemotherapy", "krebs", "cancer", "tumor", "tumour",
        "diabetes", "diabetiker", "diabetikerin", "diabetic", "depression", "depressionen",
        "depressiv", "depressed", "burnout", "hiv", "aids", "schwanger", "schwangerschaft",
        "pregnant", "pregnancy", "fehlgeburt", "miscarriage", "adhs", "adhd", "autismus",
        "autist", "autistin", "autism", "autistic", "asthma", "epilepsie", "epilepsy",
        "multiple sklerose", "multiple sclerosis", "herzinfarkt", "heart attack",
        "schlaganfall", "stroke", "rollstuhl", "wheelchair", "schwerbehindert",
        "behinderung", "disability", "disabled", "insulin", "antidepressiva",
        "antidepressants", "psychotherapie", "psychotherapy", "ptbs", "ptsd", "bipolar",
        "schizophrenie", "schizophrenia", "magersucht", "anorexia", "bulimie", "bulimia",
        "migräne", "migraine", "demenz", "dementia", "alzheimer", "parkinson",
        "krankgeschrieben", "sick leave", "dialyse", "dialysis", "long covid",
        "essstörung", "eating disorder", "angststörung", "anxiety disorder",
    )},
    **{t: (H, False) for t in ("therapie", "therapy", "reha", "rehab", "klinik", "hospital")},
    **{t: (R, True) for t in (
        "muslim", "muslima", "moslem", "katholik", "katholikin", "katholisch", "catholic",
        "evangelisch", "protestant", "jüdisch", "jewish", "jude", "jüdin", "jew",
        "buddhist", "buddhistin", "hindu", "atheist", "atheistin", "christin", "christ",
        "christian", "sikh", "zeuge jehovas", "jehovah's witness", "ramadan",
    )},
    **{t: (R, False) for t in (
        "kirche", "church", "moschee", "mosque", "synagoge", "synagogue", "beten", "pray",
        "praying", "gottesdienst",
    )},
    **{t: (P, True) for t in (
        "spd", "cdu", "csu", "afd", "fdp", "die linke", "die grünen", "bsw",
        "parteimitglied", "party member", "democrat", "republican", "labour party",
        "tory", "green party",
    )},
    **{t: (P, False) for t in ("wähle", "gewählt", "vote for", "voted for")},
    **{t: (U, True) for t in (
        "ig metall", "verdi", "ver.di", "gewerkschaft", "gewerkschafter",
        "gewerkschafterin", "gewerkschaftsmitglied", "dgb", "ig bce", "gew", "evg",
        "trade union", "union member", "teamsters", "betriebsrat",
    )},
    **{t: (S, True) for t in (
        "schwul", "lesbisch", "bisexuell", "homosexuell", "queer", "gay", "lesbian",
        "bisexual", "homosexual", "asexuell", "asexual", "pansexuell", "pansexual",
        "coming out", "coming-out",
    )},
    **{t: (E, True) for t in (
        "migrationshintergrund", "sinti", "roma", "türkischstämmig", "afrodeutsch",
        "afrodeutsche", "ethnicity", "ethnie", "of african descent", "hispanic", "latina",
        "latino",
    )},
    **{t: (G, True) for t in (
        "gentest", "dna-test", "dna test", "genetic test", "brca", "erbkrankheit",
        "hereditary disease", "23andme",
    )},
    **{t: (B, True) for t in ("fingerabdruck", "fingerprint", "gesichtsscan", "face scan",
                               "iris-scan", "iris scan")},
}  # fmt: skip

_SUFFIXES = ("", "e", "en", "er", "es", "in", "innen", "s", "n", "'s")
FIRST_PERSON = frozenset(
    [
        "ich",
        "mein",
        "meine",
        "meinem",
        "meinen",
        "meiner",
        "meines",
        "mir",
        "mich",
        "bin",
        "hab",
        "habe",
        "i",
        "my",
        "me",
        "mine",
        "myself",
        "i'm",
        "i've",
        "i'd",
        "am",
        "wir",
        "unser",
        "unsere",
        "unserem",
        "unseren",
        "uns",
        "we",
        "our",
        "us",
    ]
)
POSSESSIVE = frozenset(
    [
        "mein",
        "meine",
        "meinem",
        "meinen",
        "meiner",
        "meines",
        "my",
        "our",
        "unser",
        "unsere",
        "unserem",
        "unseren",
    ]
)
FIRST_PERSON_VERBS = frozenset(
    ["bin", "bete", "gehe", "glaube", "wähle", "am", "go", "pray", "attend"]
)
RELATIONS = frozenset(
    [
        "mann",
        "frau",
        "ehemann",
        "ehefrau",
        "freund",
        "freundin",
        "sohn",
        "tochter",
        "bruder",
        "schwester",
        "mutter",
        "vater",
        "mama",
        "papa",
        "oma",
        "opa",
        "kind",
        "kinder",
        "kollege",
        "kollegin",
        "nachbar",
        "nachbarin",
        "partner",
        "partnerin",
        "husband",
        "wife",
        "son",
        "daughter",
        "brother",
        "sister",
        "mother",
        "father",
        "mom",
        "mum",
        "dad",
        "friend",
        "boyfriend",
        "girlfriend",
        "colleague",
        "neighbour",
        "neighbor",
        "partner",
        "kid",
        "child",
        "grandma",
        "grandpa",
    ]
)
THIRD_PERSON = frozenset(
    [
        "er",
        "sie",
        "he",
        "she",
        "his",
        "her",
        "ihr",
        "ihre",
        "ihrem",
        "ihren",
        "sein",
        "seine",
        "seinem",
    ]
)
AD_CONTEXT = re.compile(
    r"(?<!\w)(?:rezept\w*|recipes?|angebot\w*|rabatt\w*|gutschein\w*|shop\w*|kaufen|"
    r"bestellen|jetzt|sale|discount|% off|deal|produkt\w*|product\w*|friendly|freundlich\w*|"
    r"geeignet|suitable|tipps|tips|ratgeber|studie|study|news|artikel|article|kampagne)",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_SENTENCE_END = re.compile(r"[.!?\n]")


@dataclass(frozen=True, slots=True)
class SpecialFinding:
    """A special-category statement. ``evidence`` is the lexicon term, not the post text."""

    category: SpecialCategory
    start: int
    end: int
    evidence: str
    about: About
    score: float


@lru_cache(maxsize=1)
def _automaton():  # type: ignore[no-untyped-def]
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for term, (category, strong) in TERMS.items():
        automaton.add_word(term, (term, category, strong))
    automaton.make_automaton()
    return automaton


def _sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    left = max((m.end() for m in _SENTENCE_END.finditer(text, max(0, start - 200), start)),
               default=max(0, start - 200))  # fmt: skip
    right_match = _SENTENCE_END.search(text, end, end + 200)
    right = right_match.start() if right_match else min(len(text), end + 200)
    return left, right


def _classify(doc: Document, start: int, end: int, strong: bool) -> tuple[About, float] | None:
    lower = doc.lower
    left, right = _sentence_bounds(lower, start, end)
    before = _TOKEN.findall(lower, left, start)
    after = _TOKEN.findall(lower, end, right)
    prev = before[-1] if before else ""
    compound = (
        end < len(lower) and lower[end] == "-" and end + 1 < len(lower) and lower[end + 1].isalpha()
    )
    tight_possessive = prev in POSSESSIVE
    if (compound or AD_CONTEXT.search(lower, left, right)) and not tight_possessive:
        return None
    window = before[-6:]
    if not strong:
        near3 = before[-3:]
        if tight_possessive or any(t in FIRST_PERSON_VERBS or t in ("ich", "i") for t in near3):
            return ("author", 0.7) if not (set(window) & RELATIONS) else ("other", 0.65)
        return None
    for i in range(len(window) - 1):
        if window[i] in POSSESSIVE and window[i + 1] in RELATIONS:
            return "other", 0.85
    if set(window) & FIRST_PERSON or set(after[:4]) & FIRST_PERSON:
        return "author", 0.85
    if set(window) & THIRD_PERSON:
        return "other", 0.6
    return None


def detect_special_categories(text: str, *, lang: str | None = None) -> list[SpecialFinding]:
    """Special-category findings about a person in ``text``, sorted by position."""
    if not text:
        return []
    if lang is None:
        lang = detect_language(text)[0]
    doc = Document(text, lang)
    lower = doc.lower
    findings: list[SpecialFinding] = []
    taken_until = -1
    matches = sorted(
        ((end_index - len(term) + 1, end_index + 1, term, category, strong)
         for end_index, (term, category, strong) in _automaton().iter(lower)),
        key=lambda m: (m[0], -(m[1] - m[0])),
    )  # fmt: skip
    for start, end, term, category, strong in matches:
        if start < taken_until:
            continue
        if start > 0 and (lower[start - 1].isalnum()):
            continue
        word_end = end
        while word_end < len(lower) and lower[word_end].isalpha():
            word_end += 1
        if lower[end:word_end] not in _SUFFIXES:
            continue
        verdict = _classify(doc, start, word_end, strong)
        if verdict is None:
            continue
        about, score = verdict
        o_start, o_end = doc.to_original(start, word_end)
        findings.append(SpecialFinding(category, o_start, o_end, term, about, score))
        taken_until = word_end
    return findings

"""Person names: shipped lexicons + context + (optionally) the statistical tagger.

German capitalises every noun, so a capital letter proves nothing. A token counts as a
name when

- it follows a title or form of address ("Herr", "Frau", "Dr.", "Mr", "Mrs") — any
  capitalised word, 0.85;
- it follows a relation with a possessive ("mein Mann", "meine Tochter", "my wife") —
  a lexicon name or a capitalised non-noun, 0.85;
- it follows a greeting, sign-off or introduction ("Hallo Anna", "Hi Tom", "LG Anna",
  "Grüße, Tom", "ich bin Jana", "my name is Tom") and is a lexicon first name, 0.8;
- with no context: it is a capitalised lexicon first name that is not also a common
  word ("Mai", "Will", "Rose" need context), 0.6.

A following capitalised surname (lexicon) or, after strong context, any capitalised
non-noun, extends the span ("Anna Schmidt", 0.8–0.9). Lexicons are built from Faker's
de_DE/en_US providers by ``scripts/build_pii_lexicons.py``; the common-word list
(German nouns, English words that double as names) suppresses lexicon-only hits.

If ``sphere.pii.ner`` is importable its PERSON spans are merged in: agreement raises the
score (+0.1), a tagger-only span scores 0.5 + 0.4 × its probability, unless it is a single
common word. The tagger decodes at the scrubbing operating point (``recall_bias``
calibrated on dev data), so whatever it finds passes the analyzer's 0.5 threshold; the
probability only orders spans in conflicts (a validated pattern wins).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sphere.pii.document import Document
from sphere.pii.lexicon import Lexicons
from sphere.pii.recognizers._tagger import SharedTagger, tagger_score
from sphere.pii.span import Span

# a possessive "'s" is not part of the name ("Will Smith's"), "O'Brien" is
_TOKEN = re.compile(r"[^\W\d_]+(?:['’\-](?![sS]\b)[^\W\d_]+)*")
_HANDLE = re.compile(r"(?<![\w@])@([A-Za-z]{3,})")
# Capitalised words a tagger may take for a name but which are feasts, months of
# fasting or nationalities — in special-category posts above all ("Ich faste im Ramadan").
NOT_NAMES = frozenset(
    {
        "ramadan", "ostern", "weihnachten", "pfingsten", "silvester", "christmas", "easter",
        "diwali", "hanukkah", "chanukka", "eid", "jom", "yom", "kippur", "pessach", "passover",
        "german", "english", "british", "american", "deutsch", "deutsche", "deutscher",
        "turkish", "türkisch", "muslim", "jewish", "christian", "katholisch", "catholic",
    }
)  # fmt: skip

TITLES = frozenset(
    [
        "herr",
        "herrn",
        "frau",
        "hr",
        "fr",
        "dr",
        "prof",
        "mr",
        "mrs",
        "ms",
        "miss",
        "mister",
        "sir",
        "madame",
        "fräulein",
        "dame",
    ]
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
        "onkel",
        "tante",
        "cousin",
        "cousine",
        "kollege",
        "kollegin",
        "chef",
        "chefin",
        "nachbar",
        "nachbarin",
        "partner",
        "partnerin",
        "enkel",
        "enkelin",
        "schwager",
        "schwägerin",
        "neffe",
        "nichte",
        "kind",
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
        "grandma",
        "grandpa",
        "uncle",
        "aunt",
        "friend",
        "boyfriend",
        "girlfriend",
        "colleague",
        "boss",
        "neighbour",
        "neighbor",
        "cousin",
        "nephew",
        "niece",
        "kid",
        "fiance",
        "fiancé",
        "fiancee",
    ]
)
POSSESSIVES = frozenset(
    [
        "mein",
        "meine",
        "meinem",
        "meinen",
        "meiner",
        "unser",
        "unsere",
        "unserem",
        "unseren",
        "dein",
        "deine",
        "my",
        "our",
        "your",
    ]
)
GREETINGS = frozenset(
    [
        "hallo",
        "hi",
        "hey",
        "hello",
        "liebe",
        "lieber",
        "dear",
        "moin",
        "servus",
        "danke",
        "thanks",
        "thx",
        "ciao",
        "tschüss",
        "bye",
        "grüß",
        "gruss",
        "howdy",
        "yo",
    ]
)
SIGNOFFS = frozenset(
    [
        "lg",
        "vg",
        "mfg",
        "bg",
        "gruß",
        "grüße",
        "gruss",
        "gruesse",
        "cheers",
        "regards",
        "best",
        "xoxo",
        "sincerely",
    ]
)
# (word before, word) pairs that introduce one's own name
INTRO = frozenset(
    {
        ("ich", "bin"), ("ich", "heiße"), ("ich", "heisse"), ("name", "ist"),
        ("name", "is"), ("i", "am"), ("this", "is"), ("hier", "ist"), ("call", "me"),
        ("nennt", "mich"), ("heiße", "ich"),
    }
)  # fmt: skip
_BEFORE_ANY_WORD = TITLES | RELATIONS
_LEADING_TITLE = re.compile(
    r"(?:" + "|".join(sorted(TITLES, key=len, reverse=True)) + r")\.? +", re.IGNORECASE
)
INTRO_SINGLE = frozenset({"i'm", "i’m", "iam"})
_TIGHT_GAP = frozenset({" ", ". ", ", ", ": ", "! ", "-", ",", ""})


class PersonRecognizer:
    NAME = "person"
    ENTITIES = ("PERSON",)
    LANGUAGES = frozenset({"de", "en", "und"})

    def __init__(
        self, lexicons: Lexicons, *, use_ner: bool = True, tagger: SharedTagger | None = None
    ) -> None:
        self._lexicons = lexicons
        self._tagger = (tagger or SharedTagger()) if use_ner else None

    def _context(self, doc: Document, tokens: list[tuple[int, int, str]], i: int) -> str | None:
        if i == 0:
            return None
        text = doc.norm
        p_start, p_end, prev = tokens[i - 1]
        gap = text[p_end : tokens[i][0]]
        lp = prev.lower()
        pp = tokens[i - 2][2].lower() if i >= 2 else ""
        if lp in SIGNOFFS and gap.strip(" ,!\n\r-") == "" and gap.count("\n") <= 2:
            return "signoff"
        if gap not in _TIGHT_GAP:
            return None
        if lp in TITLES and not (lp == "frau" and pp in POSSESSIVES):
            return "title"
        if lp in RELATIONS and pp in POSSESSIVES:
            return "relation"
        if lp in GREETINGS:
            return "greeting"
        if (pp, lp) in INTRO or lp in INTRO_SINGLE:
            return "intro"
        return None

    def analyze(self, doc: Document) -> Iterator[Span]:
        spans = list(self._lexical(doc))
        if self._tagger is not None:
            spans = self._merge_tagger(doc, spans)
        yield from spans

    def _lexical(self, doc: Document) -> Iterator[Span]:
        first = self._lexicons.first_names
        last = self._lexicons.surnames
        common = self._lexicons.common_words
        text = doc.norm
        tokens = [(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]
        # display names: the letters a handle starts with ("@tobi_rennt" → "tobi")
        handle_names = (
            frozenset(m.group(1).lower() for m in _HANDLE.finditer(text))
            if "@" in text
            else frozenset()
        )
        i, n = 0, len(tokens)
        while i < n:
            start, end, word = tokens[i]
            lw = word.lower()
            cap = word[0].isupper() and not (len(word) > 1 and word.isupper())
            in_first, in_last, is_common = lw in first, lw in last, lw in common
            if lw in NOT_NAMES:
                in_first = in_last = False
            score = 0.0
            strong = False
            if in_first or in_last:
                ctx = self._context(doc, tokens, i)
            elif cap and i and tokens[i - 1][2].lower() in _BEFORE_ANY_WORD:
                # only a title or a relation makes a non-lexicon word a name
                ctx = self._context(doc, tokens, i)
            else:
                ctx = None
            if (
                ctx == "title"
                and cap
                and lw not in TITLES
                or ctx == "relation"
                and (in_first or cap)
                and lw not in NOT_NAMES
            ):
                # "Herr Sommer", "my daughter Lily": after a title or "possessive +
                # relation" a capitalised word is a name even when it is also a noun
                score, strong = 0.85, True
            elif ctx in ("greeting", "signoff", "intro") and in_first and (cap or not is_common):
                score = 0.8
            elif ctx in ("greeting", "signoff") and cap and in_last and not is_common:
                score = 0.7
            elif ctx is None and cap and lw in handle_names:
                score = 0.75  # "@tobi_rennt hat dasselbe Problem, oder Tobi?"
            elif ctx is None and cap and in_first and not is_common:
                score = 0.6
            elif ctx is None and cap and in_first and i + 1 < n:
                # ambiguous first name ("Frank") only with a lexicon surname after it
                ns, ne, nw = tokens[i + 1]
                if text[end:ns] == " " and nw[0].isupper() and nw.lower() in last:
                    score = 0.55
            if score == 0.0:
                i += 1
                continue
            span_end, j = end, i + 1
            while j < n and j - i < 3:
                ns, ne, nw = tokens[j]
                if text[span_end:ns] not in (" ", "-") or not nw[0].isupper():
                    break
                lnw = nw.lower()
                if lnw in last:
                    score = min(0.9, score + 0.25)
                elif lnw in first and lnw not in common:
                    score = min(0.9, score + 0.1)
                elif strong and lnw not in common and not nw.isupper():
                    score = min(0.9, score + 0.05)
                else:
                    break
                span_end, j = ne, j + 1
            yield Span(
                start, span_end, "PERSON", score, self.NAME, f"lexicon; {ctx or 'no'} context"
            )
            i = j

    def _merge_tagger(self, doc: Document, spans: list[Span]) -> list[Span]:
        assert self._tagger is not None
        common = self._lexicons.common_words
        first = self._lexicons.first_names
        merged = list(spans)
        for start, end, label, score in self._tagger.tags(doc):
            if label != "PERSON":
                continue
            title = _LEADING_TITLE.match(doc.norm, start, end)
            if title is not None:  # "Mr Summers": the title is not part of the name
                start = title.end()
                if start >= end:
                    continue
            if doc.norm[start:end].split(" ", 1)[0].lower() in NOT_NAMES:
                continue  # "German Rentenversicherung", "Ramadan"
            overlapping = [s for s in merged if s.start < end and start < s.end]
            if overlapping:
                for s in overlapping:
                    merged.remove(s)
                new_start = min(start, *(s.start for s in overlapping))
                new_end = max(end, *(s.end for s in overlapping))
                best = max(score, *(s.score for s in overlapping))
                merged.append(
                    Span(
                        new_start, new_end, "PERSON", min(1.0, best + 0.1), self.NAME, "lexicon+ner"
                    )
                )
                continue
            value = doc.norm[start:end]
            if " " not in value and value.lower() in common and value.lower() not in first:
                continue  # a noun the tagger took for a name ("Bock")
            merged.append(Span(start, end, "PERSON", tagger_score(score), self.NAME, "ner"))
        merged.sort(key=lambda s: s.start)
        return merged

"""Postal addresses and place names (entity LOCATION).

German: street + house number, optionally followed by "PLZ Town"; "PLZ Town" alone.
Streets end in -straße/-str./-weg/-allee/-platz/-gasse/-ring/-damm/-ufer … or are written
as separate words ("Berliner Straße 12"); names of people in street names may have up to
four hyphenated or spaced parts with particles ("Karl-August-Girschner-Platz", "Jost-van
der Dussen-Platz"). "Am Hang 3, 53111 Bonn" (no street suffix) counts only with the PLZ.
A PLZ is five digits followed by a capitalised town (plus a second part: "Schwäbisch
Hall", "Neunburg vorm Wald"); a town from the shipped list scores 0.85, another
capitalised word that is not a common noun 0.6 with context ("wohne", "Adresse", "PLZ")
else 0.4, and a common noun after five digits ("12345 Euro") is not an address. A
leading common word is not part of the street ("Adresse Krokerweg 55" → "Krokerweg 55").

English: house number + name + a USPS street suffix (Publication 28: Street, Road,
Avenue, Crossing, Inlet, Station, …), optionally ", Town, ST 12345" (US state code and
ZIP) or ", Town POSTCODE" (UK) — 1.0 with that tail, so that the street "Raymond
Mountains" is not taken for a person —, 0.85 with an address word nearby, else 0.6.
Place names: "North/South/East/West/New/Lake/Port" + a capitalised word ("Port Talbot",
"Lake Placid", "Bad Kissingen", "Sankt Goarshausen") 0.85 when the word is no common
one (0.6 in lower-case posts), and a capitalised word with an
English toponym ending (-bury, -borough, -chester, -haven, -mouth, -ville …) after
"in"/"from"/"at"/"near" 0.7.

Posts written entirely in lower case are matched case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from sphere.pii.context import compile_words, near
from sphere.pii.document import Document
from sphere.pii.lexicon import Lexicons
from sphere.pii.span import Span

_UPPER = "A-ZÄÖÜ"
_LOWER = "a-zäöüß"
_SUFFIX = (
    r"(?:straße|strasse|str\.|weg|allee|platz|gasse|ring|damm|ufer|chaussee|steig|pfad"
    r"|promenade|markt|graben|wall|stieg)"
)
_SEPARATE = r"(?:Straße|Strasse|Str\.|Weg|Allee|Platz|Gasse|Ring|Damm|Ufer|Chaussee|Markt)"
_NAME_PART = rf"(?:[{_UPPER}][{_LOWER}]+|van|von|der|de|den|zu|vom|am|an)"
_STREET = (
    rf"(?<![\w\-])(?:(?:{_NAME_PART}[ \-]){{0,4}}[{_UPPER}][{_LOWER}\-]*{_SUFFIX}"
    rf"|(?:{_NAME_PART}[ \-]){{0,3}}[{_UPPER}][{_LOWER}]+[ \-]{_SEPARATE})"
    r" ?\d{1,4} ?[a-zA-Z]?(?![\w])"
)
_LOCATIVE_STREET = (
    rf"(?:Am|An der|An den|Im|Auf dem|Auf der|Zum|Zur|In der|Hinter der|Unter den)"
    rf" [{_UPPER}][{_LOWER}]+ \d{{1,4}} ?[a-zA-Z]?"
)
_TOWN = rf"[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?"


def _plz_town(tag: str) -> str:
    return (
        rf"(?<![\d\w])\d{{5}} (?P<town{tag}>{_TOWN})"
        rf"(?P<more{tag}> (?:(?:am|an der|im|in|ob der|bei|vorm|vor der|unter|über) )?"
        rf"[{_UPPER}][{_LOWER}]+)?(?![\w])"
    )


# USPS Publication 28 street suffixes (singular; a plural "s" is accepted)
_US_SUFFIXES = (
    "Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl"
    "|Terrace|Close|Crescent|Alley|Bayou|Beach|Bend|Bluff|Bottom|Branch|Bridge|Brook"
    "|Burg|Bypass|Camp|Canyon|Cape|Causeway|Center|Centre|Circle|Cliff|Club|Common"
    "|Corner|Course|Cove|Creek|Crest|Crossing|Crossroad|Curve|Dale|Dam|Divide|Estate"
    "|Expressway|Extension|Fall|Ferry|Field|Flat|Ford|Forest|Forge|Fork|Fort|Freeway"
    "|Garden|Gateway|Glen|Green|Grove|Harbor|Haven|Heights|Highway|Hill|Hollow|Inlet"
    "|Island|Isle|Junction|Key|Knoll|Lake|Landing|Light|Loaf|Lock|Lodge|Loop|Mall|Manor"
    "|Meadow|Mews|Mill|Mission|Motorway|Mount|Mountain|Neck|Orchard|Oval|Overpass|Park"
    "|Parkway|Pass|Passage|Path|Pike|Pine|Plain|Plaza|Point|Port|Prairie|Radial|Ramp"
    "|Ranch|Rapid|Rest|Ridge|River|Route|Row|Rue|Run|Shoal|Shore|Skyway|Spring|Spur"
    "|Square|Station|Stravenue|Stream|Summit|Trace|Track|Trafficway|Trail|Tunnel"
    "|Turnpike|Underpass|Union|Valley|Via|Viaduct|View|Village|Ville|Vista|Walk|Wall"
    "|Well"
)
_US_STATES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV"
    "|NH|NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|DC|AS|GU|MP|PR"
    "|VI|FM|MH|PW|AA|AE|AP"
)
_EN_WORD = r"[A-Z][a-z]+"
_EN_STREET = (
    rf"(?<![\w.,])\d{{1,5}}[A-Za-z]? (?:{_EN_WORD} ){{1,3}}"
    rf"(?:{_US_SUFFIXES})(?:s|es)?\.?(?![\w])"
)
_EN_TOWN = rf"{_EN_WORD}(?: {_EN_WORD}){{0,2}}"
_UK_POSTCODE = r"[A-Z]{1,2}\d[A-Z\d]? ?\d[A-Z]{2}"
_EN_TAIL = (
    rf"(?:, {_EN_TOWN}(?:,? (?:{_US_STATES}) \d{{5}}(?:-\d{{4}})?|,? {_UK_POSTCODE})"
    rf"|, {_EN_TOWN}(?=[,.;!?)]|\s[-–]|$))"
)
_TOPONYM_PREFIX = r"(?:North|South|East|West|New|Lake|Port|Fort|Mount|Saint|St\.|Sankt|Bad)"
_TOPONYM_END = (
    r"(?:bury|borough|burgh|chester|haven|mouth|ville|shire|side|view|port|fort|furt"
    r"|stad|town|ton|land|berg|field|ford|ham|wick|ley)"
)
_PLACE = rf"(?<![\w@#])(?P<pre>{_TOPONYM_PREFIX}) (?P<name>{_EN_WORD})(?![\w])"

_PLACE_SINGLE = rf"\b(?:in|from|at|near|to|of) (?P<single>[A-Z][a-z]{{2,}}{_TOPONYM_END})(?![\w])"

# Lower-case posts: no capital letters to anchor on, so a street name is one word or
# hyphenated words ("hinrich-lange-gasse 122"), never several separate words.
_STREET_LOWER = (
    rf"(?<![\w\-])(?:[{_LOWER}]+-){{0,4}}[{_LOWER}]*{_SUFFIX}"
    r" ?\d{1,4} ?[a-z]?(?![\w])"
)
_TOWN_LOWER = rf"[{_LOWER}]+(?:-[{_LOWER}]+)?"


def _plz_town_lower(tag: str) -> str:
    return rf"(?<![\d\w])\d{{5}} (?P<town{tag}>{_TOWN_LOWER})(?P<more{tag}>)(?![\w])"


_EN_STREET_LOWER = (
    rf"(?<![\w.,])\d{{1,5}}[a-z]? (?:[a-z]+ ){{1,2}}(?:{_US_SUFFIXES.lower()})s?(?![\w])"
)


_EN_TAIL_LOWER = r", [a-z]+(?: [a-z]+){0,2},? [a-z]{2} \d{5}"


_Family = tuple[str, re.Pattern[str] | None, re.Pattern[str]]


def _families(lower: bool) -> tuple[_Family, ...]:
    """(kind, cheap gate, pattern): a pattern runs only on posts its gate finds something
    in — most posts have no street suffix before a number and no ZIP. The "de" gate runs
    on the lower-cased post, the others on the post itself; place names have no gate
    (their pattern is as cheap as one)."""
    # searched in the lower-cased post (case-insensitive alternations are slow in ``re``)
    suffix_number = re.compile(rf"\d{{5}}|(?:{_SUFFIX}|{_SEPARATE.lower()})\.? ?\d")
    if lower:
        return (
            (
                "de",
                suffix_number,
                re.compile(
                    rf"(?P<street>{_STREET_LOWER})(?:,? ?{_plz_town_lower('1')})?"
                    rf"|{_plz_town_lower('2')}"
                ),
            ),
            (
                "en",
                re.compile(rf" (?:{_US_SUFFIXES.lower()})s?\b"),
                re.compile(rf"(?P<en>{_EN_STREET_LOWER})(?P<tail>{_EN_TAIL_LOWER})?"),
            ),
            (
                "place",
                None,
                # "new" is too common an adjective in lower-case text ("new cookbook")
                re.compile(
                    rf"(?<![\w@#])(?P<pre>(?:north|south|east|west|lake|port|fort|mount|sankt|bad)"
                    rf"|new(?= [a-z]+{_TOPONYM_END}\b)) (?P<name>[a-z]{{3,}})(?![\w])"
                ),
            ),
        )
    return (
        (
            "de",
            suffix_number,
            re.compile(
                rf"(?P<street>(?:{_STREET}|(?<![\w]){_LOCATIVE_STREET}(?=, \d{{5}} )))"
                rf"(?:,? ?{_plz_town('1')})?"
                rf"|{_plz_town('2')}"
            ),
        ),
        (
            "en",
            re.compile(rf" (?:{_US_SUFFIXES})(?:s|es)?\b"),
            re.compile(rf"(?P<en>{_EN_STREET})(?P<tail>{_EN_TAIL})?"),
        ),
        (
            "place",
            None,
            re.compile(rf"{_PLACE}|{_PLACE_SINGLE}"),
        ),
    )


_FAMILIES = _families(lower=False)
_FAMILIES_LOWER = _families(lower=True)
_LOCATIVE = re.compile(r"Am|An|Im|Auf|Zum|Zur|In|Hinter|Unter")
_LEADING_WORD = re.compile(rf"[{_UPPER}{_LOWER}]+ ")


class AddressRecognizer:
    NAME = "address"
    ENTITIES = ("LOCATION",)
    LANGUAGES = frozenset({"de", "en", "und"})
    CONTEXT = (
        "wohne", "wohnen", "wohnt", "adresse", "anschrift", "plz", "postleitzahl", "liefern",
        "lieferadresse", "geliefert", "address", "live in", "lives in", "live at",
        "ziehe", "umgezogen", "moved", "parcel", "paket", "delivered", "deliver",
    )  # fmt: skip
    _context_re = compile_words(CONTEXT)

    def __init__(self, lexicons: Lexicons) -> None:
        self._lexicons = lexicons

    def analyze(self, doc: Document) -> Iterator[Span]:
        text = doc.norm
        lower_post = text.islower()
        for kind, gate, pattern in _FAMILIES_LOWER if lower_post else _FAMILIES:
            if gate is not None and gate.search(doc.lower if kind == "de" else text) is None:
                continue
            for match in pattern.finditer(text):
                span = self._span(kind, match, doc, lower_post)
                if span is not None:
                    yield span

    def _span(
        self, kind: str, match: re.Match[str], doc: Document, lower_post: bool
    ) -> Span | None:
        text = doc.norm
        common = self._lexicons.common_words
        start, end = match.span()
        if kind == "de":
            if match.group("street"):
                start = self._trim_leading_words(text, start, match.end("street"), common)
                end = self._trim_town(match, "1", end, common)
                return Span(start, end, "LOCATION", 0.85, self.NAME, "street and number")
            town = match.group("town2").lower()
            end = self._trim_town(match, "2", end, common)
            if town in self._lexicons.de_cities:
                score = 0.85
            elif town in common:
                return None
            else:
                score = 0.6 if near(doc, self._context_re, start, end, before=50) else 0.4
            return Span(start, end, "LOCATION", score, self.NAME, "postal code and town")
        if kind == "en":
            if lower_post and not near(doc, self._context_re, start, end, before=50):
                return None  # "2 hours drive": lower-case streets need an address word
            if match.group("tail"):
                # as strong as a name: "165 Raymond Mountains, South Alison, IA 12642"
                # is one address, not the people Raymond Mountains and Alison
                return Span(start, end, "LOCATION", 1.0, self.NAME, "street, number and town")
            if near(doc, self._context_re, start, end, before=50):
                return Span(start, end, "LOCATION", 0.85, self.NAME, "street and number; context")
            return Span(start, end, "LOCATION", 0.6, self.NAME, "street and number")
        if match.group("pre"):
            if match.group("name").lower() in common:
                return None  # "New Year", "West Coast"
            score = 0.6 if lower_post else 0.85
            return Span(start, end, "LOCATION", score, self.NAME, "place name")
        start, end = match.span("single")
        return Span(start, end, "LOCATION", 0.7, self.NAME, "place name; preposition")

    @staticmethod
    def _trim_leading_words(text: str, start: int, street_end: int, common: frozenset[str]) -> int:
        """Drop leading common words ("Adresse Krokerweg 55") while a street remains."""
        while True:
            word = _LEADING_WORD.match(text, start, street_end)
            if word is not None and _LOCATIVE.fullmatch(word.group().strip()):
                return start  # "Am Hang 3": the article belongs to the street
            if word is None or word.group().strip().lower() not in common:
                return start
            start = word.end()

    @staticmethod
    def _trim_town(match: re.Match[str], tag: str, end: int, common: frozenset[str]) -> int:
        """A second town word that is a common word ("12345 Berlin Danke") is not part of it."""
        more = match.group(f"more{tag}")
        if more and len(more.split()) == 1 and more.strip().lower() in common:
            return match.start(f"more{tag}")
        return end

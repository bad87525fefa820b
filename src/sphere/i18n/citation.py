"""Citations of law in the language of the page.

The code keeps its citations as stable English text ("GDPR Art. 7(3), Art. 17(1)(b)",
"§7(2) Nr. 2, §7(3) UWG", "BDSG §26(2)", "GDPR Art. 8(1), Recital 38"): reasons,
findings and ``LegalBasis.article`` carry them, and the JSON API, exports and CSV
files show them unchanged. A page cites them the way its language cites law::

    de  Art. 7 Abs. 3, Art. 17 Abs. 1 lit. b DSGVO · § 7 Abs. 2 Nr. 2, § 7 Abs. 3 UWG
        § 26 Abs. 2 BDSG · Art. 8 Abs. 1, ErwG 38 DSGVO · EuGH C-252/21
    en  Art. 7(3), Art. 17(1)(b) GDPR · § 7(2) no. 2, § 7(3) UWG · § 26(2) BDSG

A run of provisions of one law names the law once, after its last provision. A part
that is not a citation this module knows ("company rule", "WP248 rev.01") is kept
(translated when the catalogue knows it), so nothing is ever lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sphere.i18n import N_, Translator

_SPLIT: Final = re.compile(r"(\s*[;,]\s*)")
_LAW: Final = "GDPR|DSGVO|BDSG|UWG|TDDDG|HGB|AO"
_PREFIX: Final = re.compile(rf"^({_LAW}) (.+)$")
_SUFFIX: Final = re.compile(rf"^(.+?) ({_LAW})((?: \(.*\))?)$")
_ARTICLE: Final = re.compile(
    r"^(?:Art\. ?)?(\d+)((?:\([0-9a-z]+\))*)(?:(-|/| or )\(([0-9a-z]+)\))?(?: (.+))?$"
)
_SECTION: Final = re.compile(r"^§ ?(\d+)((?:\([0-9a-z]+\))*)(?: Nr\. (\d+))?(?: (.+))?$")
_RECITAL: Final = re.compile(r"^Recital (\d+)(?: and (\d+))?$")
_NAMES: Final = {"de": {"GDPR": "DSGVO", "DSGVO": "DSGVO"}, "en": {"DSGVO": "GDPR"}}
# Words inside citations that are not law (extracted for the catalogue).
_WORDS: Final = {
    "company rule": N_("company rule"),
    "DSK Muss-Liste": N_("DSK Muss-Liste"),
    "balancing": N_("balancing of interests"),
    "for e-mail": N_("for e-mail"),
    "platform terms of use": N_("platform terms of use"),
}


@dataclass(slots=True)
class _Unit:
    text: str  # the provision without its law ("Art. 7 Abs. 3"), or a literal part
    law: str | None  # None: a literal part, not followed by a law's name
    note: str = ""  # a trailing "(…)" kept after the law


def _paragraphs(parts: list[str], until: str | None, *, lang: str, joint: str | None = "-") -> str:
    """ "(1)(b)" the language's way; ``until`` a last paragraph or point joined by
    ``joint``: "-" a range, "/" and, " or " or."""
    if lang != "de":
        return "".join(f"({p})" for p in parts) + (f"{joint}({until})" if until else "")
    digits = [p for p in parts if p.isdigit()]
    letters = [p for p in parts if not p.isdigit()]
    word = " oder " if joint == " or " else " und "
    if until and joint != "-":
        (digits if until.isdigit() else letters).append(until)
    elif len(letters) > 1:  # "(1)(b)(c)": points b and c
        word = " und "
    out = f" Abs. {digits[0]}" if digits else ""
    if len(digits) > 1:
        out += (word + digits[-1]) if until and until.isdigit() else f" S. {digits[1]}"
    if letters:
        out += " lit. " + (
            f"{', '.join(letters[:-1])}{word}{letters[-1]}" if len(letters) > 1 else letters[0]
        )
    if until and joint == "-":
        out += f"–{until}"
    return out


def _note(tr: Translator, note: str) -> str:
    """A trailing remark, "(DSK Muss-Liste)" or "balancing", as " (…)", translated."""
    inner = note.strip()
    if inner.startswith("(") and inner.endswith(")"):
        inner = inner[1:-1]
    return f" ({tr.gettext(_WORDS.get(inner, inner))})" if inner else ""


def _unit(tr: Translator, part: str, law: str | None) -> _Unit:
    """One comma-separated part; ``law`` is the law of the part before it."""
    explicit = None
    if match := _PREFIX.match(part):
        explicit, part = match.group(1), match.group(2)
    note = ""
    if match := _SUFFIX.match(part):
        part, explicit, note = match.group(1), match.group(2), match.group(3)
    if match := _RECITAL.match(part):
        word = "ErwG" if tr.lang == "de" else "Recital"
        also = f" {'und' if tr.lang == 'de' else 'and'} {match.group(2)}" if match.group(2) else ""
        return _Unit(f"{word} {match.group(1)}{also}", "GDPR", note)
    if match := _SECTION.match(part):
        number, paras, nr, tail = match.groups()
        text = f"§ {number}" + _paragraphs(re.findall(r"\((\w+)\)", paras), None, lang=tr.lang)
        tail = tail or ""
        if nr:
            text += f" Nr. {nr}" if tr.lang == "de" else f" no. {nr}"
        return _Unit(text, explicit or "", note or tail)  # "" = the law named later
    if (match := _ARTICLE.match(part)) and (part.startswith("Art.") or law or explicit):
        number, paras, joint, until, tail = match.groups()
        paragraphs = _paragraphs(re.findall(r"\((\w+)\)", paras), until, lang=tr.lang, joint=joint)
        return _Unit(f"Art. {number}{paragraphs}", explicit or law or "GDPR", note or tail or "")
    if part.startswith("CJEU "):
        rest = part.removeprefix("CJEU ")
        return _Unit(("EuGH " + rest.replace(" v ", " ./. ")) if tr.lang == "de" else part, None)
    if match := re.match(r"^(WP\d+) criterion (\d+)$", part):
        word = "Kriterium" if tr.lang == "de" else "criterion"
        return _Unit(f"{match.group(1)} {word} {match.group(2)}", None)
    if explicit:  # "GDPR" alone, or a law with something this module does not parse
        return _Unit(part, explicit, note)
    return _Unit(tr.gettext(_WORDS.get(part, part)), None, note)


def cite(tr: Translator, text: str) -> str:
    """``text`` (a citation in the code's English form) as ``tr``'s language cites it."""
    if not text:
        return ""
    pieces = _SPLIT.split(text.strip())
    units: list[_Unit] = []
    separators: list[str] = []
    law: str | None = None
    for index, piece in enumerate(pieces):
        if index % 2:
            separators.append(piece.strip() + " ")
            if piece.strip() == ";":
                law = None
            continue
        unit = _unit(tr, piece.strip(), law)
        units.append(unit)
        if unit.law and unit.text.startswith("Art."):
            law = unit.law
    # a section whose law is named later ("§7(2) Nr. 2, §7(3) UWG") takes that law
    for i in range(len(units) - 1, -1, -1):
        if units[i].law == "":
            later = next((u.law for u in units[i + 1 :] if u.law), None)
            units[i].law = later or "UWG"
    names = _NAMES.get(tr.lang, {})
    out = ""
    for i, unit in enumerate(units):
        out += unit.text
        following = units[i + 1] if i + 1 < len(units) else None
        same_run = (
            following is not None
            and unit.law
            and following.law == unit.law
            and separators[i] == ", "
            and not unit.note
        )
        if unit.law and not same_run:
            out += " " + names.get(unit.law, unit.law)
        out += _note(tr, unit.note) if unit.note else ""
        if following is not None:
            out += separators[i]
    return out

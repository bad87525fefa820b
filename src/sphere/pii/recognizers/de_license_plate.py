"""German vehicle registration plates (FZV): district code (Unterscheidungszeichen,
1–3 letters, from the shipped list), 1–2 letters, 1–4 digits, optional E (electric) or
H (historic): "M-AB 1234", "HH XY 12E". A plate identifies the keeper (BGH VI ZR 233/17
treats it as personal data). Known district 0.6, with "Kennzeichen"/"plate" 0.9."""

from __future__ import annotations

import re

from sphere.pii.document import Document
from sphere.pii.lexicon import Lexicons
from sphere.pii.recognizer import PatternRecognizer


class DeLicensePlateRecognizer(PatternRecognizer):
    NAME = "de_license_plate"
    ENTITY = "DE_LICENSE_PLATE"
    BASE_SCORE = 0.6
    REQUIRES = re.compile(r"[A-Z] ?\d")
    PATTERN = re.compile(
        r"(?<![\w\-])([A-ZÄÖÜ]{1,3})[ \-]([A-Z]{1,2})[ \-]?([1-9]\d{0,3})[EH]?(?![\w\-])"
    )
    CONTEXT = (
        "kennzeichen", "nummernschild", "autokennzeichen", "kfz", "auto", "wagen",
        "parkt", "geparkt", "license plate", "licence plate", "plate", "car",
    )  # fmt: skip
    CONTEXT_SCORE = 0.9
    LANGUAGES = frozenset({"de", "en", "und"})

    def __init__(self, lexicons: Lexicons) -> None:
        self._lexicons = lexicons

    def validate(self, match: re.Match[str], doc: Document) -> float | None:
        if match.group(1) not in self._lexicons.de_districts:
            return None
        return self.BASE_SCORE

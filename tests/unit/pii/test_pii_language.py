from __future__ import annotations

import pytest

from sphere.pii.language import detect_language

CASES = [
    ("Mein Paket ist nicht angekommen", "de"),
    ("My parcel never arrived at all", "en"),
    ("Danke für die schnelle Hilfe", "de"),
    ("Thanks for the quick help", "en"),
    ("Lieferung kam heute super", "de"),
    ("Great service today guys", "en"),
    ("Wo bleibt meine Bestellung", "de"),
    ("12345 !!!", "und"),
    ("", "und"),
]


@pytest.mark.parametrize(("text", "lang"), CASES)
def test_five_word_posts(text: str, lang: str) -> None:
    assert detect_language(text)[0] == lang

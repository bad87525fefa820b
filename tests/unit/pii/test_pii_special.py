from __future__ import annotations

import pytest

from sphere.domain import SpecialCategory
from sphere.pii.special import detect_special_categories

CASES = [
    ("meine Chemo war hart", "de", [(SpecialCategory.HEALTH, "Chemo", "author")]),
    ("as a Muslim I fast", "en", [(SpecialCategory.RELIGION, "Muslim", "author")]),
    ("ich bin in der IG Metall", "de", [(SpecialCategory.TRADE_UNION, "IG Metall", "author")]),
    ("mein Mann ist schwul", "de", [(SpecialCategory.SEXUAL_ORIENTATION, "schwul", "other")]),
    ("my diabetes is worse", "en", [(SpecialCategory.HEALTH, "diabetes", "author")]),
    ("I go to church on Sundays", "en", [(SpecialCategory.RELIGION, "church", "author")]),
    # advert: a compound and shop words, about nobody
    ("Diabetes-freundliche Rezepte jetzt im Shop", "de", []),
    # metaphor: "church" is a weak term without a first-person verb or possessive
    ("the church of our lens", "en", []),
    # general statement, no person
    ("Diabetes ist eine Volkskrankheit", "de", []),
    ("Neue Studie: Krebs bei Hunden", "de", []),
]


@pytest.mark.parametrize(("text", "lang", "expected"), CASES, ids=[c[0] for c in CASES])
def test_special_categories(text: str, lang: str, expected: list[tuple[object, str, str]]) -> None:
    findings = detect_special_categories(text, lang=lang)
    assert [(f.category, text[f.start : f.end], f.about) for f in findings] == expected


def test_offsets_survive_zero_width_characters() -> None:
    text = "\u200bmeine \u200bChemo"
    (finding,) = detect_special_categories(text)
    assert text[finding.start : finding.end] == "Chemo"

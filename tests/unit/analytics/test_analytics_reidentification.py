"""The re-identification check: levels from searchable runs, rare words, quasi-identifiers
and the pseudonym's history; generalisation leaves no searchable phrase."""

from __future__ import annotations

import pytest

from sphere.analytics.reidentification import (
    SEARCHABLE_RUN,
    RiskLevel,
    _longest_run,
    assess,
    generalise,
)

_WORDS = (
    "die lieferung kam heute danke mein hat nach zwei wochen einen super i have been "
    "waiting for my order since last week and nobody answers the phone at all love new "
    "gestern in das gekauft am kaputt gegangen zum frage wann kommt"
)
VOCAB = frozenset(_WORDS.split())


@pytest.mark.parametrize(
    ("text", "types", "level"),
    [
        ("Die Lieferung kam heute, danke!", (), RiskLevel.LOW),
        ("Wann kommt das <PRODUCT_0>?", (), RiskLevel.LOW),
        # nine common words in a row: searchable, but generalising breaks the phrase
        ("I have been waiting for my order since last week", (), RiskLevel.MEDIUM),
        # place + date + number: three quasi-identifiers
        (
            "Gestern in <LOCATION_1> gekauft, am <DATE_TIME_1> kaputt, Nr 4711",
            ("LOCATION", "DATE_TIME"),
            RiskLevel.HIGH,
        ),
        # many rare words: findable even after generalising? No: they are dropped
        ("My grandmother knits quirky balaclavas for hedgehogs", (), RiskLevel.MEDIUM),
    ],
    ids=["short-common", "product-question", "long-common", "quasi-identifiers", "rare-words"],
)
def test_levels(text: str, types: tuple[str, ...], level: RiskLevel) -> None:
    assert assess(text, entity_types=types, vocabulary=VOCAB).level is level


def test_history_under_the_pseudonym_raises_the_level() -> None:
    text = "Die Lieferung kam heute, danke!"
    assert assess(text, linked_records=80, vocabulary=VOCAB).level is RiskLevel.HIGH
    assert assess(text, linked_records=3, vocabulary=VOCAB).level is RiskLevel.LOW


def test_special_category_in_a_searchable_post() -> None:
    text = "I have been waiting for my order since last week"
    assert assess(text, special=True, vocabulary=VOCAB).level is RiskLevel.SPECIAL
    assert assess("Danke!", special=True, vocabulary=VOCAB).level is RiskLevel.LOW


def test_company_terms_and_products_are_not_identifying() -> None:
    text = "@optiklinse Frage 3 zum Makro 100"
    bare = assess(text, vocabulary=VOCAB)
    known = assess(text, products=["Makro 100"], company_terms=["@optiklinse"], vocabulary=VOCAB)
    assert known.quasi_identifiers == ("product", "number")
    assert known.rare_words == 0 and bare.rare_words >= 1


def test_generalise_drops_rare_words_numbers_and_long_phrases() -> None:
    text = "I have been waiting for my order 4711 since last week, Mr <PERSON_1> quirky"
    out = generalise(text, vocabulary=VOCAB)
    assert "4711" not in out and "quirky" not in out and "<PERSON_1>" in out
    assert _longest_run(out) < SEARCHABLE_RUN


@pytest.mark.parametrize("text", ["", "😀😀😀", "1234 5678", "a" * 100_000, "<PERSON_1> " * 500])
def test_bad_input_never_crashes(text: str) -> None:
    assessment = assess(text)
    assert assessment.level in RiskLevel
    generalise(text)

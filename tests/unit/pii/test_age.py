"""Age statements and birth dates (GDPR Art. 8): German and English, and the look-alikes
that are no age (units, times, model numbers, German "im")."""

from __future__ import annotations

from datetime import date

import pytest

from sphere.domain.minors import digital_consent_age
from sphere.errors import InvalidInput
from sphere.pii.age import birth_date_age, is_minor_statement, may_state_age

TODAY = date(2026, 6, 1)


@pytest.mark.parametrize(
    ("text", "age"),
    [
        ("ich bin 14", 14),
        ("Hallo, ich bin 14 Jahre alt und fotografiere gern", 14),
        ("bin erst 13 und spare auf das Makro", 13),
        ("I'm 15", 15),
        ("I am 15 years old", 15),
        ("Lena (13)", 13),
        ("LG Mia (12)", 12),
        ("Jahrgang 2011", 14),  # lowest possible age from a year
        ("born in 2012", 13),
        ("geboren am 03.05.2011", 15),
        ("Geburtsdatum: 2011-05-03", 15),
        ("born on 3 May 2011", 15),
        ("DOB 03/05/2011", 15),
        # not a minor, not even an age:
        ("I'm 15 minutes late", None),  # a duration
        ("ich bin 14 Tage im Urlaub", None),  # a duration
        ("Ich bin 15 Minuten zu spät", None),
        ("Seit 14 Tagen ist das Objektiv kaputt", None),  # no age statement at all
        ("ich bin 14:30 im Laden", None),  # a time
        ("I'm 2 km away", None),  # a distance
        ("I'm 3rd in line", None),  # an ordinal
        ("im 14. Stock", None),  # German "im" is no "I'm"
        ("Auf Seite (13) steht es", None),  # a capitalised noun, not a name
        ("Tele 70-200 (13)", None),  # a model number
        ("ich bin 40", None),  # an adult
        ("geboren am 31.02.2011", None),  # no such date
    ],
)
def test_minor_statements(text: str, age: int | None) -> None:
    found = is_minor_statement(text, today=TODAY, threshold=16)
    assert (found.age if found else None) == age


def test_the_precheck_lets_ordinary_posts_pass_cheaply() -> None:
    assert not may_state_age("Das Tele 70-200 ist super scharf")
    assert may_state_age("ich bin 14")


@pytest.mark.parametrize(
    ("value", "age"),
    [("2011-05-03", 15), ("03.05.2011", 15), ("2011-13-01", None), ("gestern", None)],
)
def test_crm_birth_date(value: str, age: int | None) -> None:
    assert birth_date_age(value, today=TODAY) == age


@pytest.mark.parametrize(
    ("state", "override", "age"),
    [("DE", None, 16), ("FR", None, 15), ("AT", None, 14), ("BE", None, 13), ("XX", None, 16),
     ("DE", 14, 14)],
)  # fmt: skip
def test_digital_consent_age_per_member_state(state: str, override: int | None, age: int) -> None:
    assert digital_consent_age(state, override) == age


def test_digital_consent_age_may_not_go_below_13() -> None:
    with pytest.raises(InvalidInput):
        digital_consent_age("DE", 12)

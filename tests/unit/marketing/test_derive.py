"""Derivations from made-up posts of a fictional Optiklinse customer."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sphere.domain import Purpose
from sphere.errors import InvalidInput
from sphere.marketing.catalogue import (
    Catalogue,
    CatalogueEntry,
    EntryKind,
    optiklinse_catalogue,
    tokenize,
)
from sphere.marketing.derive import (
    SourceEvent,
    SourceText,
    derive_churn_risk,
    derive_cross_selling,
    derive_interests,
    derive_sentiment,
)

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)


def d(month: int, day: int) -> datetime:
    return datetime(2026, month, day, 9, 30, tzinfo=UTC)


TELE_POSTS = [
    SourceText("p1", "Endlich das Tele 70-200 bestellt, freue mich riesig!", d(3, 1), "de"),
    SourceText("p2", "Tried the telephoto at the zoo today, so sharp 😍", d(4, 12), "en"),
    SourceText("p3", "Mein neues Teleobjecktiv ist der Hammer für Wildtiere", d(5, 2), "de"),
    SourceText("p4", "Sonntag war schönes Wetter.", d(5, 10), "de"),
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Das TELE 70-200 ist da", ("telephoto",)),
        ("my new 70-200mm", ("telephoto",)),
        ("Teleobjecktiv", ("telephoto",)),  # typo: one extra letter
        ("Weitwinkel 14mm für Landschaften", ("wide_angle",)),
        ("ultra wide-angle shots", ("wide_angle",)),
        ("Makroaufnahmen von Insekten", ("macro",)),  # German compound
        ("macro lense", ("macro",)),
        ("Porträt mit dem 85mm", ("portrait",)),  # umlaut folding and one edit
        ("Zoom 24-70 on a trip", ("zoom",)),
        ("Fischauge ausprobiert", ("fisheye",)),
        ("wildlfie photography", ("wildlife",)),  # transposition typo
        ("Hochzeitsfotos am Samstag", ("wedding",)),
        ("Die Milchstraße über den Alpen", ("astro",)),
        ("shooting the milky way with a fish-eye", ("fisheye", "astro")),
        ("Ich telefoniere mit der Telekom", ()),  # "tele" only as a whole word
        ("zoom call at 10", ()),  # "zoom" alone is not the 24-70 line
        ("Marko kommt morgen", ()),  # a name one edit from "makro" does not match
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_catalogue_matching(text: str, expected: tuple[str, ...]) -> None:
    assert optiklinse_catalogue().match(text) == expected


def test_tokenize_splits_units_and_folds_umlauts() -> None:
    assert tokenize("Tele 70–200mm Porträt") == ["tele", "70", "200", "mm", "portraet"]


def test_catalogue_validation_names_the_entry() -> None:
    with pytest.raises(InvalidInput, match=r"entries\[0\] \(x\)"):
        Catalogue((CatalogueEntry("x", "x", EntryKind.TOPIC, ("--",)),))
    entry = CatalogueEntry("x", "x", EntryKind.TOPIC, ("x",))
    with pytest.raises(InvalidInput, match="unique"):
        Catalogue((entry, entry))


def test_interest_explanation_matches_the_data() -> None:
    interests = {a.value: a for a in derive_interests(TELE_POSTS, optiklinse_catalogue())}
    tele = interests["telephoto"]
    assert tele.explanation == (
        "interested in telephoto lenses: 3 posts between 2026-03-01 and 2026-05-02 mention them"
    )
    assert tele.source_ids == ("p1", "p2", "p3")
    assert tele.basis_purpose is Purpose.PROFILING
    wildlife = interests["wildlife"]
    assert wildlife.explanation == (
        "interested in wildlife photography: 1 post on 2026-05-02 mentions it"
    )
    assert set(interests) == {"telephoto", "wildlife"}


def test_events_count_as_mentions() -> None:
    events = [SourceEvent("e1", "page_view", "https://example.com/objektive/makro-100", d(4, 1))]
    (macro,) = derive_interests([], optiklinse_catalogue(), events=events)
    assert macro.value == "macro"
    assert macro.explanation == "interested in macro lenses: 1 event on 2026-04-01 mentions them"
    assert macro.source_ids == ("e1",)


def test_min_mentions() -> None:
    result = derive_interests(TELE_POSTS, optiklinse_catalogue(), min_mentions=2)
    assert [a.value for a in result] == ["telephoto"]


SPECIAL = SourceText(
    "s1", "Nach meiner Chemo fotografiere ich wieder mit dem Makro 100.", d(4, 20), "de"
)


def test_special_category_text_is_skipped_and_said_so() -> None:
    result = derive_interests([*TELE_POSTS, SPECIAL], optiklinse_catalogue())
    assert "macro" not in {a.value for a in result}
    tele = next(a for a in result if a.value == "telephoto")
    assert tele.skipped_ids == ("s1",)
    assert "1 text skipped: special-category data (GDPR Art. 9(1))" in tele.explanation
    assert "Chemo" not in tele.explanation


def test_special_category_text_used_with_explicit_consent() -> None:
    result = derive_interests([SPECIAL], optiklinse_catalogue(), explicit_consent=True)
    assert [a.value for a in result] == ["macro"]
    assert result[0].skipped_ids == () and "skipped" not in result[0].explanation


def test_sentiment_attribute() -> None:
    attr = derive_sentiment(TELE_POSTS)
    assert attr is not None and attr.value == "positive"
    assert "over 4 texts between 2026-03-01 and 2026-05-10" in attr.explanation
    assert attr.source_ids == ("p1", "p2", "p3", "p4")
    assert derive_sentiment([SPECIAL]) is None  # nothing usable without explicit consent


def test_cross_selling_excludes_owned_lines() -> None:
    catalogue = optiklinse_catalogue()
    fresh = derive_cross_selling(TELE_POSTS, catalogue)
    assert fresh.value == pytest.approx(0.5)  # 1 line (0.3) + 2 further mentions (0.2)
    assert "interested in telephoto lenses not owned yet (3 mentions)" in fresh.explanation
    owned = derive_cross_selling(TELE_POSTS, catalogue, owned={"telephoto"})
    assert owned.value == 0.0 and owned.source_ids == ()


def test_cross_selling_halved_for_negative_sentiment() -> None:
    texts = [
        SourceText("n1", "Das Makro 100 ist leider schlecht und kaputt.", d(5, 1), "de"),
        SourceText("n2", "The fisheye is terrible.", d(5, 3), "en"),
    ]
    result = derive_cross_selling(texts, optiklinse_catalogue())
    assert result.value == pytest.approx(0.3)  # (0.3 + 0.3) / 2
    assert "halved because the sentiment is negative" in result.explanation


def test_churn_risk_parts_are_explained() -> None:
    texts = [
        SourceText("c1", "Ich bin total enttäuscht, ich werde kündigen.", d(2, 1), "de"),
        SourceText("c2", "Great lens, love it!", d(1, 10), "en"),
    ]
    result = derive_churn_risk(texts, now=NOW)
    # 0.5 * 1/2 + 0.3 + 0.2 * min(1, 120/180)
    assert result.value == pytest.approx(round(0.25 + 0.3 + 0.2 * 120 / 180, 2))
    assert "1 of 2 texts negative (+0.25)" in result.explanation
    assert "1 text about cancelling, returning or switching (+0.30)" in result.explanation
    assert "last activity 120 days ago (+0.13)" in result.explanation
    assert result.source_ids == ("c1",)


def test_churn_risk_low_for_recent_happy_customer() -> None:
    texts = [SourceText("h1", "Super Objektiv, sehr zufrieden!", d(5, 30), "de")]
    result = derive_churn_risk(texts, now=NOW)
    assert result.value == pytest.approx(0.0)
    assert "last activity 2 days ago" in result.explanation


def test_churn_risk_without_any_activity() -> None:
    result = derive_churn_risk([], now=NOW)
    assert result.value == pytest.approx(0.2)
    assert "no activity on record" in result.explanation


def test_source_text_repr_hides_the_text() -> None:
    assert "Chemo" not in repr(SPECIAL)

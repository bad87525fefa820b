"""Sentiment on hand-written German and English sentences (made up, about lenses)."""

from __future__ import annotations

import pytest

from sphere.marketing.sentiment import SentimentLabel, analyse_sentiment

P, N, NEU = SentimentLabel.POSITIVE, SentimentLabel.NEGATIVE, SentimentLabel.NEUTRAL

CASES: list[tuple[str, str, SentimentLabel]] = [
    # German
    ("Das neue Tele 70-200 ist wirklich großartig!", "de", P),
    ("Der Autofokus ist nicht gut.", "de", N),
    ("Gar nicht schlecht für den Preis.", "de", P),
    ("Ich bin sehr zufrieden mit dem Makro 100.", "de", P),
    ("Das Objektiv ist leider kaputt angekommen 😡", "de", N),
    ("Die Bilder sind gestochen scharf, ich liebe es 😍", "de", P),
    ("Der Service war eine Katastrophe.", "de", N),
    ("Das Weitwinkel kommt morgen an.", "de", NEU),
    ("Gefällt mir nicht.", "de", N),
    ("Der Zoom funktioniert nicht.", "de", N),
    ("Funktioniert einwandfrei, danke!", "de", P),
    ("Schönes Objektiv, aber viel zu teuer.", "de", N),
    ("Etwas teuer, aber die Qualität ist hervorragend.", "de", P),
    ("Kein Problem, alles erledigt.", "de", P),
    ("Ich bin total enttäuscht von der Verarbeitung.", "de", N),
    ("Welche Blende hat das Portrait 85?", "de", NEU),
    ("Absolut empfehlenswert für Hochzeitsfotografen 👍", "de", P),
    ("Der Bajonettanschluss wackelt und klemmt.", "de", N),
    ("Nie wieder kaufe ich hier, eine Frechheit.", "de", N),
    ("Ich habe das Fisheye am Samstag ausprobiert.", "de", NEU),
    ("Die Verarbeitung ist nicht schlecht, aber der Fokus ist zu langsam.", "de", N),
    ("Tolle Bilder von der Milchstraße mit dem 14mm!", "de", P),
    # English
    ("The new telephoto lens is absolutely amazing!", "en", P),
    ("Not bad at all for the price.", "en", P),
    ("The autofocus is not good.", "en", N),
    ("I really love the bokeh of the Portrait 85 😍", "en", P),
    ("My lens arrived broken, very disappointed.", "en", N),
    ("Does the macro lens fit a crop sensor?", "en", NEU),
    ("It doesn't work, total waste of money.", "en", N),
    ("Works flawlessly, thanks!", "en", P),
    ("Great glass, but way too expensive.", "en", N),
    ("A bit pricey, but the sharpness is stunning.", "en", P),
    ("The zoom ring is wobbly and the images are blurry 👎", "en", N),
    ("Shipping took three days.", "en", NEU),
    ("Customer support was helpful and friendly.", "en", P),
    ("Worst purchase ever, I want a refund.", "en", N),
    ("I never had any problems with it.", "en", P),
    ("Picked up the fisheye yesterday.", "en", NEU),
    ("Honestly not impressed with the wide-angle.", "en", N),
    ("Best lens for wildlife I have ever used 🔥", "en", P),
    ("The 24-70 is fine.", "en", P),
    ("Unfortunately the lens cap is missing :(", "en", N),
    ("Hardly any distortion, superb!", "en", P),
    ("Meh, mediocre corners.", "en", N),
]


def test_at_least_40_sentences() -> None:
    assert len(CASES) >= 40
    assert {lang for _, lang, _ in CASES} == {"de", "en"}


def test_accuracy_on_hand_written_set() -> None:
    wrong = []
    for text, lang, expected in CASES:
        got = analyse_sentiment(text, language=lang)
        if got.label is not expected:
            wrong.append((text, expected.value, got.label.value, got.score, got.terms))
    accuracy = 1 - len(wrong) / len(CASES)
    print(f"\nsentiment accuracy: {accuracy:.1%} on {len(CASES)} sentences")
    for case in wrong:
        print("  miss:", case)
    assert accuracy >= 0.9


@pytest.mark.parametrize(
    ("text", "lang", "expected"),
    [
        ("nicht gut", "de", N),  # negation before the word
        ("gut", "de", P),
        ("not bad", "en", P),  # negated negative is mildly positive
        ("bad", "en", N),
        ("gefällt mir nicht", "de", N),  # German negation after the verb
    ],
    ids=["nicht-gut", "gut", "not-bad", "bad", "postposed-nicht"],
)
def test_negation(text: str, lang: str, expected: SentimentLabel) -> None:
    assert analyse_sentiment(text, language=lang).label is expected


def test_intensifier_raises_magnitude() -> None:
    plain = analyse_sentiment("gut", language="de").score
    strong = analyse_sentiment("sehr gut", language="de").score
    assert strong > plain > 0
    assert (
        analyse_sentiment("slightly good", language="en").score
        < analyse_sentiment("good", language="en").score
    )


def test_emoji_alone_carries_polarity() -> None:
    assert analyse_sentiment("👍", language="en").label is P
    assert analyse_sentiment("😡", language="de").label is N


def test_score_bounds_and_terms() -> None:
    result = analyse_sentiment("super super super toll toll genial perfekt!!!", language="de")
    assert -1.0 <= result.score <= 1.0 and result.score > 0.9
    assert "toll" in result.terms


def test_empty_and_language_detection() -> None:
    assert analyse_sentiment("").label is NEU
    assert analyse_sentiment("Das ist wirklich nicht gut.").label is N

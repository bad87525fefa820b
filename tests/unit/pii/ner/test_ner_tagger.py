"""The shipped NER model: loads, finds obvious names, leaves plain German nouns alone."""

from __future__ import annotations

import gzip
import subprocess
import sys
from pathlib import Path

import pytest

from sphere.errors import ConfigurationError
from sphere.pii.ner import Tagger, load_tagger
from sphere.pii.ner.features import sentence_features
from sphere.pii.ner.tagger import default_model_path
from sphere.pii.ner.tokenize import tokenize

LABELS = {"PERSON", "LOCATION", "ORGANIZATION"}


@pytest.fixture(scope="module")
def tagger() -> Tagger:
    return load_tagger()


def _found(tagger: Tagger, text: str, lang: str) -> set[tuple[str, str]]:
    return {(text[s:e], label) for s, e, label, _ in tagger.tag(text, lang)}


def test_shipped_model_is_small_and_loads(tagger: Tagger) -> None:
    path = default_model_path()
    assert path.is_file()
    assert path.stat().st_size < 8_000_000
    assert set(tagger.languages) == {"de", "en"}


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Ich habe gestern mit Anna Schmidt telefoniert", "Anna Schmidt"),
        ("Hab heute Jürgen Weber im Laden getroffen, super nett", "Jürgen Weber"),
        ("Danke an Petra Hoffmann für den Tipp!", "Petra Hoffmann"),
    ],
)
def test_german_person(tagger: Tagger, text: str, name: str) -> None:
    assert (name, "PERSON") in _found(tagger, text, "de")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ("Talked to John Miller about the lens", "John Miller"),
        ("Thanks Sarah Johnson for the quick reply!", "Sarah Johnson"),
        ("Just met Michael Brown at the store", "Michael Brown"),
    ],
)
def test_english_person(tagger: Tagger, text: str, name: str) -> None:
    assert (name, "PERSON") in _found(tagger, text, "en")


@pytest.mark.parametrize(
    "text",
    [
        "Das Objektiv hat einen Kratzer",
        "Die Lieferung kam heute, aber die Verpackung war beschädigt.",
        "Der Akku hält leider nur einen Tag.",
        "Meine Bestellung ist immer noch nicht angekommen!",
        "Gibt es für die Kamera eine neue Firmware?",
    ],
)
def test_common_german_nouns_are_not_entities(tagger: Tagger, text: str) -> None:
    assert tagger.tag(text, "de") == []


def test_english_plain_sentence_has_no_entities(tagger: Tagger) -> None:
    assert tagger.tag("The lens arrived with a scratch, really disappointed.", "en") == []


def test_location_and_organisation(tagger: Tagger) -> None:
    found = _found(tagger, "Bin gerade in Hamburg und warte auf die Deutsche Bahn", "de")
    assert ("Hamburg", "LOCATION") in found
    assert any(label == "ORGANIZATION" and "Bahn" in s for s, label in found)


def test_offsets_index_the_original_text(tagger: Tagger) -> None:
    text = "😀😀  \n Gestern hat Jürgen Müller aus Köln angerufen 👍"
    result = tagger.tag(text, "de")
    assert result, "expected at least one entity"
    for start, end, label, score in result:
        assert 0 <= start < end <= len(text)
        assert text[start:end] == text[start:end].strip()
        assert label in LABELS
        assert 0.0 < score <= 1.0
    assert ("Jürgen Müller", "PERSON") in {(text[s:e], lab) for s, e, lab, _ in result}


def test_empty_and_blank_text(tagger: Tagger) -> None:
    assert tagger.tag("", "de") == []
    assert tagger.tag("   \n\t", "en") == []
    assert tagger.tag("!!! ???", "de") == []


def test_very_long_text(tagger: Tagger) -> None:
    sentence = "Ich habe gestern mit Anna Schmidt telefoniert. "
    text = sentence * 400
    result = tagger.tag(text, "de")
    people = [(s, e) for s, e, label, _ in result if label == "PERSON"]
    assert len(people) == 400
    assert all(text[s:e] == "Anna Schmidt" for s, e in people)


def test_scores_separate_clear_names_from_guesses(tagger: Tagger) -> None:
    [(_, _, _, score)] = [
        x for x in tagger.tag("Talked to John Miller about the lens", "en") if x[2] == "PERSON"
    ]
    assert score > 0.5


def test_language_codes(tagger: Tagger) -> None:
    text = "Ich habe gestern mit Anna Schmidt telefoniert"
    assert tagger.tag(text, "de-AT") == tagger.tag(text, "de")
    assert tagger.tag(text, "DE") == tagger.tag(text, "de")
    # Unknown languages use the English model rather than failing.
    assert tagger.tag("Talked to John Miller", "fr") == tagger.tag("Talked to John Miller", "en")


def test_cached_runtime_scores_equal_training_features(tagger: Tagger) -> None:
    """Training sums feature weights per position; tagging sums cached token vectors."""
    text = "RT @anna_k: Gestern mit Jürgen Weber in Köln bei der Telekom gewesen! #foto"
    toks = [text[s:e] for s, e in tokenize(text)]
    lm = tagger._langs["de"]
    fast = tagger._emissions(lm, toks)
    model = lm.model
    keyed = sentence_features(toks, model.gazetteers, model.char_model)
    for row, keys in zip(fast, keyed, strict=True):
        slow = [0.0] * lm.n
        for key in keys:
            base = model.index.get(key)
            if base is not None:
                for k in range(lm.n):
                    slow[k] += model.weights[base + k] * model.step
        assert row == pytest.approx(slow, abs=1e-6)


def test_corrupt_model_file_is_a_configuration_error(tmp_path: Path) -> None:
    bad = tmp_path / "model.bin.gz"
    bad.write_bytes(gzip.compress(b"not a model"))
    with pytest.raises(ConfigurationError) as info:
        load_tagger(bad)
    assert "model.bin.gz" in str(info.value)


def test_runtime_needs_no_numpy_or_downloads() -> None:
    code = (
        "import sys\n"
        "from sphere.pii.ner import load_tagger\n"
        "load_tagger().tag('Talked to John Miller', 'en')\n"
        "bad = [m for m in ('numpy', 'torch', 'spacy', 'urllib.request', 'socket') "
        "if m in sys.modules]\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def test_recall_bias_finds_more_not_fewer() -> None:
    texts = [
        "lol frag mal kevin ob er morgen kann",
        "met dave at the mall yesterday",
        "Der Support von Müller war ok, Lieferung nach Bielefeld klappte",
        "Talked to John Miller about the lens",
    ]
    plain = load_tagger()
    eager = load_tagger(recall_bias=2.0)
    n_plain = sum(len(plain.tag(t, "de")) + len(plain.tag(t, "en")) for t in texts)
    n_eager = sum(len(eager.tag(t, "de")) + len(eager.tag(t, "en")) for t in texts)
    assert n_eager > n_plain
    # Scores stay those of the unbiased model for spans both find.
    text = "Talked to John Miller about the lens"
    assert set(plain.tag(text, "en")) <= set(eager.tag(text, "en"))


def test_char_model_bins_the_mean_trigram_ratio() -> None:
    """Name-likeness of words in no list: the mean log-ratio of the word's trigrams,
    binned and clipped; words under 3 letters get none."""
    from sphere.pii.ner.features import CharModel, token_features

    cm = CharModel({"nm": {"^ab": 2.0, "abc": 1.0, "bc$": 3.0}}, step=0.5, clip=3)
    assert cm.features("abc") == ["nm=3"]  # mean 2.0 -> bin 4, clipped to 3
    assert cm.features("xyz") == ["nm=0"]
    assert cm.features("ab") == []
    # Only words that no gazetteer lists get the feature, and only at the centre.
    feats = token_features("Abc", {"fn": frozenset({"abc"})}, cm)
    assert not any(f.startswith("nm=") for pos in feats for f in feats[pos])
    feats = token_features("Abc", {"fn": frozenset()}, cm)
    assert "nm=3" in feats[0] and "nm=3" not in feats[1]

"""The committed evaluation files and their generator are consistent and reproducible."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from sphere.errors import InvalidInput
from sphere.pii.eval import templates_de, templates_en
from sphere.pii.eval.dataset import SEED, build_files, handwritten_posts
from sphere.pii.eval.labels import (
    ENTITY_TYPES,
    LabelledPost,
    LabelledSpan,
    check_post,
    iter_posts,
    load_posts,
)
from sphere.pii.eval.markup import parse_markup
from sphere.pii.eval.synthetic import generate, render

EVAL_DIR = Path(__file__).resolve().parents[4] / "eval" / "pii"


@pytest.fixture(scope="module")
def committed() -> list[LabelledPost]:
    return load_posts(EVAL_DIR)


def test_committed_set_is_large_enough_and_bilingual(committed: list[LabelledPost]) -> None:
    assert len(committed) >= 2000
    by_lang = Counter(p.lang for p in committed)
    assert by_lang["de"] >= 900 and by_lang["en"] >= 900
    assert sum(p.source == "handwritten" for p in committed) >= 150


def test_committed_labels_are_consistent(committed: list[LabelledPost]) -> None:
    problems = [problem for post in committed for problem in check_post(post)]
    assert problems == []


def test_committed_ids_are_unique(committed: list[LabelledPost]) -> None:
    assert len({p.id for p in committed}) == len(committed)


def test_every_entity_type_is_represented(committed: list[LabelledPost]) -> None:
    seen = {s.type for p in committed for s in p.spans}
    assert seen == ENTITY_TYPES


def test_handwritten_set_has_negatives_and_special_categories(
    committed: list[LabelledPost],
) -> None:
    hand = [p for p in committed if p.source == "handwritten"]
    negatives = [p for p in hand if "negative" in p.tags]
    assert len(negatives) >= 20
    assert all(not p.spans for p in negatives)
    assert sum("special-category" in p.tags for p in hand) >= 15


def test_committed_files_match_the_generator(tmp_path: Path) -> None:
    build_files(tmp_path, seed=SEED)
    for path in sorted(EVAL_DIR.glob("*.jsonl")):
        # Stale after a template edit or a Faker upgrade (its word lists change): rebuild with
        # `python -m sphere.pii.eval.dataset --out eval/pii` and commit the files.
        assert (tmp_path / path.name).read_bytes() == path.read_bytes(), f"{path.name} is stale"


def test_generation_is_deterministic_and_seed_dependent() -> None:
    first = [p.to_json() for p in generate("de", 50, seed=7)]
    assert first == [p.to_json() for p in generate("de", 50, seed=7)]
    assert first != [p.to_json() for p in generate("de", 50, seed=8)]


def test_templates_are_plentiful() -> None:
    assert len(templates_de.TEMPLATES) >= 60
    assert len(templates_en.TEMPLATES) >= 60


def test_render_records_span_of_each_slot() -> None:
    values = {"name": "Jonas Weber", "version": "1.2.3.4"}
    text, spans = render("Hi {name}, v{version}", values.__getitem__)
    assert text == "Hi Jonas Weber, v1.2.3.4"
    assert spans == (LabelledSpan(3, 14, "PERSON"),)  # the version decoy is unlabelled


def test_parse_markup_yields_exact_offsets() -> None:
    text, spans = parse_markup("Mein Kollege [[Jonas Weber|PERSON]] aus [[Köln|LOCATION]]")
    assert text == "Mein Kollege Jonas Weber aus Köln"
    assert [text[s.start : s.end] for s in spans] == ["Jonas Weber", "Köln"]


@pytest.mark.parametrize(
    "marked",
    ["[[Jonas|NAME]]", "[[Jonas|PERSON]", "x ]] y"],
    ids=["unknown-type", "unbalanced", "stray-close"],
)
def test_parse_markup_rejects_bad_labels(marked: str) -> None:
    with pytest.raises(InvalidInput):
        parse_markup(marked)


def test_check_post_reports_each_kind_of_problem() -> None:
    post = LabelledPost(
        id="t1",
        lang="fr",
        text="ab cd",
        spans=(LabelledSpan(0, 3, "PERSON"), LabelledSpan(1, 2, "NAME"), LabelledSpan(4, 9, "URL")),
    )
    problems = " | ".join(check_post(post))
    assert "unknown language" in problems
    assert "unknown type" in problems
    assert "out of range" in problems
    assert "has outer whitespace" in problems
    assert "overlap" in problems
    assert "ab cd" not in problems  # problems never quote the text


def test_malformed_line_names_the_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "x"}\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="bad.jsonl:1"):
        list(iter_posts(bad))


def test_handwritten_posts_roundtrip_through_json() -> None:
    for post in handwritten_posts():
        assert LabelledPost.from_json(post.to_json()) == post

"""Sphere vs Microsoft Presidio on the same labelled posts, then on the same 20k corpus.

    .venv/bin/pip install presidio-analyzer presidio-anonymizer spacy   # not installed by this
    .venv/bin/python bench/pii_compare_presidio.py
    .venv/bin/python bench/pii_compare_presidio.py --skip-throughput --posts 5000

Presidio configuration (printed with the results, because it shapes them):

* No spaCy model can be downloaded here, so Presidio runs on ``spacy.blank("de")`` and
  ``spacy.blank("en")`` through a ``SpacyNlpEngine`` subclass whose ``load()`` builds blank
  pipelines. Blank pipelines tokenize (context words still work) but have no NER: Presidio
  cannot find PERSON, LOCATION, ORGANIZATION or NER dates here, so its SpacyRecognizer
  is removed and those types are not compared (Sphere's figures for them are shown alone).
* All predefined recognizers for ``en`` and ``de`` are loaded, and the German ones that
  ship disabled (DeTaxId, DeSocialSecurity, DeIdCard, DePassport, DeKfz, DePlz, …) are
  enabled for both languages, as are the credit-card and phone recognizers for ``de``.
* tldextract (used by the e-mail recognizer) is set to its bundled suffix list, so
  nothing is fetched from the network.

Entity names are mapped onto Sphere's: DE_SOCIAL_SECURITY → DE_PENSION_NUMBER,
DE_KFZ → DE_LICENSE_PLATE, DE_PLZ → LOCATION. Sphere's DATE_OF_BIRTH is compared as
DATE_TIME (gold and Sphere's predictions), since Presidio has no birth-date type.
Throughput: all are whole processes, start-up included, pinned to one core: ``sphere
scrub`` (the documented command), ``python -m sphere.cli.scrub`` (the same command
without importing the other sub-commands) and Presidio's analyzer + anonymizer in a
worker process of this script. Wall time and CPU time (user + system) are both printed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_pii import (  # noqa: E402
    DEFAULT_POSTS,
    OUT_DIR,
    corpus_path,
    load_note,
    measure,
    measure_sphere,
    measure_sphere_module,
    print_runs,
)
from pii_eval import (  # noqa: E402
    DEFAULT_DATA,
    negative_alarms,
    predict_all,
    print_tables,
    reports_for,
    sphere_predictor,
)
from sphere.pii.eval.labels import ENTITY_TYPES, LabelledPost, LabelledSpan, load_posts  # noqa: E402
from sphere.pii.eval.metrics import ALL, EXACT, OVERLAP  # noqa: E402

PRESIDIO_TO_SPHERE = {
    "DE_SOCIAL_SECURITY": "DE_PENSION_NUMBER",
    "DE_KFZ": "DE_LICENSE_PLATE",
    "DE_PLZ": "LOCATION",
}
GOLD_FOR_COMPARISON = {"DATE_OF_BIRTH": "DATE_TIME"}
NER_ONLY = {"PERSON", "LOCATION", "NRP", "ORGANIZATION"}
LANGS = ("de", "en")
GERMAN_RECOGNIZERS = (
    "DeTaxIdRecognizer",
    "DeTaxNumberRecognizer",
    "DePassportRecognizer",
    "DeIdCardRecognizer",
    "DeSocialSecurityRecognizer",
    "DeHealthInsuranceRecognizer",
    "DeKfzRecognizer",
    "DeHandelsregisterRecognizer",
    "DePlzRecognizer",
    "DeLanrRecognizer",
    "DeBsnrRecognizer",
    "DeVatIdRecognizer",
    "DeFuehrerscheinRecognizer",
)
CONFIG_NOTE = (
    "Presidio: spacy.blank('de'/'en') NLP engine (no NER => no PERSON/LOCATION/ORG); "
    "all predefined en/de recognizers + German recognizers enabled for de and en; "
    "SpacyRecognizer removed; tldextract offline (bundled suffix list)."
)


def build_presidio() -> tuple[Any, Any, list[str]]:
    """(AnalyzerEngine, AnonymizerEngine, names of loaded recognizers) — blank spaCy, offline."""
    import logging

    import spacy
    import tldextract.tldextract as tldx
    from presidio_analyzer import AnalyzerEngine, RecognizerRegistry
    from presidio_analyzer import predefined_recognizers as predefined
    from presidio_analyzer.nlp_engine import SpacyNlpEngine
    from presidio_anonymizer import AnonymizerEngine

    logging.getLogger("presidio-analyzer").setLevel(logging.ERROR)
    tldx.TLD_EXTRACTOR = tldx.TLDExtract(suffix_list_urls=(), cache_dir=None)

    class BlankSpacyNlpEngine(SpacyNlpEngine):  # type: ignore[misc]
        """SpacyNlpEngine over ``spacy.blank(lang)``: tokens and lemmas-as-text, no NER."""

        def load(self) -> None:
            self.nlp = {m["lang_code"]: spacy.blank(m["lang_code"]) for m in self.models}

    nlp_engine = BlankSpacyNlpEngine(
        models=[{"lang_code": lang, "model_name": f"blank:{lang}"} for lang in LANGS]
    )
    nlp_engine.load()
    registry = RecognizerRegistry(supported_languages=list(LANGS))
    registry.load_predefined_recognizers(languages=list(LANGS), nlp_engine=nlp_engine)
    registry.remove_recognizer("SpacyRecognizer")
    for lang in LANGS:
        for name in GERMAN_RECOGNIZERS:
            registry.add_recognizer(getattr(predefined, name)(supported_language=lang))
    registry.add_recognizer(
        predefined.CreditCardRecognizer(
            supported_language="de",
            context=["kreditkarte", "karte", "visa", "mastercard", "amex", "abgebucht"],
        )
    )
    analyzer = AnalyzerEngine(
        nlp_engine=nlp_engine, registry=registry, supported_languages=list(LANGS)
    )
    names = sorted({f"{r.name}/{r.supported_language}" for r in registry.recognizers})
    return analyzer, AnonymizerEngine(), names


def presidio_predictor(analyzer: Any) -> Any:
    def predict(post: LabelledPost) -> list[LabelledSpan]:
        results = analyzer.analyze(text=post.text, language=post.lang)
        return [
            LabelledSpan(r.start, r.end, PRESIDIO_TO_SPHERE.get(r.entity_type, r.entity_type))
            for r in results
        ]

    return predict


def run_presidio_worker(corpus: Path, output: Path) -> int:
    """Presidio's analyze + anonymize over the corpus, for the throughput measurement."""
    analyzer, anonymizer, _ = build_presidio()
    with corpus.open(encoding="utf-8") as src, output.open("w", encoding="utf-8") as out:
        for line in src:
            post = json.loads(line)
            results = analyzer.analyze(text=post["text"], language=post["lang"])
            text = anonymizer.anonymize(text=post["text"], analyzer_results=results).text
            out.write(json.dumps({"id": post["id"], "text": text}, ensure_ascii=False) + "\n")
    return 0


def compare_quality(data: Path) -> None:
    posts = load_posts(data)
    print(f"eval set: {len(posts)} posts from {data}")
    started = time.perf_counter()
    sphere_predict = sphere_predictor()
    sphere_build = time.perf_counter() - started
    started = time.perf_counter()
    presidio, _, names = build_presidio()
    presidio_build = time.perf_counter() - started
    print(f"Sphere analyzer built in {sphere_build:.2f}s; Presidio in {presidio_build:.2f}s")
    print(CONFIG_NOTE)
    print(f"Presidio recognizers ({len(names)}): {', '.join(names)}")

    sphere_pred, sphere_s = predict_all(posts, sphere_predict)
    presidio_pred, presidio_s = predict_all(posts, presidio_predictor(presidio))
    print(
        f"analysis, in-process, eval set: Sphere {len(posts) / sphere_s:.0f} posts/s, "
        f"Presidio {len(posts) / presidio_s:.0f} posts/s"
    )

    supported: set[str] = set()
    for lang in LANGS:
        supported |= {PRESIDIO_TO_SPHERE.get(e, e) for e in presidio.get_supported_entities(lang)}
    gold_types = {GOLD_FOR_COMPARISON.get(t, t) for t in ENTITY_TYPES}
    common = sorted((supported & gold_types) - (NER_ONLY - {"LOCATION"}))
    sphere_only = sorted(gold_types - set(common))
    sphere_mapped = [
        [LabelledSpan(s.start, s.end, GOLD_FOR_COMPARISON.get(s.type, s.type)) for s in pred]
        for pred in sphere_pred
    ]
    print(f"\ncompared types (both can emit them): {', '.join(common)}")
    print("LOCATION for Presidio = DE_PLZ (postcode) only; exact match cannot succeed there.")

    reports = {
        mode: {
            "Sphere": reports_for(
                posts,
                sphere_mapped,
                mode=mode,
                score_types=set(common),
                gold_map=GOLD_FOR_COMPARISON,
            ),
            "Presidio (blank spaCy)": reports_for(
                posts,
                presidio_pred,
                mode=mode,
                score_types=set(common),
                gold_map=GOLD_FOR_COMPARISON,
            ),
        }
        for mode in (EXACT, OVERLAP)
    }
    print_tables(reports, langs=["de", "en", ALL], types=[*common, ALL])

    only = {
        mode: {
            "Sphere": reports_for(
                posts,
                sphere_mapped,
                mode=mode,
                score_types=set(sphere_only),
                gold_map=GOLD_FOR_COMPARISON,
            )
        }
        for mode in (EXACT, OVERLAP)
    }
    print("\n-- types Presidio cannot emit in this configuration (Sphere alone) --")
    print_tables(only, langs=[ALL], types=sphere_only)

    for name, preds in (("Sphere", sphere_mapped), ("Presidio", presidio_pred)):
        in_scope = [[p for p in pred if p.type in common] for pred in preds]
        flagged, total = negative_alarms(posts, in_scope)
        any_type = reports_for(
            posts, preds, mode=OVERLAP, any_type=True, gold_map=GOLD_FOR_COMPARISON
        )
        c = any_type.get(ALL, ALL)
        print(
            f"{name}: negative posts flagged (compared types) {flagged}/{total}; "
            f"any-type overlap over all gold P={c.precision:.3f} R={c.recall:.3f} F1={c.f1:.3f}"
        )
    unscored = reports[EXACT]["Presidio (blank spaCy)"].unscored
    print(f"Presidio predictions of types outside the comparison: {dict(sorted(unscored.items()))}")


def compare_throughput(posts: int) -> None:
    corpus = corpus_path(posts)
    print(
        f"\n== throughput: {posts} posts ({corpus.name}), whole process incl. start-up, one core =="
    )
    print(f"before: {load_note()}")
    sphere = measure_sphere(corpus, posts)
    module = measure_sphere_module(corpus, posts)
    presidio = measure(
        "Presidio analyzer+anonymizer",
        [
            sys.executable,
            __file__,
            "--presidio-worker",
            "--input",
            str(corpus),
            "--output",
            str(OUT_DIR / "pii_scrubbed_presidio.jsonl"),
        ],
        posts=posts,
        note="in-process worker, blank spaCy pipelines",
    )
    print_runs([sphere, module, presidio])
    if presidio.posts_per_second and presidio.posts_per_cpu_second:
        for run in (sphere, module):
            wall = run.posts_per_second / presidio.posts_per_second
            cpu = run.posts_per_cpu_second / presidio.posts_per_cpu_second
            print(f"{run.label} / Presidio throughput: {wall:.2f}x wall-clock, {cpu:.2f}x CPU time")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--posts", type=int, default=DEFAULT_POSTS)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-throughput", action="store_true")
    parser.add_argument("--presidio-worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--input", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]
    if args.presidio_worker:
        return run_presidio_worker(args.input, args.output)
    if not args.skip_quality:
        compare_quality(args.data)
    if not args.skip_throughput:
        compare_throughput(args.posts)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Train the shipped NER model (``src/sphere/pii/ner/model.bin.gz``) from the shared corpora.

Usage::

    .venv/bin/python scripts/train_ner.py [--data ../shared/data/ner] [--out PATH]
                                          [--epochs 10] [--seed 13]

The data directory may also be given as ``SPHERE_NER_DATA``. Runs on one core in a few
minutes and is deterministic for a fixed seed. Prints dev precision/recall/F1 per label
and language, measured with the *runtime* tagger on the written file.

Model: averaged structured perceptron, first-order Viterbi over BIO labels for
PERSON/LOCATION/ORGANIZATION, one weight table per language (de, en). Features are in
``sphere.pii.ner.features``. See ``docs/ner.md`` for the data and its handling.

Training-time only dependencies: numpy, Faker (name and place lists, synthetic posts).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sphere.pii.eval.realtext import (  # noqa: E402
    DEV,
    TRAIN,
    RealRecord,
    is_handle,
    load_corpus,
)
from sphere.pii.ner.features import CharModel, sentence_features  # noqa: E402
from sphere.pii.ner.model_file import update_meta, write_model  # noqa: E402
from sphere.pii.ner.tagger import default_model_path, load_tagger  # noqa: E402
from sphere.pii.ner.tokenize import tokenize  # noqa: E402

#: IO labels (no B-): 4 instead of 7 BIO labels makes every score vector and Viterbi
#: step ~40% cheaper at run time; two adjacent names of one type merge into one span,
#: which for scrubbing is harmless.
LABELS = ["O", "I-PER", "I-LOC", "I-ORG"]
TYPE_OF = {"PERSON": "PER", "LOCATION": "LOC", "ORGANIZATION": "ORG"}
NAME_OF = {v: k for k, v in TYPE_OF.items()}
FORBIDDEN = -1e9
#: Training weight per source (1.0 if not listed): court text, historical OCR and
#: traffic reports teach less about posts; lower-cased copies are augmentation.
SOURCE_WEIGHT = {
    "ler": 0.5,
    "europeana": 0.3,
    "mobie": 0.5,
    "wikigold": 0.7,
    "wnut17_lower": 0.5,
    "btc_lower": 0.5,
    "smartdata_lower": 0.5,
}
#: Sources also used (at ``--cross-weight``) to train the other language's model.
CROSS_SOURCES = frozenset({"wnut17", "btc", "wikigold", "germeval", "smartdata"})
LATIN_LOCALES = [
    "de_DE",
    "de_AT",
    "de_CH",
    "en_US",
    "en_GB",
    "tr_TR",
    "pl_PL",
    "it_IT",
    "fr_FR",
    "es_ES",
    "nl_NL",
]


@dataclass
class Example:
    text: str
    spans: list[tuple[int, int, str]]  # (start, end, PERSON|LOCATION|ORGANIZATION)
    source: str


# ---------------------------------------------------------------- data


def read_jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def to_example(rec: dict, source: str) -> Example:
    spans = []
    for s in rec["spans"]:
        if s["label"] not in TYPE_OF:
            continue
        surface = rec["text"][s["start"] : s["end"]]
        # @handles: BTC labels them, WNUT does not; a pattern recognizer owns them.
        if surface.startswith("@") and " " not in surface:
            continue
        spans.append((s["start"], s["end"], s["label"]))
    return Example(rec["text"], spans, source)


def from_real(rec: RealRecord) -> Example:
    spans = [
        (g.start, g.end, g.label)
        for g in rec.spans
        if g.label in TYPE_OF and not is_handle(rec.text, g)
    ]
    return Example(rec.text, spans, rec.corpus)


def lowered(examples: list[Example], rng: random.Random, share: float) -> list[Example]:
    """Lower-cased copies of a share of social posts: names in lower-case posts
    ("amy schumer", "frag mal kevin") are common in comments and rare in the data."""
    picked = [ex for ex in examples if rng.random() < share]
    return [Example(ex.text.lower(), ex.spans, ex.source + "_lower") for ex in picked]


def load_corpora(data: Path, rng: random.Random, ler_train: int, ler_dev: int, lower: float):
    """Train and dev sets per language, split by ``sphere.pii.eval.realtext`` (the held-out
    split is never loaded here)."""
    en_train: list[Example] = []
    de_train: list[Example] = []
    en_dev: dict[str, list[Example]] = {"wnut17_dev": [], "btc_dev": []}
    de_dev: dict[str, list[Example]] = {"germeval": [], "smartdata": []}
    for corpus in ("wnut17", "btc", "wikigold", "wnut17_dev", "btc_dev"):
        for rec in load_corpus(data, corpus):
            if rec.split == TRAIN:
                en_train.append(from_real(rec))
            elif rec.split == DEV:
                en_dev[corpus].append(from_real(rec))
    for corpus in ("germeval", "smartdata", "mobie", "europeana"):
        for rec in load_corpus(data, corpus):
            if rec.split == TRAIN:
                de_train.append(from_real(rec))
            elif rec.split == DEV:
                de_dev[corpus].append(from_real(rec))
    social_en = [ex for ex in en_train if ex.source in ("wnut17", "btc")]
    en_train += lowered(social_en, rng, lower)
    social_de = [ex for ex in de_train if ex.source == "smartdata"]
    de_train += lowered(social_de, rng, lower)
    ler_tr = [
        from_real(r)
        for r in load_corpus(data, "ler")
        if len(r.text) <= 600 and r.id and "dev" not in str(r.id)
    ]
    # Subsample court text: keep sentences with entities preferentially, some without.
    with_ent = [e for e in ler_tr if e.spans]
    without = [e for e in ler_tr if not e.spans]
    rng.shuffle(with_ent)
    rng.shuffle(without)
    half = ler_train // 2
    de_train += with_ent[:half] + without[: ler_train - min(half, len(with_ent))]
    return en_train, en_dev, de_train, de_dev


# ---------------------------------------------------------------- gazetteers + synthetic


def _faker_names() -> tuple[set[str], set[str], set[str]]:
    from faker import Faker

    first: set[str] = set()
    last: set[str] = set()
    for loc in LATIN_LOCALES:
        fk = Faker(loc)
        prov = next(
            p for p in fk.providers if type(p).__module__.startswith("faker.providers.person")
        )
        for attr in ("first_names", "first_names_male", "first_names_female"):
            names = getattr(prov, attr, ())
            first.update(n.lower() for n in (names.keys() if isinstance(names, dict) else names))
        names = getattr(prov, "last_names", ())
        last.update(n.lower() for n in (names.keys() if isinstance(names, dict) else names))
    places: set[str] = set()
    for loc in ("de_DE", "de_AT", "de_CH", "en_US", "en_GB"):
        fk = Faker(loc)
        for p in fk.providers:
            for attr in (
                "cities",
                "states",
                "countries",
                "municipality_key",
                "provinces",
                "cantons",
            ):
                vals = getattr(p, attr, None)
                if isinstance(vals, (list, tuple)):
                    for v in vals:
                        if isinstance(v, str):
                            places.add(v.lower())
                        elif isinstance(v, tuple) and v and isinstance(v[-1], str):
                            places.add(v[-1].lower())
    return first, last, places


def _tsv(path: Path) -> Iterable[dict[str, str]]:
    import csv
    import gzip

    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh, delimiter="\t", quoting=csv.QUOTE_NONE)


def gazetteers(names_dir: Path | None, *, rare: bool = False) -> dict[str, list[str]]:
    """Token gazetteers: frequent (``fn``, ``ln``, ``loc``) and rarer (``fn2``, ``ln2``,
    ``loc2``) first names, surnames and places. Sources: Faker's lists and, when
    ``names_dir`` exists, the public lists in ``../shared/data/names`` (US SSA and Census,
    UK ONS/NRS/NISRA, Berlin/Köln/Leipzig/München open data, GeoNames; attribution in
    docs/data-attribution.md). Only single words (hyphens allowed) are kept: the tagger
    looks up one token at a time."""
    first, last, places = _faker_names()
    first2: set[str] = set()
    last2: set[str] = set()
    places2: set[str] = set()
    # The rare tier (``--rare-names``): names too rare for the second tier, kept apart
    # so the model weighs them on their own ("Ishawna", "Kapil", "Mulally").
    first3: set[str] = set()
    last3: set[str] = set()
    drop: set[str] = set()
    if names_dir is not None and names_dir.is_dir():
        for row in _tsv(names_dir / "us_ssa_first_names.tsv.gz"):
            n = int(row["count_total"])
            (first if n >= 2000 else first2 if n >= 100 else first3 if rare else drop).add(
                row["name"].lower()
            )
        for row in _tsv(names_dir / "gb_first_names.tsv.gz"):
            n = int(row["count_total"])
            (first if n >= 500 else first2 if n >= 30 else first3 if rare else drop).add(
                row["name"].lower()
            )
        for row in _tsv(names_dir / "de_city_first_names.tsv.gz"):
            n = int(row["count_total"])
            (first if n >= 30 else first2 if n >= 4 else first3 if rare else drop).add(
                row["name"].lower()
            )
        for row in _tsv(names_dir / "us_census1990_first_names.tsv"):
            first.add(row["name"].lower())
        for row in _tsv(names_dir / "us_census2000_surnames.tsv.gz"):
            n = int(row["count"])
            (last if n >= 3000 else last2 if n >= 300 else last3 if rare else drop).add(
                row["surname"].lower()
            )
        for row in _tsv(names_dir / "geonames_cities15000.tsv.gz"):
            target = places if int(row["population"] or 0) >= 50_000 else places2
            target.add(row["name"].lower())
            target.add(row["asciiname"].lower())
            if int(row["population"] or 0) >= 200_000:
                for alt in row["alternatenames_latin"].split("|"):
                    if alt[:1].isupper():
                        places2.add(alt.lower())
        for row in _tsv(names_dir / "places_postal_de_at_ch_li_us_gb.tsv.gz"):
            (places if row["kind"] == "admin1" else places2).add(row["name"].lower())
    first2 -= first
    last2 -= last
    places2 -= places
    first3 -= first | first2
    last3 -= last | last2

    def one_word(words: set[str]) -> list[str]:
        return sorted(w for w in words if len(w) > 1 and w.replace("-", "").isalpha())

    out = {
        "fn": one_word(first),
        "ln": one_word(last),
        "loc": one_word(places),
        "fn2": one_word(first2),
        "ln2": one_word(last2),
        "loc2": one_word(places2),
    }
    if rare:
        out["fn3"] = one_word(first3)
        out["ln3"] = one_word(last3)
    return out


#: Gazetteers that inform the weights but never make a lower-case word a candidate.
NON_CANDIDATE_GAZETTEERS = frozenset({"dw"})


def dictionary_words(
    examples: Iterable[Example], *, min_count: int, max_inside: float = 0.05
) -> list[str]:
    """Lower-cased words seen at least ``min_count`` times in a language's training text
    and inside an entity less than ``max_inside`` of the time: its everyday vocabulary
    (German nouns are capitalised, so "Vertrag" counts; "Stoiber" does not). A word
    outside this list, capitalised, is more likely a name. Lower-cased copies are
    skipped (they would count the same words twice)."""
    import re

    seen: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    word = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
    for ex in examples:
        if ex.source.endswith("_lower"):
            continue
        for m in word.finditer(ex.text):
            low = m.group().lower()
            seen[low] += 1
            if any(s <= m.start() < e for s, e, _ in ex.spans):
                inside[low] += 1
    return sorted(
        w for w, n in seen.items() if n >= min_count and inside[w] <= max_inside * n and len(w) > 1
    )


DE_NOUNS = [
    "Objektiv",
    "Kamera",
    "Akku",
    "Lieferung",
    "Versand",
    "Kundenservice",
    "Rechnung",
    "Bestellung",
    "Paket",
    "Garantie",
    "Reparatur",
    "Display",
    "Gehäuse",
    "Ladegerät",
    "Stativ",
    "Blitz",
    "Sensor",
    "Bild",
    "Foto",
    "Video",
    "Preis",
    "Angebot",
    "Rabatt",
    "Update",
    "Software",
    "Firmware",
    "Anleitung",
    "Hotline",
    "Filiale",
    "Termin",
    "Rückgabe",
    "Umtausch",
    "Ersatzteil",
    "Kabel",
    "Tasche",
    "Speicherkarte",
    "Zoom",
    "Fokus",
    "Autofokus",
    "Linse",
    "Qualität",
    "Farbe",
    "Bildstabilisator",
    "Problem",
    "Fehler",
    "Kratzer",
    "Schaden",
    "Woche",
    "Tag",
    "Urlaub",
    "Wetter",
    "Abend",
    "Morgen",
    "Wochenende",
    "Freund",
    "Kollege",
    "Chef",
    "Nachbar",
    "Mama",
    "Papa",
]
DE_ADJ = [
    "super",
    "toll",
    "kaputt",
    "defekt",
    "klasse",
    "schlecht",
    "teuer",
    "günstig",
    "langsam",
    "schnell",
    "scharf",
]
DE_PERSON_TEMPLATES = [
    "Ich habe gestern mit {p} telefoniert",
    "Hab heute {p} im {n}laden getroffen",
    "Danke an {p} für den Tipp mit dem {n}!",
    "{p} hat mir das {n} empfohlen, ist echt {a}",
    "Frag mal {p}, der kennt sich mit {n} aus",
    "@{h} {p} meinte, der {n} sei {a}",
    "Grüße an {p} aus {c}!",
    "{p} aus {c} hat den {n} reklamiert",
    "Mein Kollege {p} sagt, der {n} ist {a}.",
    "Laut {p} ist die {n} {a} 😂",
    "Schöne Grüße von {p} und {p2}",
    "Wer kennt {p}? Brauche Hilfe mit meinem {n}",
    "Hab {p} eine Mail geschrieben wegen der {n}",
    "Der Support-Mitarbeiter {p} war sehr freundlich",
    "Herr {l} vom Kundenservice hat sofort geholfen",
    "Frau {l} hat mir die {n} erklärt",
    "Liebe {f}, vielen Dank für das {n}!",
    "{f} und ich waren am Wochenende in {c}",
    "Ich und {f} finden den {n} {a}",
    "RT @{h}: {p} über den neuen {n} #foto",
    "Treffe mich morgen mit {f} in {c}",
    "{p}, {p2} und {f} waren dabei",
    "War mit {f} bei {o}, die {n} war {a}",
    "Bei {o} in {c} gekauft, {n} ist {a}",
    "Hat jemand Erfahrung mit {o}? Mein {n} ist {a}",
    "{o} hat meine {n} immer noch nicht geschickt",
    "Unterwegs in {c} mit dem neuen {n}",
    "Morgen geht's nach {c} 📷",
    "Gerade mit {f} gesprochen, der {n} kommt {a} an",
    "Sag {f} bitte, dass die {n} da ist",
]
DE_PLAIN_TEMPLATES = [
    "Das {n} hat einen {n2}",
    "Der {n} ist {a}, aber die {n2} ist {a2}",
    "Die {n} kam heute an, {n2} fehlt",
    "Mein {n} ist seit dem {n2} {a}",
    "Wie lange dauert die {n}?",
    "Super {n}, {a}e {n2}!",
    "Kann mir jemand bei der {n} helfen?",
    "Leider ist das {n} nach einer {n2} {a}",
    "Ich warte seit einer Woche auf die {n}",
    "Gibt es für das {n} ein {n2}?",
    "Am {n} war der {n2} {a}",
    "Endlich Wochenende! Das {n} liegt schon bereit",
]
DE_ORGS = [
    "Telekom",
    "Deutsche Bahn",
    "Vodafone",
    "Sparkasse",
    "MediaMarkt",
    "Saturn",
    "Amazon",
    "DHL",
    "Hermes",
    "Lufthansa",
    "Siemens",
    "Allianz",
    "ADAC",
    "Otto",
    "Zalando",
    "Rossmann",
    "Volksbank",
]


def synthetic_german(rng: random.Random, n: int) -> list[Example]:
    from faker import Faker

    fake = Faker("de_DE")
    fake.seed_instance(rng.randrange(1 << 30))
    out: list[Example] = []
    for i in range(n):
        plain = i % 3 == 2
        tpl = rng.choice(DE_PLAIN_TEMPLATES if plain else DE_PERSON_TEMPLATES)
        slots = {
            "p": (
                "PERSON",
                f"{fake.first_name()} {fake.last_name()}"
                if rng.random() < 0.7
                else fake.first_name(),
            ),
            "p2": ("PERSON", f"{fake.first_name()} {fake.last_name()}"),
            "f": ("PERSON", fake.first_name()),
            "l": ("PERSON", fake.last_name()),
            "c": ("LOCATION", fake.city()),
            "o": ("ORGANIZATION", rng.choice(DE_ORGS)),
            "h": (None, fake.user_name()),
            "n": (None, rng.choice(DE_NOUNS)),
            "n2": (None, rng.choice(DE_NOUNS)),
            "a": (None, rng.choice(DE_ADJ)),
            "a2": (None, rng.choice(DE_ADJ)),
        }
        text, spans, pos = "", [], 0
        while True:
            j = tpl.find("{", pos)
            if j < 0:
                text += tpl[pos:]
                break
            k = tpl.index("}", j)
            text += tpl[pos:j]
            label, value = slots[tpl[j + 1 : k]]
            if label:
                spans.append((len(text), len(text) + len(value), label))
            text += value
            pos = k + 1
        out.append(Example(text, spans, "synthetic_de"))
    return out


def common_lowercase_words(examples: Iterable[Example], *, min_count: int = 10) -> list[str]:
    """Words seen in lower case at least ``min_count`` times in the training text and
    inside an entity less than 5% of the time ("will", "may", "love", "the"). The tagger
    does not decode them on their own (a run-time speed-up; stored in the model file)."""
    import re

    seen: Counter[str] = Counter()
    inside: Counter[str] = Counter()
    word = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
    for ex in examples:
        if ex.source.endswith("_lower"):
            continue
        for m in word.finditer(ex.text):
            w = m.group()
            low = w.lower()
            if w == low:
                seen[low] += 1
                if any(s <= m.start() < e for s, e, _ in ex.spans):
                    inside[low] += 1
    return sorted(w for w, n in seen.items() if n >= min_count and inside[w] < 0.05 * n)


def char_model_spec(
    gaz_lists: dict[str, list[str]], words: list[str], *, step: float = 0.5, clip: int = 6
) -> dict:
    """Naive-Bayes character-trigram tables (see ``sphere.pii.ner.features.CharModel``):
    person names (every ``fn``/``ln`` tier) and places (``loc`` tiers) against everyday
    words of the language (``words``), add-one smoothed, one log-ratio per trigram."""
    import math

    def grams(word: str) -> list[str]:
        padded = f"^{word}$"
        return [padded[i : i + 3] for i in range(len(padded) - 2)]

    def counts(ws: Iterable[str]) -> Counter[str]:
        c: Counter[str] = Counter()
        for w in ws:
            letters = "".join(ch for ch in w if ch.isalpha())
            if len(letters) >= 3:
                c.update(grams(letters))
        return c

    names = {w for k, v in gaz_lists.items() if k[:2] in ("fn", "ln") for w in v}
    places = {w for k, v in gaz_lists.items() if k.startswith("loc") for w in v}
    everyday = counts(words)
    tables: dict[str, dict[str, float]] = {}
    for label, group in (("nm", names), ("pl", places)):
        c = counts(group)
        vocab = len(set(c) | set(everyday))
        n_c, n_w = sum(c.values()) + vocab, sum(everyday.values()) + vocab
        table = {}
        for g in set(c) | set(everyday):
            v = math.log((c[g] + 1) / n_c) - math.log((everyday[g] + 1) / n_w)
            if abs(v) >= 0.05:
                table[g] = round(v, 2)
        tables[label] = dict(sorted(table.items()))
    return {"tables": tables, "step": step, "clip": clip}


# ---------------------------------------------------------------- encoding


def bio(ex: Example) -> tuple[list[tuple[int, int]], list[int]]:
    toks = tokenize(ex.text)
    tags = [0] * len(toks)
    for start, end, label in ex.spans:
        typ = TYPE_OF[label]
        for i, (s, e) in enumerate(toks):
            if e <= start or s >= end:
                continue
            if tags[i]:
                continue
            tags[i] = LABELS.index("I-" + typ)
    return toks, tags


class Encoder:
    def __init__(self, gaz: dict[str, frozenset[str]], char_model=None) -> None:
        self.gaz = gaz
        self.char_model = char_model
        self.index: dict[str, int] = {}
        self.counts: Counter[int] = Counter()

    def encode(self, ex: Example, grow: bool):
        toks, tags = bio(ex)
        if not toks:
            return None
        words = [ex.text[s:e] for s, e in toks]
        rows = []
        for keys in sentence_features(words, self.gaz, self.char_model):
            ids = []
            for key in keys:
                idx = self.index.get(key)
                if idx is None and grow:
                    idx = self.index[key] = len(self.index)
                if idx is not None:
                    ids.append(idx)
                    if grow:
                        self.counts[idx] += 1
            rows.append(ids)
        lens = np.array([len(r) for r in rows], dtype=np.int64)
        flat = np.fromiter((i for r in rows for i in r), dtype=np.int64, count=int(lens.sum()))
        return flat, lens, np.array(tags, dtype=np.int64)


def allowed() -> tuple[np.ndarray, np.ndarray]:
    """Allowed transitions and start labels: with IO labels every move is allowed; with
    BIO labels an I- label only continues its own type."""
    n = len(LABELS)
    io = not any(lab.startswith("B-") for lab in LABELS)
    trans = np.zeros((n, n), dtype=bool)
    start = np.zeros(n, dtype=bool)
    for j, lab in enumerate(LABELS):
        start[j] = io or not lab.startswith("I-")
        for i, prev in enumerate(LABELS):
            trans[i, j] = io or not lab.startswith("I-") or prev[2:] == lab[2:]
    return trans, start


def emissions(W: np.ndarray, flat: np.ndarray, lens: np.ndarray) -> np.ndarray:
    offsets = np.concatenate(([0], np.cumsum(lens)[:-1]))
    rows = W[flat]
    out = np.add.reduceat(rows, offsets, axis=0) if len(flat) else np.zeros((len(lens), W.shape[1]))
    out[lens == 0] = 0.0
    return out


def viterbi(em: np.ndarray, T: np.ndarray, S: np.ndarray) -> np.ndarray:
    n = em.shape[0]
    score = S + em[0]
    back = np.zeros((n, em.shape[1]), dtype=np.int64)
    for i in range(1, n):
        cand = score[:, None] + T
        back[i] = cand.argmax(0)
        score = cand.max(0) + em[i]
    path = np.zeros(n, dtype=np.int64)
    path[-1] = int(score.argmax())
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def train(data: list, n_feats: int, epochs: int, rng: random.Random, weights: list[float]):
    L = len(LABELS)
    ok_t, ok_s = allowed()
    W = np.zeros((n_feats, L))
    U = np.zeros((n_feats, L))
    T = np.zeros((L, L))
    TU = np.zeros((L, L))
    S = np.zeros(L)
    SU = np.zeros(L)
    mask_t = np.where(ok_t, 0.0, FORBIDDEN)
    mask_s = np.where(ok_s, 0.0, FORBIDDEN)
    c = 1.0
    order = list(range(len(data)))
    for ep in range(epochs):
        rng.shuffle(order)
        errors = 0
        t0 = time.time()
        for k in order:
            flat, lens, gold = data[k]
            w = weights[k]
            em = emissions(W, flat, lens)
            pred = viterbi(em, T + mask_t, S + mask_s)
            if not np.array_equal(pred, gold):
                errors += 1
                offsets = np.concatenate(([0], np.cumsum(lens)))
                bad = np.nonzero(pred != gold)[0]
                for i in bad:
                    ids = flat[offsets[i] : offsets[i + 1]]
                    W[ids, gold[i]] += w
                    W[ids, pred[i]] -= w
                    U[ids, gold[i]] += c * w
                    U[ids, pred[i]] -= c * w
                for seq, sign in ((gold, w), (pred, -w)):
                    S[seq[0]] += sign
                    SU[seq[0]] += c * sign
                    np.add.at(T, (seq[:-1], seq[1:]), sign)
                    np.add.at(TU, (seq[:-1], seq[1:]), c * sign)
            c += 1
        print(
            f"  epoch {ep + 1}: {errors}/{len(order)} sentences wrong ({time.time() - t0:.1f}s)",
            flush=True,
        )
    W_avg = W - U / c
    T_avg = T - TU / c
    S_avg = S - SU / c
    return W_avg, np.where(ok_t, T_avg, FORBIDDEN), np.where(ok_s, S_avg, FORBIDDEN)


def fit_scale(dev: list, W, T, S) -> float:
    """Softmax temperature minimising token log-loss of gold labels given gold previous."""
    logits, golds = [], []
    for flat, lens, gold in dev:
        em = emissions(W, flat, lens)
        prev = np.concatenate(([-1], gold[:-1]))
        for i in range(len(gold)):
            base = S if prev[i] < 0 else T[prev[i]]
            logits.append(em[i] + base)
            golds.append(gold[i])
    X = np.array(logits)
    X = np.maximum(X, -1e4)
    y = np.array(golds)
    best = (float("inf"), 1.0)
    for scale in np.exp(np.linspace(np.log(0.01), np.log(10), 60)):
        Z = X * scale
        Z = Z - Z.max(1, keepdims=True)
        ll = -(Z[np.arange(len(y)), y] - np.log(np.exp(Z).sum(1))).mean()
        best = min(best, (ll, float(scale)))
    return best[1]


# ---------------------------------------------------------------- evaluation


def evaluate(tagger, lang: str, examples: list[Example]) -> dict[str, dict[str, float]]:
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for ex in examples:
        gold = set(ex.spans)
        pred = {(s, e, lab) for s, e, lab, _ in tagger.tag(ex.text, lang)}
        for s in pred & gold:
            tp[s[2]] += 1
        for s in pred - gold:
            fp[s[2]] += 1
        for s in gold - pred:
            fn[s[2]] += 1
    out = {}
    for lab in [*TYPE_OF, "ALL"]:
        t = sum(tp.values()) if lab == "ALL" else tp[lab]
        p_ = sum(fp.values()) if lab == "ALL" else fp[lab]
        n_ = sum(fn.values()) if lab == "ALL" else fn[lab]
        prec = t / (t + p_) if t + p_ else 0.0
        rec = t / (t + n_) if t + n_ else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        out[lab] = {"p": round(prec, 3), "r": round(rec, 3), "f1": round(f1, 3), "gold": t + n_}
    return out


def calibration(tagger, lang: str, examples: list[Example]) -> dict[str, dict[str, float]]:
    """Precision and recall (all labels) of the spans whose score reaches each threshold."""
    found: list[tuple[float, bool]] = []
    gold_total = 0
    for ex in examples:
        gold = set(ex.spans)
        gold_total += len(gold)
        for s, e, lab, score in tagger.tag(ex.text, lang):
            found.append((score, (s, e, lab) in gold))
    out = {}
    for thr in (0.0, 0.5, 0.7, 0.9):
        hits = [ok for score, ok in found if score >= thr]
        tp = sum(hits)
        out[f">={thr}"] = {
            "p": round(tp / len(hits), 3) if hits else 0.0,
            "r": round(tp / gold_total, 3) if gold_total else 0.0,
            "n": len(hits),
        }
    return out


def print_table(name: str, res: dict[str, dict[str, float]]) -> None:
    print(f"  {name}")
    for lab, m in res.items():
        print(f"    {lab:13s} P={m['p']:.3f} R={m['r']:.3f} F1={m['f1']:.3f} (gold {m['gold']})")


def benchmark(path: Path, plan: dict) -> dict[str, dict[str, float]]:
    """Sentences per second of CPU time: first pass (cold token cache) and repeated passes."""
    out = {}
    for lang, (_, dev_sets) in plan.items():
        texts = [ex.text for exs in dev_sets.values() for ex in exs if ex.source != "ler"]
        fresh = load_tagger(path)
        t0 = time.process_time()
        for text in texts:
            fresh.tag(text, lang)
        cold = time.process_time() - t0
        t0 = time.process_time()
        for _ in range(3):
            for text in texts:
                fresh.tag(text, lang)
        warm = (time.process_time() - t0) / 3
        out[lang] = {
            "sentences": len(texts),
            "avg_chars": round(sum(map(len, texts)) / len(texts), 1),
            "cold_per_s": round(len(texts) / cold),
            "warm_per_s": round(len(texts) / warm),
        }
    return out


# ---------------------------------------------------------------- operating point

#: PERSON precision (overlap, scrubber output, dev split) the scrubbing operating point
#: must keep; the target is ≥ 0.70, the margin absorbs dev/held-out differences.
MIN_PERSON_PRECISION = 0.75
BIASES = tuple(i / 4 for i in range(0, 17))  # 0 … 4 nats


def calibrate(model: Path, data: Path) -> dict[str, float]:
    """Per language, the largest ``recall_bias`` whose *scrubber* output on the dev split
    keeps PERSON overlap precision ≥ :data:`MIN_PERSON_PRECISION` (more bias = fewer
    names left in clear). The held-out split is never loaded."""
    from sphere.pii.analyzer import build_analyzer
    from sphere.pii.eval.realtext import load_split, score

    records = load_split(data, DEV)
    chosen: dict[str, float] = {}
    for bias in BIASES:
        analyzer = build_analyzer(ner_model=model, recall_bias=bias)
        preds = [
            [(s.start, s.end, s.type) for s in analyzer.analyze(r.text, lang=r.lang)]
            for r in records
        ]
        report = score(records, preds)
        line = []
        for lang in ("en", "de"):
            per = report.get(lang, "PERSON")
            loc = report.get(lang, "LOCATION")
            line.append(
                f"{lang}: PER P={per.overlap_precision:.3f} leak={per.leak_rate:.3f} "
                f"F1={per.f1:.3f} LOC leak={loc.leak_rate:.3f} P={loc.overlap_precision:.3f}"
            )
            if per.overlap_precision >= MIN_PERSON_PRECISION:
                chosen[lang] = bias
        print(f"  bias {bias}: " + " | ".join(line), flush=True)
    return {lang: chosen.get(lang, 0.0) for lang in ("en", "de")}


# ---------------------------------------------------------------- main


def build(
    args: argparse.Namespace,
    plan: dict,
    rng: random.Random,
    t_start: float,
    unlabelled: dict[str, list[Example]],
) -> None:
    """Train both languages and write the model file. ``unlabelled``: more text per
    language for the dictionary-word list only (its labels are not used for training)."""
    base_lists = gazetteers(args.names, rare=bool(args.rare_names))
    print("gazetteers: " + ", ".join(f"{k}={len(v)}" for k, v in base_lists.items()))

    per_language, tables = {}, {}
    counts = {}
    for lang, (train_set, dev_sets) in plan.items():
        counts[lang] = Counter(ex.source for ex in train_set)
        if lang in args.reuse:
            per_language[lang], tables[lang], counts[lang] = reused(args.reuse[lang], lang)
            print(f"[{lang}] reused from {args.reuse[lang]} (not trained)", flush=True)
            continue
        print(f"[{lang}] train sentences: {dict(counts[lang])}", flush=True)
        gaz_lists = dict(base_lists)
        if lang not in args.rare_names:
            gaz_lists.pop("fn3", None)
            gaz_lists.pop("ln3", None)
        if args.dict_words and lang in args.dict_words_langs:
            text = train_set + unlabelled.get(lang, [])
            gaz_lists["dw"] = dictionary_words(text, min_count=args.dict_words)
            print(f"[{lang}] dictionary words: {len(gaz_lists['dw'])}", flush=True)
        gaz = {k: frozenset(v) for k, v in gaz_lists.items()}
        cm_spec = cm = None
        if lang in args.char_model:
            text = train_set + unlabelled.get(lang, [])
            cm_spec = char_model_spec(gaz_lists, dictionary_words(text, min_count=2))
            cm = CharModel(cm_spec["tables"], cm_spec["step"], cm_spec["clip"])
            print(f"[{lang}] char model: {[len(t) for t in cm_spec['tables'].values()]}")
        enc = Encoder(gaz, cm)
        encoded, weights = [], []
        other = [ex for lg, (ts, _) in plan.items() if lg != lang for ex in ts]
        cross = [ex for ex in other if ex.source in CROSS_SOURCES]
        cross_ids = {id(ex) for ex in cross}
        for ex in train_set + (cross if args.cross_weight > 0 else []):
            row = enc.encode(ex, grow=True)
            if row is not None:
                encoded.append(row)
                if id(ex) in cross_ids:
                    weights.append(args.cross_weight)
                else:
                    weights.append(SOURCE_WEIGHT.get(ex.source, 1.0))
        print(f"[{lang}] features: {len(enc.index)}", flush=True)
        W, T, S = train(encoded, len(enc.index), args.epochs, rng, weights)
        dev_all = [ex for exs in dev_sets.values() for ex in exs]
        dev_enc = [r for r in (enc.encode(ex, grow=False) for ex in dev_all) if r is not None]
        scale = fit_scale(dev_enc, W, T, S)
        # Prune and quantise.
        names = [None] * len(enc.index)
        for key, idx in enc.index.items():
            names[idx] = key
        peak = np.abs(W).max(1)
        keep = np.nonzero(peak > max(args.min_weight, 1e-9))[0]
        step = float(np.abs(W[keep]).max() / 32000.0) if len(keep) else 1.0
        q = np.round(W[keep] / step).astype("<i2")
        nz = np.abs(q).max(1) > 0
        keep, q = keep[nz], q[nz]
        tables[lang] = ([names[i] for i in keep], q.tobytes())
        per_language[lang] = {
            "step": step,
            "scale": scale,
            "start": [float(x) for x in S],
            "transitions": [[float(x) for x in row] for row in T],
            "gazetteers": gaz_lists,
        }
        if cm_spec is not None:
            per_language[lang]["char_model"] = cm_spec
        print(f"[{lang}] kept {len(keep)} features, softmax scale {scale:.4f}", flush=True)

    skip_lower = common_lowercase_words(ex for ts, _ in plan.values() for ex in ts)
    print(f"common lower-case words (not decoded alone): {len(skip_lower)}")
    meta = {
        "skip_lower": skip_lower,
        "trained_by": "scripts/train_ner.py",
        "seed": args.seed,
        "epochs": args.epochs,
        "train_sentences": {k: dict(v) for k, v in counts.items()},
        "labels": sorted(TYPE_OF),
        "prune": args.prune,
        "cross_weight": args.cross_weight,
        "candidate_gazetteers": sorted(set(base_lists) - NON_CANDIDATE_GAZETTEERS),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_model(args.out, LABELS, per_language, tables, meta)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.time() - t_start:.0f}s"
    )


def _shared_ner() -> Path:
    """``shared/data/ner`` beside the nearest ancestor (``/work/main`` and worktrees)."""
    for parent in ROOT.parents:
        if (parent / "shared" / "data" / "ner").is_dir():
            return parent / "shared" / "data" / "ner"
    return ROOT.parent / "shared" / "data" / "ner"


def reused(path: Path, lang: str) -> tuple[dict, tuple[list[str], bytes], Counter[str]]:
    """One language's weights, scores and lists copied unchanged from a model file
    (``--reuse de=PATH``: keep a language that measured better than any retrain)."""
    from sphere.pii.ner.model_file import read_model

    model = read_model(path)
    lm = model.languages[lang]
    n = len(model.labels)
    feats = sorted(lm.index, key=lm.index.__getitem__)
    spec: dict = {
        "step": lm.step,
        "scale": lm.scale,
        "start": list(lm.start),
        "transitions": [list(row) for row in lm.transitions],
        "gazetteers": {k: sorted(v) for k, v in lm.gazetteers.items()},
    }
    if lm.char_model is not None:
        cm = lm.char_model
        spec["char_model"] = {"tables": cm.tables, "step": cm.step, "clip": cm.clip}
    weights = lm.weights.tobytes() if sys.byteorder == "little" else b""
    assert len(weights) == 2 * n * len(feats)
    return spec, (feats, weights), Counter(model.meta.get("train_sentences", {}).get(lang, {}))


def _reuse(value: str) -> dict[str, Path]:
    return {k: Path(v) for k, v in (item.split("=", 1) for item in value.split(",") if item)}


def _langs(value: str) -> tuple[str, ...]:
    return tuple(v for v in value.split(",") if v)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("SPHERE_NER_DATA", _shared_ner())),
    )
    ap.add_argument("--names", type=Path, default=None, help="../shared/data/names")
    ap.add_argument("--lower", type=float, default=0.3, help="share of social posts lower-cased")
    ap.add_argument("--out", type=Path, default=default_model_path())
    ap.add_argument("--epochs", type=int, default=10)
    ap.add_argument("--seed", type=int, default=13)
    ap.add_argument("--ler-train", type=int, default=6000)
    ap.add_argument("--ler-dev", type=int, default=1000)
    ap.add_argument("--synthetic-de", type=int, default=2500)
    ap.add_argument(
        "--min-weight",
        type=float,
        default=0.0,
        help="prune features whose largest |averaged weight| is below this",
    )
    ap.add_argument(
        "--prune",
        type=float,
        default=3.0,
        help="tagger beam-pruning margin in nats, stored in the model file",
    )
    ap.add_argument(
        "--cross-weight",
        type=float,
        default=0.3,
        help="also train each language on the other language's social/news data, this weight",
    )
    ap.add_argument(
        "--evaluate-only",
        action="store_true",
        help="do not train: evaluate and benchmark the model file at --out",
    )
    ap.add_argument("--metrics-json", type=Path, default=None)
    ap.add_argument(
        "--reuse",
        type=_reuse,
        default={},
        help="LANG=MODEL[,...]: copy a language unchanged from an existing model file",
    )
    ap.add_argument(
        "--char-model",
        type=_langs,
        default=(),
        help="languages (en,de) given character-trigram name/place-likeness features",
    )
    ap.add_argument(
        "--rare-names",
        type=_langs,
        default=(),
        help="languages (en,de) given the rare tier of first names and surnames (fn3, ln3)",
    )
    ap.add_argument("--dict-words-langs", type=_langs, default=("en", "de"))
    ap.add_argument(
        "--dict-words",
        type=int,
        default=0,
        help="add a per-language dictionary-word gazetteer (dw): words seen this many "
        "times outside entities in the training text (0 = none)",
    )
    ap.add_argument(
        "--no-calibrate",
        dest="calibrate",
        action="store_false",
        help="do not choose the scrubbing operating point on dev data",
    )
    args = ap.parse_args(argv)

    t_start = time.time()
    rng = random.Random(args.seed)
    np.random.seed(args.seed)
    if args.names is None:
        args.names = args.data.parent / "names"
    en_train, en_dev, de_train, de_dev = load_corpora(
        args.data, rng, args.ler_train, args.ler_dev, args.lower
    )
    synth = synthetic_german(rng, args.synthetic_de)
    de_train += synth
    plan = {"en": (en_train, en_dev), "de": (de_train, de_dev)}
    if not args.evaluate_only:
        unlabelled = {}
        if args.dict_words or args.char_model:
            # All court sentences of LER's train part (training samples ler_train of them).
            unlabelled["de"] = [
                from_real(r)
                for r in load_corpus(args.data, "ler")
                if r.split == TRAIN and "dev" not in str(r.id)
            ]
        build(args, plan, rng, t_start, unlabelled)
    if args.calibrate:
        point = calibrate(args.out, args.data)
        update_meta(args.out, {"scrub_recall_bias": point})
        print(f"scrubbing operating point (dev): recall_bias {point}")
    t0 = time.time()
    tagger = load_tagger(args.out)
    print(f"load time {time.time() - t0:.2f}s")
    metrics = {}
    for lang, (_, dev_sets) in plan.items():
        combined = []
        for name, exs in dev_sets.items():
            res = evaluate(tagger, lang, exs)
            metrics[f"{lang}/{name}"] = res
            print_table(f"[{lang}] {name} ({len(exs)} sentences)", res)
            combined += exs
        res = evaluate(tagger, lang, combined)
        metrics[f"{lang}/all"] = res
        print_table(f"[{lang}] all dev ({len(combined)} sentences)", res)
        cal = calibration(tagger, lang, combined)
        metrics[f"{lang}/calibration"] = cal
        print(
            f"  [{lang}] score threshold -> P/R over all labels: "
            + "; ".join(f"{k}: P={v['p']:.3f} R={v['r']:.3f}" for k, v in cal.items())
        )
    speed = benchmark(args.out, plan)
    metrics["speed"] = speed
    print(f"speed (one core, process CPU time): {json.dumps(speed)}")
    if args.metrics_json:
        args.metrics_json.write_text(json.dumps(metrics, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

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
import hashlib
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

from sphere.pii.ner.features import sentence_features  # noqa: E402
from sphere.pii.ner.model_file import write_model  # noqa: E402
from sphere.pii.ner.tagger import default_model_path, load_tagger  # noqa: E402
from sphere.pii.ner.tokenize import tokenize  # noqa: E402

LABELS = ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"]
TYPE_OF = {"PERSON": "PER", "LOCATION": "LOC", "ORGANIZATION": "ORG"}
NAME_OF = {v: k for k, v in TYPE_OF.items()}
FORBIDDEN = -1e9
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


def bucket(key: str) -> int:
    return int(hashlib.sha1(key.encode("utf-8")).hexdigest()[:8], 16) % 100


def load_corpora(data: Path, rng: random.Random, ler_train: int, ler_dev: int):
    en_train = [to_example(r, "wnut17") for r in read_jsonl(data / "wnut17_train.jsonl")]
    en_train += [to_example(r, "btc") for r in read_jsonl(data / "btc_train.jsonl")]
    en_dev = {
        "wnut17_dev": [to_example(r, "wnut17") for r in read_jsonl(data / "wnut17_dev.jsonl")],
        "btc_dev": [to_example(r, "btc") for r in read_jsonl(data / "btc_dev.jsonl")],
    }
    de_train: list[Example] = []
    de_dev: dict[str, list[Example]] = {
        "germeval_heldout": [],
        "smartdata_heldout": [],
        "ler_dev_sample": [],
    }
    for r in read_jsonl(data / "germeval2014_dev.jsonl"):
        ex = to_example(r, "germeval")
        (
            de_dev["germeval_heldout"] if bucket(r.get("doc_url") or r["id"]) < 20 else de_train
        ).append(ex)
    for r in read_jsonl(data / "smartdata_de.jsonl"):
        ex = to_example(r, "smartdata")
        (
            de_dev["smartdata_heldout"] if bucket(r.get("doc_id") or r["id"]) < 20 else de_train
        ).append(ex)
    ler_tr, ler_dv = [], []
    for r in read_jsonl(data / "legal_ner_de.jsonl"):
        if len(r["text"]) > 600:
            continue
        (ler_dv if r.get("split") == "dev" else ler_tr).append(to_example(r, "ler"))
    # Subsample court text: keep sentences with entities preferentially, some without.
    with_ent = [e for e in ler_tr if e.spans]
    without = [e for e in ler_tr if not e.spans]
    rng.shuffle(with_ent)
    rng.shuffle(without)
    half = ler_train // 2
    de_train += with_ent[:half] + without[: ler_train - min(half, len(with_ent))]
    rng.shuffle(ler_dv)
    de_dev["ler_dev_sample"] = ler_dv[:ler_dev]
    return en_train, en_dev, de_train, de_dev


# ---------------------------------------------------------------- gazetteers + synthetic


def gazetteers() -> dict[str, list[str]]:
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
    one_word = lambda s: {w for w in s if w.replace("-", "").isalpha()}  # noqa: E731
    return {
        "fn": sorted(one_word(first)),
        "ln": sorted(one_word(last)),
        "loc": sorted(one_word(places)),
    }


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


# ---------------------------------------------------------------- encoding


def bio(ex: Example) -> tuple[list[tuple[int, int]], list[int]]:
    toks = tokenize(ex.text)
    tags = [0] * len(toks)
    for start, end, label in ex.spans:
        typ = TYPE_OF[label]
        first = True
        for i, (s, e) in enumerate(toks):
            if e <= start or s >= end:
                continue
            if tags[i]:
                continue
            tags[i] = LABELS.index(("B-" if first else "I-") + typ)
            first = False
    return toks, tags


class Encoder:
    def __init__(self, gaz: dict[str, frozenset[str]]) -> None:
        self.gaz = gaz
        self.index: dict[str, int] = {}
        self.counts: Counter[int] = Counter()

    def encode(self, ex: Example, grow: bool):
        toks, tags = bio(ex)
        if not toks:
            return None
        words = [ex.text[s:e] for s, e in toks]
        rows = []
        for keys in sentence_features(words, self.gaz):
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
    n = len(LABELS)
    trans = np.zeros((n, n), dtype=bool)
    start = np.zeros(n, dtype=bool)
    for j, lab in enumerate(LABELS):
        start[j] = not lab.startswith("I-")
        for i, prev in enumerate(LABELS):
            trans[i, j] = not lab.startswith("I-") or prev[2:] == lab[2:]
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


# ---------------------------------------------------------------- main


def build(args: argparse.Namespace, plan: dict, rng: random.Random, t_start: float) -> None:
    """Train both languages and write the model file."""
    gaz_lists = gazetteers()
    gaz = {k: frozenset(v) for k, v in gaz_lists.items()}
    print("gazetteers: " + ", ".join(f"{k}={len(v)}" for k, v in gaz_lists.items()))

    per_language, tables = {}, {}
    counts = {}
    for lang, (train_set, dev_sets) in plan.items():
        counts[lang] = Counter(ex.source for ex in train_set)
        print(f"[{lang}] train sentences: {dict(counts[lang])}", flush=True)
        enc = Encoder(gaz)
        encoded, weights = [], []
        other = [ex for lg, (ts, _) in plan.items() if lg != lang for ex in ts]
        cross = [ex for ex in other if ex.source not in ("ler", "synthetic_de")]
        cross_ids = {id(ex) for ex in cross}
        for ex in train_set + (cross if args.cross_weight > 0 else []):
            row = enc.encode(ex, grow=True)
            if row is not None:
                encoded.append(row)
                if id(ex) in cross_ids:
                    weights.append(args.cross_weight)
                else:
                    weights.append(0.5 if ex.source == "ler" else 1.0)
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
        print(f"[{lang}] kept {len(keep)} features, softmax scale {scale:.4f}", flush=True)

    meta = {
        "trained_by": "scripts/train_ner.py",
        "seed": args.seed,
        "epochs": args.epochs,
        "train_sentences": {k: dict(v) for k, v in counts.items()},
        "labels": sorted(TYPE_OF),
        "prune": args.prune,
        "cross_weight": args.cross_weight,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    write_model(args.out, LABELS, per_language, tables, meta)
    print(
        f"wrote {args.out} ({args.out.stat().st_size / 1e6:.2f} MB) in {time.time() - t_start:.0f}s"
    )


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("SPHERE_NER_DATA", ROOT.parent / "shared/data/ner")),
    )
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
    args = ap.parse_args(argv)

    t_start = time.time()
    rng = random.Random(args.seed)
    np.random.seed(args.seed)
    en_train, en_dev, de_train, de_dev = load_corpora(args.data, rng, args.ler_train, args.ler_dev)
    synth = synthetic_german(rng, args.synthetic_de)
    de_train += synth
    plan = {"en": (en_train, en_dev), "de": (de_train, de_dev)}
    if not args.evaluate_only:
        build(args, plan, rng, t_start)
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

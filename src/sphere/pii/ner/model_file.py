"""The shipped model's file format (``model.bin.gz``) — read at run time, written by training.

Layout inside one gzip stream (all integers little-endian ``uint32`` length prefixes)::

    header-length, header JSON (UTF-8)
    per language, in ``header["languages"]`` order:
        features-length, feature strings joined by "\\n" (UTF-8)
        weights-length, int16 weights, row-major ``n_features x n_labels``

The header holds the label set, per-language quantisation step, softmax scale,
transition and start scores, and the gazetteers (word lists) the features consult —
once under ``gazetteers`` when every language uses the same lists (a language's entry
then reads ``"shared"``).
Weights are quantised to int16 so the file stays a few MB and loads without numpy.

Files written since 2026-12-03 store each language's features in sorted order (its
entry says ``"sorted_features": true``, weight rows in the same order), so loading
needs no feature dictionary: :class:`FeatureIndex` finds a feature by binary search.
Building the dictionary of the 440,000 features was most of the model's load time
(0.15-0.2 CPU-s of every ``sphere ingest``); the tagger caches what it looks up, about
34,000 lookups in a 10,000-post run. Older files (features in training order) load
into a dictionary as before.
"""

from __future__ import annotations

import gzip
import json
import struct
import sys
from array import array
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphere.errors import ConfigurationError
from sphere.pii.ner.features import CharModel

FORMAT = "sphere-ner/1"
_LEN = struct.Struct("<I")


class FeatureIndex:
    """Sorted feature strings → offset of their weight row (``position * n_labels``):
    ``get`` is a binary search, so nothing is built at load time."""

    __slots__ = ("_features", "_n", "_size")

    def __init__(self, features: list[str], n_labels: int) -> None:
        self._features = features
        self._n = n_labels
        self._size = len(features)

    def get(self, key: str, default: int | None = None) -> int | None:
        feats = self._features
        i = bisect_left(feats, key)
        if i < self._size and feats[i] == key:
            return i * self._n
        return default

    def __getitem__(self, key: str) -> int:
        found = self.get(key)
        if found is None:
            raise KeyError(key)
        return found

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        return iter(self._features)

    def __len__(self) -> int:
        return self._size


@dataclass(frozen=True)
class LanguageModel:
    """Weights for one language. ``weights[index[f] * n_labels + k]`` is feature f, label k."""

    index: dict[str, int] | FeatureIndex
    weights: array
    step: float
    scale: float
    start: tuple[float, ...]
    transitions: tuple[tuple[float, ...], ...]
    gazetteers: dict[str, frozenset[str]]
    #: Character-trigram name-likeness (``spec["char_model"]``); None in older files.
    char_model: CharModel | None = None

    def __repr__(self) -> str:
        return f"LanguageModel(features={len(self.index)})"


@dataclass(frozen=True)
class ModelFile:
    labels: tuple[str, ...]
    languages: dict[str, LanguageModel]
    meta: dict[str, Any]

    def __repr__(self) -> str:
        return f"ModelFile(labels={self.labels}, languages={sorted(self.languages)})"


def _take(buf: bytes, pos: int) -> tuple[bytes, int]:
    (size,) = _LEN.unpack_from(buf, pos)
    pos += _LEN.size
    return buf[pos : pos + size], pos + size


def read_model(path: Path) -> ModelFile:
    """Load a model file; a corrupt or foreign file raises :class:`ConfigurationError`."""
    try:
        buf = gzip.decompress(path.read_bytes())
        raw_header, pos = _take(buf, 0)
        header = json.loads(raw_header)
        if header.get("format") != FORMAT:
            raise ConfigurationError(f"NER model {path.name}: unknown format")
        labels = tuple(header["labels"])
        languages: dict[str, LanguageModel] = {}
        shared = {k: frozenset(v) for k, v in header.get("gazetteers", {}).items()}
        for lang in header["languages"]:
            spec = header["per_language"][lang]
            raw_feats, pos = _take(buf, pos)
            raw_weights, pos = _take(buf, pos)
            feats = raw_feats.decode("utf-8").split("\n") if raw_feats else []
            weights = array("h")
            weights.frombytes(raw_weights)
            if sys.byteorder != "little":
                weights.byteswap()
            if len(weights) != len(feats) * len(labels):
                raise ConfigurationError(f"NER model {path.name}: weight table size mismatch")
            n = len(labels)
            cm = spec.get("char_model")
            languages[lang] = LanguageModel(
                index=(
                    FeatureIndex(feats, n)
                    if spec.get("sorted_features")
                    else {f: i * n for i, f in enumerate(feats)}
                ),
                weights=weights,
                step=float(spec["step"]),
                scale=float(spec["scale"]),
                start=tuple(float(x) for x in spec["start"]),
                transitions=tuple(tuple(float(x) for x in row) for row in spec["transitions"]),
                gazetteers=(
                    shared
                    if spec["gazetteers"] == "shared"
                    else {k: frozenset(v) for k, v in spec["gazetteers"].items()}
                ),
                char_model=(
                    CharModel(cm["tables"], float(cm["step"]), int(cm["clip"])) if cm else None
                ),
            )
    except (OSError, EOFError, ValueError, KeyError, struct.error) as exc:
        raise ConfigurationError(
            f"NER model {path.name} cannot be read: {type(exc).__name__}"
        ) from exc
    return ModelFile(labels=labels, languages=languages, meta=dict(header.get("meta", {})))


def write_model(
    path: Path,
    labels: list[str],
    per_language: dict[str, dict[str, Any]],
    tables: dict[str, tuple[list[str], bytes]],
    meta: dict[str, Any],
) -> None:
    """Write a model file. ``tables[lang]`` is (feature strings, little-endian int16 bytes),
    one weight row of ``len(labels)`` values per feature; features are written sorted
    (rows with them) so that :func:`read_model` needs no dictionary."""
    langs = sorted(per_language)
    n = len(labels)
    ordered: dict[str, tuple[list[str], bytes]] = {}
    for lang in langs:
        feats, weights = tables[lang]
        if len(feats) != len(set(feats)):
            raise ValueError(f"{lang}: duplicate feature strings")
        if len(weights) != 2 * n * len(feats):
            raise ValueError(f"{lang}: weight table size mismatch")
        order = sorted(range(len(feats)), key=feats.__getitem__)
        row = 2 * n
        ordered[lang] = (
            [feats[i] for i in order],
            b"".join(weights[i * row : (i + 1) * row] for i in order),
        )
    per_language = {k: {**v, "sorted_features": True} for k, v in per_language.items()}
    # Gazetteers that every language shares are stored (and loaded) once.
    gaz = [per_language[lang].get("gazetteers") for lang in langs]
    shared: dict[str, Any] = {}
    if langs and all(g == gaz[0] for g in gaz) and isinstance(gaz[0], dict):
        shared = gaz[0]
        per_language = {k: {**v, "gazetteers": "shared"} for k, v in per_language.items()}
    header = {
        "format": FORMAT,
        "labels": labels,
        "languages": langs,
        "per_language": per_language,
        "meta": meta,
        "gazetteers": shared,
    }
    parts = [json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")]
    for lang in langs:
        feats, weights = ordered[lang]
        parts.append("\n".join(feats).encode("utf-8"))
        parts.append(weights)
    body = b"".join(_LEN.pack(len(p)) + p for p in parts)
    path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))


def update_meta(path: Path, changes: dict[str, Any]) -> None:
    """Rewrite a model file with ``changes`` merged into its header's ``meta`` (used to
    store the operating point chosen on dev data after training)."""
    buf = gzip.decompress(path.read_bytes())
    raw_header, pos = _take(buf, 0)
    header = json.loads(raw_header)
    header.setdefault("meta", {}).update(changes)
    encoded = json.dumps(header, ensure_ascii=False, sort_keys=True).encode("utf-8")
    body = _LEN.pack(len(encoded)) + encoded + buf[pos:]
    path.write_bytes(gzip.compress(body, compresslevel=9, mtime=0))

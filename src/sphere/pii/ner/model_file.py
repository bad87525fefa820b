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
"""

from __future__ import annotations

import gzip
import json
import struct
import sys
from array import array
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sphere.errors import ConfigurationError
from sphere.pii.ner.features import CharModel

FORMAT = "sphere-ner/1"
_LEN = struct.Struct("<I")


@dataclass(frozen=True)
class LanguageModel:
    """Weights for one language. ``weights[index[f] * n_labels + k]`` is feature f, label k."""

    index: dict[str, int]
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
                index={f: i * n for i, f in enumerate(feats)},
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
    """Write a model file. ``tables[lang]`` is (feature strings, little-endian int16 bytes)."""
    langs = sorted(per_language)
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
        feats, weights = tables[lang]
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

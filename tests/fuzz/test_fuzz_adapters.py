"""Fuzz every channel adapter and the reader (Hypothesis; bounded so `make test` stays fast).

Invariants:
* an adapter either returns Observations that storage can hold (``admit`` passes: every
  string encodable, ids within their columns, attributes JSON-serialisable) or raises
  ``InvalidInput`` (a ``BadRecord`` naming the field) — never any other exception;
* the reader never raises: every problem is a record with a line number and a reason
  that is itself storable text.

``SPHERE_FUZZ_EXAMPLES`` raises the number of examples for a longer run.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sphere.channels import build_registry, read_records
from sphere.domain import FrozenClock, Observation
from sphere.errors import InvalidInput
from sphere.pipeline.admission import admit
from tests.fuzz.hostile import ADAPTER_FIXTURES, SPECIALS, fixture_records, mutate

EXAMPLES = int(os.environ.get("SPHERE_FUZZ_EXAMPLES", "200"))
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    derandomize=os.environ.get("CI", "").lower() in ("1", "true", "yes"),
)
REGISTRY = build_registry(clock=FrozenClock())
RECORDS = fixture_records()

any_text = st.text(
    alphabet=st.characters(min_codepoint=0, max_codepoint=0x10FFFF, exclude_categories=()),
    max_size=40,
)
surrogated = st.builds(
    lambda a, b, c: a + b + c, any_text, st.sampled_from(["\ud83d", "\udc00", "\ufffe"]), any_text
)
hostile = st.one_of(
    st.sampled_from(SPECIALS),
    surrogated,
    any_text,
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.lists(any_text, max_size=3),
    st.dictionaries(any_text, any_text, max_size=3),
)


def assert_storable(observations: list[Observation]) -> None:
    for obs in observations:
        admit(obs)  # raises InvalidInput when not storable; the caller accepts that
        obs.text.encode("utf-8")
        json.dumps(obs.attributes, ensure_ascii=False, default=str).encode("utf-8")


def parse_checked(adapter: str, value: dict) -> None:
    try:
        assert_storable(REGISTRY.get(adapter).parse(value, ref="fuzz:1"))
    except InvalidInput as exc:
        str(exc).encode("utf-8")  # the reason itself is storable text


@pytest.mark.parametrize(("adapter", "name", "record"), RECORDS, ids=lambda v: str(v)[:24])
def test_every_fixture_record_is_storable_or_refused(adapter, name, record) -> None:
    parse_checked(adapter, record)  # some fixtures are bad on purpose (they are refused)


@pytest.mark.parametrize("adapter", sorted(ADAPTER_FIXTURES))
@FUZZ
@given(data=st.data())
def test_adapters_refuse_or_store_never_crash(adapter, data) -> None:
    records = [r for a, _n, r in RECORDS if a == adapter]
    record = data.draw(st.sampled_from(records))

    # Uniform choices: Hypothesis' integers favour small values and boundaries, which
    # left deep fields (a Bluesky record's text) unvisited.
    rnd = data.draw(st.randoms(use_true_random=False))
    choose = rnd.randrange
    for _ in range(data.draw(st.integers(min_value=1, max_value=3))):
        how = data.draw(st.integers(min_value=0, max_value=3))
        record = mutate(record, choose=choose, value=data.draw(hostile), how=how)
    parse_checked(adapter, record)


def _lines(fmt: str, lines: list[str]) -> bytes:
    if fmt == "csv":
        return ("a,b,text\n" + "\n".join(lines)).encode("utf-8", "surrogatepass")
    return "\n".join(lines).encode("utf-8", "surrogatepass")


@FUZZ
@given(
    fmt=st.sampled_from(["jsonl", "json", "csv"]),
    lines=st.lists(
        st.one_of(
            any_text,
            st.sampled_from(
                [
                    '{"a": "\\ud83d"}',
                    '{"a": ' + "1" * 5000 + "}",
                    "[" * 100 + "]" * 100,
                    '{"a": 1e999}',
                    '"unclosed,x,y',
                    "1,2,3",
                    "1;2;3",
                    '{"a": 1}',
                    "[{}, 1, {",
                ]
            ),
        ),
        max_size=8,
    ),
    tail=st.binary(max_size=16),
)
def test_reader_never_raises(tmp_path_factory, fmt, lines, tail) -> None:
    path: Path = tmp_path_factory.mktemp("fuzz") / f"f.{fmt}"
    path.write_bytes(_lines(fmt, lines) + tail)
    previous = 0
    for record in read_records(path, format=fmt):
        assert record.line >= max(previous, 1)
        previous = record.line
        assert (record.value is None) != (record.error is None)
        if record.error is not None:
            record.error.encode("utf-8")

"""Coverage-guided fuzzing of the reader and every channel adapter with atheris.

    .venv/bin/python scripts/fuzz_atheris.py -runs=100000          # or -max_total_time=600

Each input is split by atheris' FuzzedDataProvider into: a reader format and raw file
bytes (the reader must never raise), then an adapter, a fixture record, and mutations
with hostile values (``tests/fuzz/hostile.py``); the adapter must return storable
Observations (``sphere.pipeline.admission.admit``) or raise ``InvalidInput``. Any other
exception is a finding: atheris prints it with the input that caused it and stops.
``tests/fuzz/test_fuzz_atheris.py`` runs a bounded session in `make test`.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import atheris

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

# Coverage feedback from the code under test only (instrumenting SQLAlchemy, which the
# admission check imports, would cost a minute at start-up).
with atheris.instrument_imports(include=["sphere.channels", "sphere.pipeline.admission"]):
    from sphere.channels import build_registry, read_records
    from sphere.domain import FrozenClock
    from sphere.errors import InvalidInput
    from sphere.pipeline.admission import admit

from tests.fuzz.hostile import SPECIALS, fixture_records, mutate  # noqa: E402

REGISTRY = build_registry(clock=FrozenClock())
RECORDS = fixture_records()
FORMATS = ("jsonl", "json", "csv")
SCRATCH = Path(tempfile.mkdtemp(prefix="sphere-fuzz-"))


def _value(fdp: atheris.FuzzedDataProvider) -> object:
    pick = fdp.ConsumeIntInRange(0, 3)
    if pick == 0:
        return SPECIALS[fdp.ConsumeIntInRange(0, len(SPECIALS) - 1)]
    if pick == 1:
        return fdp.ConsumeUnicode(40)  # may contain lone surrogates
    if pick == 2:
        return fdp.ConsumeInt(8)
    return fdp.ConsumeFloat()


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    fmt = FORMATS[fdp.ConsumeIntInRange(0, 2)]
    path = SCRATCH / f"input.{fmt}"
    path.write_bytes(fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 512)))
    for record in read_records(path, format=fmt):  # type: ignore[arg-type]
        assert (record.value is None) != (record.error is None)
        if record.error is not None:
            record.error.encode("utf-8")
    adapter, _name, record = RECORDS[fdp.ConsumeIntInRange(0, len(RECORDS) - 1)]
    for _ in range(fdp.ConsumeIntInRange(1, 3)):
        record = mutate(
            record,
            choose=lambda n: fdp.ConsumeIntInRange(0, n - 1),
            value=_value(fdp),
            how=fdp.ConsumeIntInRange(0, 3),
        )
    try:
        for obs in REGISTRY.get(adapter).parse(record, ref="fuzz:1"):
            admit(obs)
            obs.text.encode("utf-8")
    except InvalidInput as exc:
        str(exc).encode("utf-8")


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()

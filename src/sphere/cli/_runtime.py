"""Build the runtime for one CLI command from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sphere.runtime import Runtime, open_runtime
from sphere.settings import load_settings


@contextmanager
def runtime() -> Iterator[Runtime]:
    rt = open_runtime(load_settings())
    try:
        yield rt
    finally:
        rt.close()

"""Channel adapters: payload formats → :class:`sphere.domain.Observation`, plus the pure
addressing classifier. Imports only ``sphere.domain``, ``sphere.errors`` and the stdlib.

Entry points: :func:`read_records` streams a file, :func:`build_registry` /
:func:`adapter_for` give adapters, :func:`classify` decides addressing.
"""

from sphere.channels.adapter import Adapter, BadRecord, parse_timestamp
from sphere.channels.addressing import (
    AddressingResult,
    CompanyProfile,
    ThreadContext,
    classify,
)
from sphere.channels.reader import MAX_DEPTH, MAX_LINE_BYTES, RawRecord, read_records
from sphere.channels.registry import AdapterRegistry, adapter_for, build_registry
from sphere.channels.text import MAX_TEXT_CHARS, clean_text, html_to_text

__all__ = [
    "MAX_DEPTH",
    "MAX_LINE_BYTES",
    "MAX_TEXT_CHARS",
    "Adapter",
    "AdapterRegistry",
    "AddressingResult",
    "BadRecord",
    "CompanyProfile",
    "RawRecord",
    "ThreadContext",
    "adapter_for",
    "build_registry",
    "classify",
    "clean_text",
    "html_to_text",
    "parse_timestamp",
    "read_records",
]

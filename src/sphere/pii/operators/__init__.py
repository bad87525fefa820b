"""Anonymisation operators: one module each, a small Protocol with class-level NAME.

An operator turns one detected value into its replacement. Per-document state (the
numbering of ``<PERSON_1>`` placeholders) lives in ``OperatorState``, created fresh by
``anonymize`` for every text, so operator instances are stateless and shareable.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar, Protocol, runtime_checkable

from sphere.errors import ConfigurationError
from sphere.pii.span import Span


class OperatorState:
    """Per-document memory: consistent numbering of placeholders per entity type."""

    __slots__ = ("_numbers",)

    def __init__(self) -> None:
        self._numbers: dict[tuple[str, str], int] = {}

    def number(self, entity: str, value: str) -> int:
        key = (entity, value)
        number = self._numbers.get(key)
        if number is None:
            number = sum(1 for t, _ in self._numbers if t == entity) + 1
            self._numbers[key] = number
        return number


@runtime_checkable
class Operator(Protocol):
    NAME: ClassVar[str]

    def apply(self, value: str, span: Span, state: OperatorState) -> str: ...


class OperatorRegistry:
    """Operator factories by NAME; ``create`` builds one with keyword options."""

    def __init__(self) -> None:
        self._factories: dict[str, Callable[..., Operator]] = {}

    def add(self, name: str, factory: Callable[..., Operator]) -> None:
        if name in self._factories:
            raise ConfigurationError(f"operator {name!r} already registered")
        self._factories[name] = factory

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self._factories)

    def create(self, name: str, **options: object) -> Operator:
        try:
            factory = self._factories[name]
        except KeyError:
            known = ", ".join(self._factories)
            raise ConfigurationError(f"unknown operator {name!r} (known: {known})") from None
        return factory(**options)


def default_operator_registry() -> OperatorRegistry:
    """A registry with every shipped operator."""
    from sphere.pii.operators.encrypt import EncryptOperator
    from sphere.pii.operators.generalize import GeneralizeOperator
    from sphere.pii.operators.mask import MaskOperator
    from sphere.pii.operators.pseudonymize import PseudonymizeOperator
    from sphere.pii.operators.redact import RedactOperator
    from sphere.pii.operators.replace import ReplaceOperator

    registry = OperatorRegistry()
    for cls in (
        RedactOperator,
        MaskOperator,
        ReplaceOperator,
        PseudonymizeOperator,
        EncryptOperator,
        GeneralizeOperator,
    ):
        registry.add(cls.NAME, cls)
    return registry


__all__ = ["Operator", "OperatorRegistry", "OperatorState", "default_operator_registry"]

"""The finite fact space: every combination of the enum-valued facts in ``Facts``.

The policy is compiled into one cell per combination. Axes are in the field order of
``sphere.domain.Facts``; the flat index of a cell is the row-major (C order) index
over ``SHAPE``. Boolean facts have the values ``(False, True)`` in that order.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import product

from sphere.domain import (
    Addressing,
    Collection,
    ConsentState,
    DataCategory,
    Facts,
    Purpose,
    Relationship,
    Visibility,
)

FactValue = (
    Purpose
    | Visibility
    | Addressing
    | Relationship
    | DataCategory
    | Collection
    | ConsentState
    | bool
)


@dataclass(frozen=True, slots=True)
class Axis:
    """One fact: its name in ``Facts`` and its possible values, in table order."""

    name: str
    values: tuple[FactValue, ...]

    def index_of(self, value: FactValue) -> int:
        return self.values.index(value)


AXES: tuple[Axis, ...] = (
    Axis("purpose", tuple(Purpose)),
    Axis("visibility", tuple(Visibility)),
    Axis("addressing", tuple(Addressing)),
    Axis("relationship", tuple(Relationship)),
    Axis("data_category", tuple(DataCategory)),
    Axis("collection", tuple(Collection)),
    Axis("consent", tuple(ConsentState)),
    Axis("objection", (False, True)),
    Axis("provenance_recorded", (False, True)),
)
AXIS_BY_NAME: dict[str, Axis] = {axis.name: axis for axis in AXES}
FACT_NAMES: tuple[str, ...] = tuple(axis.name for axis in AXES)
SHAPE: tuple[int, ...] = tuple(len(axis.values) for axis in AXES)
SIZE: int = math.prod(SHAPE)
STRIDES: tuple[int, ...] = tuple(math.prod(SHAPE[i + 1 :]) for i in range(len(SHAPE)))


def offset_tables() -> tuple[dict[FactValue, int], ...]:
    """Per axis, a map from value to its contribution to the flat cell index."""
    return tuple(
        {value: position * stride for position, value in enumerate(axis.values)}
        for axis, stride in zip(AXES, STRIDES, strict=True)
    )


def cell_index(facts: Facts) -> int:
    """The flat index of ``facts`` (slow, checked; the engine inlines a fast version)."""
    return sum(
        axis.index_of(getattr(facts, axis.name)) * stride
        for axis, stride in zip(AXES, STRIDES, strict=True)
    )


def facts_at(index: int) -> Facts:
    """The facts of the cell with flat index ``index``."""
    if not 0 <= index < SIZE:
        raise IndexError(index)
    values = {}
    for axis, stride in zip(AXES, STRIDES, strict=True):
        position, index = divmod(index, stride)
        values[axis.name] = axis.values[position]
    return Facts(**values)  # type: ignore[arg-type]


def iter_facts() -> Iterator[Facts]:
    """Every combination of facts, in cell order (739,200 of them)."""
    for combo in product(*(axis.values for axis in AXES)):
        yield Facts(**dict(zip(FACT_NAMES, combo, strict=True)))  # type: ignore[arg-type]

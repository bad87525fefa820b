"""Segments as data, evaluated purely, with a readable trace of why a contact is in or out.

A definition is plain data (dict, JSON or YAML)::

    {"all": [{"attr": "interest", "contains": "telephoto"},
             {"score": "churn_risk", ">=": 0.6},
             {"not": {"attr": "country", "in": ["AT", "CH"]}}]}

- groups: ``{"all": [...]}``, ``{"any": [...]}`` (non-empty lists), ``{"not": {...}}``;
- a condition names exactly one of ``attr`` or ``score`` and exactly one operator:
  ``==``, ``!=``, ``>``, ``>=``, ``<``, ``<=`` (numbers for ``score``), ``contains``
  (the attribute holds this value; multi-valued attributes such as interests),
  ``in`` (the attribute's value is one of a list), ``exists`` (true/false).

A contact whose attribute or score is missing fails every condition on it except
``exists: false`` — a segment never assumes data it does not have. Validation errors
are ``SegmentError`` with the ``path`` of the bad condition (``segment.all[1]``).
Every child is evaluated (no short cut) so the trace shows each condition.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from sphere.errors import InvalidInput
from sphere.marketing.derive import DerivedAttribute
from sphere.marketing.score import ScoreResult

AttrValue = str | float | int | bool | tuple[str | float | int | bool, ...]

_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_OPERATORS = (*_COMPARE, "contains", "in", "exists")


class SegmentError(InvalidInput):
    """A segment definition is invalid; ``path`` locates the bad condition."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True, slots=True)
class ContactProfile:
    """What a segment may look at: attributes (single or multi-valued) and scores."""

    attributes: Mapping[str, AttrValue] = field(default_factory=dict)
    scores: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "attributes", MappingProxyType(dict(self.attributes)))
        object.__setattr__(self, "scores", MappingProxyType(dict(self.scores)))

    @classmethod
    def from_derived(
        cls,
        derived: Iterable[DerivedAttribute],
        scores: Iterable[ScoreResult] = (),
        *,
        attributes: Mapping[str, AttrValue] | None = None,
    ) -> ContactProfile:
        """Derived attributes of the same name become one multi-valued attribute
        (``interest`` → ``("telephoto", "wildlife")``); numeric ones also count as scores."""
        values: dict[str, list[str | float]] = {}
        numeric: dict[str, float] = {}
        for attr in derived:
            values.setdefault(attr.name, []).append(attr.value)
            if isinstance(attr.value, float | int):
                numeric[attr.name] = float(attr.value)
        merged: dict[str, AttrValue] = dict(attributes or {})
        for name, vals in values.items():
            merged[name] = vals[0] if len(vals) == 1 else tuple(vals)
        numeric.update({s.model: s.total for s in scores})
        return cls(merged, numeric)


@dataclass(frozen=True, slots=True)
class Membership:
    """``member`` and one trace line per evaluated node, indented by depth."""

    segment: str
    member: bool
    trace: tuple[str, ...]

    def explain(self) -> str:
        head = f"in segment '{self.segment}'" if self.member else f"not in '{self.segment}'"
        return "\n".join([head, *self.trace])


@dataclass(frozen=True, slots=True)
class _Node:
    kind: str  # all | any | not | attr | score
    children: tuple[_Node, ...] = ()
    key: str = ""
    op: str = ""
    operand: Any = None


@dataclass(frozen=True, slots=True)
class Segment:
    name: str
    definition: Mapping[str, Any]
    _root: _Node = field(repr=False, compare=False)

    def evaluate(self, profile: ContactProfile) -> Membership:
        lines: list[str] = []
        member = _eval(self._root, profile, 0, lines)
        return Membership(self.name, member, tuple(lines))

    def members(self, profiles: Mapping[str, ContactProfile]) -> tuple[str, ...]:
        """Ids (keys of ``profiles``) of the contacts in the segment, in input order."""
        return tuple(cid for cid, p in profiles.items() if self.evaluate(p).member)


def compile_segment(definition: object, *, name: str = "segment") -> Segment:
    """Validate ``definition`` and build a :class:`Segment`; errors name the path."""
    root = _parse(definition, "segment")
    assert isinstance(definition, Mapping)  # _parse checked it
    return Segment(name, MappingProxyType(dict(definition)), root)


def _parse(data: object, path: str) -> _Node:
    if not isinstance(data, Mapping):
        raise SegmentError(path, "must be a mapping (a group or a condition)")
    groups = [k for k in ("all", "any", "not") if k in data]
    if groups:
        if len(data) != 1:
            raise SegmentError(path, f"a '{groups[0]}' group takes no other keys")
        kind = groups[0]
        body = data[kind]
        if kind == "not":
            return _Node("not", (_parse(body, f"{path}.not"),))
        if not isinstance(body, Sequence) or isinstance(body, str) or not body:
            raise SegmentError(f"{path}.{kind}", "must be a non-empty list of conditions")
        return _Node(kind, tuple(_parse(c, f"{path}.{kind}[{i}]") for i, c in enumerate(body)))
    subjects = [k for k in ("attr", "score") if k in data]
    if len(subjects) != 1:
        raise SegmentError(path, "a condition names exactly one of 'attr' or 'score'")
    subject = subjects[0]
    key = data[subject]
    if not isinstance(key, str) or not key:
        raise SegmentError(f"{path}.{subject}", "must be a non-empty string")
    ops = [k for k in data if k != subject]
    if len(ops) != 1:
        raise SegmentError(path, f"a condition has exactly one operator of {list(_OPERATORS)}")
    op = str(ops[0])
    if op not in _OPERATORS:
        raise SegmentError(path, f"unknown operator {op!r}; use one of {list(_OPERATORS)}")
    operand = data[op]
    where = f"{path}.{op}"
    if op == "exists" and not isinstance(operand, bool):
        raise SegmentError(where, "must be true or false")
    if op == "in" and (not isinstance(operand, Sequence) or isinstance(operand, str)):
        raise SegmentError(where, "must be a list")
    if subject == "score" and op not in ("exists", *_COMPARE):
        raise SegmentError(where, "scores take comparisons or 'exists'")
    if op in ("<", "<=", ">", ">=") and not _is_number(operand):
        raise SegmentError(where, "must be a number")
    if op == "contains" and isinstance(operand, Mapping | list):
        raise SegmentError(where, "must be a single value")
    return _Node(subject, key=key, op=op, operand=tuple(operand) if op == "in" else operand)


def _eval(node: _Node, profile: ContactProfile, depth: int, lines: list[str]) -> bool:
    pad = "  " * depth
    if node.kind in ("all", "any"):
        index = len(lines)
        lines.append("")  # filled in after the children
        results = [_eval(c, profile, depth + 1, lines) for c in node.children]
        result = all(results) if node.kind == "all" else any(results)
        held = sum(results)
        lines[index] = (
            f"{pad}{_mark(result)} {node.kind} of {len(results)} conditions "
            f"({held} of {len(results)} hold)"
        )
        return result
    if node.kind == "not":
        index = len(lines)
        lines.append("")
        result = not _eval(node.children[0], profile, depth + 1, lines)
        lines[index] = f"{pad}{_mark(result)} not:"
        return result
    source = profile.attributes if node.kind == "attr" else profile.scores
    present = node.key in source
    value = source.get(node.key)
    result = _test(node, present, value)
    shown = _show(value) if present else "no value"
    lines.append(f"{pad}{_mark(result)} {node.key} {node.op} {_show(node.operand)} ({shown})")
    return result


def _test(node: _Node, present: bool, value: Any) -> bool:
    if node.op == "exists":
        return present is node.operand
    if not present:
        return False
    values = value if isinstance(value, tuple) else (value,)
    if node.op == "contains":
        return any(_equal(v, node.operand) for v in values)
    if node.op == "in":
        return any(_equal(v, o) for v in values for o in node.operand)
    compare = _COMPARE[node.op]
    if node.op in ("==", "!="):
        equal = any(_equal(v, node.operand) for v in values)
        return equal if node.op == "==" else not equal
    numbers = [v for v in values if _is_number(v)]
    return bool(numbers) and all(compare(v, node.operand) for v in numbers)


def _equal(a: object, b: object) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.casefold() == b.casefold()
    return a == b


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _mark(result: bool) -> str:
    return "yes" if result else "no "


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return ", ".join(_show(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, str):
        return f"'{value}'"
    return str(value).lower() if isinstance(value, bool) else str(value)

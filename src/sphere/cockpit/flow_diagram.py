"""The data flows of the inventories as a diagram: sources → stage → stores →
recipients → purposes, each node and band sized by the records that take that way.

Pure layout (no I/O): positions and band widths in SVG user units for the template,
which draws rectangles, labels and bands and keeps the flow table beside it as the
text alternative. Flows with no records (the anonymous counters) are left out: the
diagram shows where personal data goes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sphere.cockpit.inventory import Flow

COLUMNS = ("source", "stage", "store", "recipients", "purpose")
WIDTH = 1120
HEIGHT = 420
NODE_W = 14
PAD = 12  # between nodes of a column
TOP = 36  # room for the column headings
MIN_H = 4.0
MAX_BAND = 0.96  # share of a column's height the bands may take


@dataclass(frozen=True, slots=True)
class Node:
    column: int
    label: str
    records: int
    x: float
    y: float
    h: float


@dataclass(frozen=True, slots=True)
class Band:
    """A flow between two neighbouring nodes: a cubic curve of ``width``."""

    path: str
    width: float
    title: str
    records: int
    column: int = 0  # the left node's column; ``source``/``target`` are the node keys
    source: str = ""
    target: str = ""


@dataclass(frozen=True, slots=True)
class FlowDiagram:
    width: int
    height: int
    columns: tuple[tuple[float, str], ...]  # (x, column key) of each heading
    nodes: tuple[Node, ...]
    bands: tuple[Band, ...]
    total: int


def _key(flow: Flow, column: str) -> str:
    if column == "source":
        return flow.source
    if column == "stage":
        return "policy gate"  # worded by the template
    if column == "store":
        return flow.store
    if column == "recipients":
        return ", ".join(flow.recipients) or "no recipient"
    return flow.purpose  # a code: the template names it in the reader's language


def build_diagram(flows: Sequence[Flow]) -> FlowDiagram | None:
    """The layout, or None when no records flow yet."""
    shown = [f for f in flows if f.records > 0]
    total = sum(f.records for f in shown)
    if not total:
        return None
    step = (WIDTH - 240) / (len(COLUMNS) - 1)
    scale_h = HEIGHT - TOP - 8
    nodes: dict[tuple[int, str], Node] = {}
    for c, column in enumerate(COLUMNS):
        volume: dict[str, int] = {}
        for f in shown:
            key = _key(f, column)
            volume[key] = volume.get(key, 0) + f.records
        ordered = sorted(volume.items(), key=lambda kv: (-kv[1], kv[0]))
        room = scale_h - PAD * (len(ordered) - 1)
        unit = max(room, scale_h * 0.3) * MAX_BAND / total
        y = float(TOP)
        for key, n in ordered:
            h = max(MIN_H, n * unit)
            nodes[(c, key)] = Node(c, key, n, 8 + c * step, y, h)
            y += h + PAD
    bands: list[Band] = []
    offset_out: dict[tuple[int, str], float] = {}
    offset_in: dict[tuple[int, str], float] = {}
    for c in range(len(COLUMNS) - 1):
        pairs: dict[tuple[str, str], int] = {}
        for f in shown:
            pair = (_key(f, COLUMNS[c]), _key(f, COLUMNS[c + 1]))
            pairs[pair] = pairs.get(pair, 0) + f.records
        for (a, b), n in sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0])):
            left, right = nodes[(c, a)], nodes[(c + 1, b)]
            width = max(1.0, n / left.records * left.h if left.records else 1.0)
            y0 = left.y + offset_out.get((c, a), 0.0) + width / 2
            y1 = right.y + offset_in.get((c + 1, b), 0.0) + width / 2
            offset_out[(c, a)] = offset_out.get((c, a), 0.0) + width
            offset_in[(c + 1, b)] = offset_in.get((c + 1, b), 0.0) + width
            x0, x1 = left.x + NODE_W, right.x
            mid = (x0 + x1) / 2
            bands.append(
                Band(
                    f"M{x0:.1f},{y0:.1f} C{mid:.1f},{y0:.1f} {mid:.1f},{y1:.1f} {x1:.1f},{y1:.1f}",
                    round(width, 1),
                    f"{a} → {b}",
                    n,
                    c,
                    a,
                    b,
                )
            )
    height = int(max(HEIGHT, max(n.y + n.h for n in nodes.values()) + 8))
    return FlowDiagram(
        WIDTH,
        height,
        tuple((8 + c * step, column) for c, column in enumerate(COLUMNS)),
        tuple(nodes.values()),
        tuple(bands),
        total,
    )

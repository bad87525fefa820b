"""Charts of the cockpit home as SVG, drawn on the server by pygal (LGPL-3.0+).

Each chart is its own response, shown as an ``<img>`` with a text alternative, and the
page carries the same figures as a table (screen readers, and anyone who prefers
numbers). The series differ by line pattern and dot size as well as colour, and the
legend names them, so a chart reads without colour alone.

pygal writes its styles into the SVG and adds a configuration ``<script>``; the script
is removed here, and the response sets its own Content-Security-Policy that allows the
SVG's inline styles and nothing else (an image runs no script; see ``security.py``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from datetime import date
from typing import Any

import pygal
from pygal.etree import etree
from pygal.style import Style

# pygal puts a legacy ``sys.meta_path`` finder (for its map plugins, unused here) in
# place at import; on Python 3.11 it makes every failed import elsewhere warn
# (ImportWarning: find_spec() not found). Take it out again.
sys.meta_path[:] = [f for f in sys.meta_path if type(f).__name__ != "PluginImportFixer"]

CHART_CSP = "default-src 'none'; style-src 'unsafe-inline'"
# Colour-blind-safe (Okabe-Ito) on white, each with a distinct dash pattern and dot size.
COLOURS = ("#0b4fb3", "#b35900", "#1e6b34", "#7a1f6b")
DASHES = ("none", "8, 5", "2, 4", "12, 4, 2, 4")
DOTS = (4, 5, 3, 4)
STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#1b1f24",
    foreground_strong="#1b1f24",
    foreground_subtle="#4a5361",
    colors=COLOURS,
    font_family='system-ui, -apple-system, "Segoe UI", Roboto, Arial, sans-serif',
    label_font_size=15,
    major_label_font_size=15,
    legend_font_size=16,
    title_font_size=16,
    value_font_size=14,
)


def _label(bucket: date, *, lang: str) -> str:
    if lang == "de":
        return f"{bucket.day:02d}.{bucket.month:02d}."
    return bucket.strftime("%d %b")


def line_chart(
    buckets: Sequence[date],
    series: Sequence[tuple[str, Sequence[float | None]]],
    *,
    weekly: bool,
    lang: str,
    secondary: Sequence[tuple[str, Sequence[float | None]]] = (),
    gettext: Callable[[str], str] = str,
) -> bytes:
    """An SVG line chart, one line per series (pattern, dots, legend). Counts start at 0
    and the axis goes to at least 4, so small whole numbers get whole-number ticks."""
    # pygal cannot scale a secondary axis without a value: leave such a series out
    secondary = [(name, values) for name, values in secondary if any(v is not None for v in values)]
    lines = len(series) + len(secondary)
    top = max((v for _name, values in series for v in values if v is not None), default=0.0)
    chart = pygal.Line(
        js=[],
        style=STYLE,
        width=560,
        height=320 + 26 * max(0, lines - 2),  # one legend row per line beyond two
        title=None,
        legend_at_bottom=True,
        legend_at_bottom_columns=1 if lines > 2 else 2,
        truncate_legend=-1,
        show_minor_x_labels=False,
        x_labels_major_every=7 if not weekly else 3,
        legend_box_size=14,
        truncate_label=-1,
        range=(0, max(4.0, top)),
        min_scale=4,
        max_scale=8,
        include_x_axis=True,
        no_data_text=gettext("No data yet"),
        disable_xml_declaration=True,
        margin=16,
    )
    chart.x_labels = [_label(b, lang=lang) for b in buckets]
    for i, (name, values) in enumerate([*series, *secondary]):
        chart.add(
            name,
            list(values),
            stroke_style={"width": 3, "dasharray": DASHES[i % len(DASHES)]},
            dots_size=DOTS[i % len(DOTS)],
            secondary=i >= len(series),
        )
    return _without_script(chart.render_tree())


def _without_script(root: Any) -> bytes:
    for parent in list(root.iter()):
        for child in list(parent):
            if str(child.tag).rsplit("}", 1)[-1] == "script":
                parent.remove(child)
    return bytes(etree.tostring(root, encoding="utf-8"))

"""Charts of the cockpit home as SVG, drawn on the server by pygal (LGPL-3.0+).

Each chart is its own response, shown as an ``<img>`` with a text alternative, and the
page carries the same figures as a table (screen readers, and anyone who prefers
numbers). The series differ by line pattern and by marker shape (circle, square,
triangle, diamond) as well as colour, and each legend entry shows its series' line
pattern and marker, not a colour swatch, so a chart reads without colour alone.
Dates on the axis are written the page's way: days "03.12." / "3 Dec", weeks by their
first day "14. Sept." / "14 Sept".

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
MARKERS = ("circle", "square", "triangle", "diamond")
SVG = ""  # pygal writes the SVG namespace as an attribute: plain tag names
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


def _label(bucket: date, *, lang: str, weekly: bool = False) -> str:
    """A day "03.12." / "3 Dec"; a week by its first day "14. Sept." / "14 Sept"."""
    from babel.dates import format_date  # after pygal's import finder is gone (above)

    locale = "de_DE" if lang == "de" else "en_GB"
    if weekly:
        return format_date(bucket, "d. MMM" if lang == "de" else "d MMM", locale=locale)
    if lang == "de":
        return f"{bucket.day:02d}.{bucket.month:02d}."
    return format_date(bucket, "d MMM", locale=locale)


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
    # two legend columns only for two short names (German names are long)
    longest = max((len(name) for name, _values in [*series, *secondary]), default=0)
    columns = 2 if lines <= 2 and longest <= 22 else 1
    rows = -(-lines // columns)
    top = max((v for _name, values in series for v in values if v is not None), default=0.0)
    chart = pygal.Line(
        js=[],
        style=STYLE,
        width=560,
        height=320 + 26 * max(0, rows - 2),  # room for two legend rows
        title=None,
        legend_at_bottom=True,
        legend_at_bottom_columns=columns,
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
    chart.x_labels = [_label(b, lang=lang, weekly=weekly) for b in buckets]
    for i, (name, values) in enumerate([*series, *secondary]):
        chart.add(
            name,
            list(values),
            stroke_style={"width": 3, "dasharray": DASHES[i % len(DASHES)]},
            dots_size=DOTS[i % len(DOTS)],
            secondary=i >= len(series),
        )
    root = chart.render_tree()
    _markers(root)
    return _without_script(root)


def _name(element: Any) -> str:
    return str(element.tag).rsplit("}", 1)[-1]


# Corner points of the polygon markers, in units of the marker's half size.
_SHAPES = {
    "square": ((-1, -1), (1, -1), (1, 1), (-1, 1)),
    "triangle": ((0, -1.25), (1.2, 0.9), (-1.2, 0.9)),
    "diamond": ((0, -1.35), (1.35, 0), (0, 1.35), (-1.35, 0)),
}


def _marker(shape: str, x: float, y: float, r: float, css: str) -> Any:
    """A marker of ``shape`` centred on (x, y) with ``r`` its half size."""
    if shape == "circle":
        attributes = {"cx": f"{x:.2f}", "cy": f"{y:.2f}", "r": f"{r:.2f}", "class": css}
        return etree.Element(f"{SVG}circle", **attributes)
    points = " L".join(f"{x + dx * r:.2f} {y + dy * r:.2f}" for dx, dy in _SHAPES[shape])
    return etree.Element(f"{SVG}path", d=f"M{points} Z", **{"class": css})


def _markers(root: Any) -> None:
    """Each series' dots drawn as its own marker shape, and each legend entry as a
    sample of the series' line (pattern) with its marker instead of a colour swatch."""
    for group in [e for e in root.iter() if _name(e) == "g"]:
        css = group.get("class", "")
        if css.startswith("series serie-"):
            index = int(css.split()[1].removeprefix("serie-"))
            for line in group:
                if _name(line) == "path" and "line" in line.get("class", "").split():
                    # pygal's ".reactive {stroke-width: 1}" outranks the series' width
                    dash = DASHES[index % len(DASHES)]
                    line.set("style", f"stroke-width:3;stroke-dasharray:{dash}")
            shape = MARKERS[index % len(MARKERS)]
            if shape == "circle":
                continue
            for dots in group:
                for i, child in enumerate(list(dots)):
                    if _name(child) == "circle":
                        marker = _marker(shape, float(child.get("cx")), float(child.get("cy")),
                                         float(child.get("r")), child.get("class", ""))  # fmt: skip
                        dots.remove(child)
                        dots.insert(i, marker)
        elif css == "legends":
            for index, entry in enumerate(group):
                swatch = next((c for c in entry if _name(c) == "rect"), None)
                if swatch is None:
                    continue
                x, y = float(swatch.get("x")), float(swatch.get("y")) + 7
                colour = COLOURS[index % len(COLOURS)]
                dash = DASHES[index % len(DASHES)]
                line = etree.Element(f"{SVG}path", d=f"M{x:.1f} {y:.1f} h30", stroke=colour,
                                     fill="none", **{"stroke-width": "3"})  # fmt: skip
                if dash != "none":
                    line.set("stroke-dasharray", dash)
                entry.remove(swatch)
                entry.insert(0, line)
                shape = MARKERS[index % len(MARKERS)]
                entry.insert(1, _marker(shape, x + 15, y, DOTS[index % len(DOTS)] + 1,
                                        f"color-{index} reactive"))  # fmt: skip
                for child in entry:
                    if _name(child) == "text":
                        child.set("x", f"{float(child.get('x', '0')) + 22:.1f}")


def _without_script(root: Any) -> bytes:
    for parent in list(root.iter()):
        for child in list(parent):
            if _name(child) == "script":
                parent.remove(child)
    return bytes(etree.tostring(root, encoding="utf-8"))

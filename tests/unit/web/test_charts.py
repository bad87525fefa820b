"""The home's SVG charts read without colour alone and write dates the page's way
(``sphere.web.charts``)."""

from __future__ import annotations

import re
from datetime import date, timedelta

from sphere.web.charts import line_chart

DAYS = [date(2026, 11, 4) + timedelta(days=i) for i in range(30)]
WEEKS = [date(2026, 9, 14) + timedelta(weeks=i) for i in range(12)]


def _chart(lang: str, buckets: list[date], *, weekly: bool) -> str:
    values = [float(i % 4) for i in range(len(buckets))]
    svg = line_chart(
        buckets,
        [("Erteilte Einwilligungen", values), ("Widerrufene Einwilligungen", values[::-1])],
        secondary=[("Median", values)],
        weekly=weekly,
        lang=lang,
    )
    return svg.decode()


def test_series_differ_by_pattern_and_marker_and_the_legend_shows_both() -> None:
    svg = _chart("de", DAYS, weekly=False)
    # circles for the first series, polygon markers (square, triangle) for the others
    assert svg.count('class="dot reactive tooltip-trigger"') == 3 * len(DAYS)
    assert len(re.findall(r'<path d="M[^"]+Z" class="dot', svg)) == 2 * len(DAYS)
    # each line carries its width and dash pattern itself (pygal's CSS would thin it)
    assert 'style="stroke-width:3;stroke-dasharray:8, 5"' in svg
    # legend entries: a line sample in the series' pattern, no colour swatch
    legends = svg[svg.index('class="legends"') :]
    assert "<rect" not in legends.split("</g></g>")[0]
    assert legends.count("h30") == 3 and 'stroke-dasharray="2, 4"' in legends
    assert "<script" not in svg


def test_dates_on_the_axis_in_the_page_language() -> None:
    assert ">04.11.<" in _chart("de", DAYS, weekly=False)
    assert ">4 Nov<" in _chart("en", DAYS, weekly=False)
    assert ">14. Sept.<" in _chart("de", WEEKS, weekly=True)
    assert ">14 Sept<" in _chart("en", WEEKS, weekly=True)

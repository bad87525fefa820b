"""The fast path of ``html_to_text`` gives exactly what the stdlib tokeniser gives.

``html_to_text`` walks simple markup with a regex and hands anything else to
``html.parser``; these tests hold the two equal — on hand-picked hostile fragments, on
fragments Hypothesis assembles from tag soup, and on generated Mastodon statuses.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sphere.channels.text import _simple_parts, _TextExtractor, clean_text, html_to_text


def _stdlib(html: str) -> tuple[str, list[str]]:
    links: list[str] = []
    parser = _TextExtractor(links)
    parser.feed(html)
    parser.close()
    return clean_text("".join(parser.parts)), links


def _fast(html: str) -> tuple[str, list[str]]:
    links: list[str] = []
    return html_to_text(html, links=links), links


CASES = [
    (
        '<p>Hallo <a href="https://x.example/@shop" class="u-url mention">@<span>shop'
        "</span></a></p>",
        True,
    ),
    ("<p>Tom &amp;amp; Jerry &lt;b&gt; &#x1F600; &auml;</p><p>zwei</p>", True),
    ('<P CLASS="x">Gross<BR>geschrieben</P>', True),
    ("<p>eins<br/>zwei<br />drei</p><p/>vier", True),
    ("</br>a</br>b", True),  # an end tag br is nothing, as in html.parser
    (
        "<a href=\"https://a.example/x?a=1&amp;b=2\">link</a> und <a href='http://b.example'>b</a>",
        True,
    ),
    ('<a href="https://t.example/tags/makro" class="mention hashtag">#makro</a>', True),
    ('<a href="https://s.example/x"/>self-closing a: no link', True),
    ("<svg><p>in svg</p></svg>nach<svg/>svg", True),
    ("<template>unsichtbar<div>auch</div></template>sichtbar", True),
    ("<iframe>x<iframe>y</iframe>z</iframe>w</iframe>v", True),
    ("<p>kein Ende", True),
    ("<script>alert('x')</script>Text", False),  # raw content: html.parser
    ("<style>p{}</style>Text", False),
    ("a <3 b", False),  # a stray "<"
    ("Text <!-- Kommentar --> weiter", False),
    ("<!DOCTYPE html><p>x</p>", False),
    ("<p>x</p><script", False),  # unclosed at the end
    ("<a href=https://unquoted.example>x</a>", False),
    ('<a href="x"class="y">x</a>', False),  # no space between attributes
    ("<p data-x>flag attribute</p>", False),
    ("<my-element>custom</my-element>", False),
    ('</p class="x">end tag with attributes', False),
    ('<p\u00a0class="x">non-ASCII space in a tag</p>', False),
    ("<p>\u202eevil\u202c &#8203;zero width</p>", True),
    ("<div><ul><li>eins</li><li>zwei</li></ul></div>", True),
    ("", True),
    ("nur Text & noch mehr &amp", True),
]


@pytest.mark.parametrize(("html", "simple"), CASES, ids=[str(i) for i in range(len(CASES))])
def test_fast_path_equals_stdlib(html: str, simple: bool) -> None:
    assert (_simple_parts(html, []) is not None) is simple
    assert _fast(html) == _stdlib(html)


_PIECES = [
    "<p>", "</p>", "<br>", "<br/>", "</br>", "<div>", "</div>", "<span>", "</span>",
    '<a href="https://x.example/a?b=1&amp;c=2">', "<a href='http://y.example'>",
    '<a href="https://z.example" class="mention">', '<a class="hashtag" href="https://h.example">',
    "</a>", "<svg>", "</svg>", "<svg/>", "<template>", "</template>", "<script>", "</script>",
    "<style>", "</style>", "<!-- c -->", "<", ">", "&amp;", "&lt;", "&amp;lt;", "&#x1F600;",
    "&auml;", "&", ";", " ", "\n", "\t", "\u200b", "\u202e", "Anna", "Makro 100", "@shop",
    "<P>", "</P>", '<A HREF="https://u.example">', "<li>", "</li>", "<h1>", "</h1>",
    '<p class="x" >', "<b>", "</b>", "<img src=\"x.png\"/>", "<iframe>", "</iframe>",
]  # fmt: skip


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=30))
def test_fast_path_equals_stdlib_on_tag_soup(pieces: list[str]) -> None:
    html = "".join(pieces)
    assert _fast(html) == _stdlib(html)


def test_fast_path_equals_stdlib_on_generated_statuses(tmp_path) -> None:  # noqa: ANN001
    from bench._bench_common import write_mastodon_file

    generated = write_mastodon_file(tmp_path, 1500, contacts=100, seed=7)
    simple = 0
    with generated.posts.open(encoding="utf-8") as handle:
        for line in handle:
            try:
                record = json.loads(line)
            except ValueError:
                continue
            status = record.get("payload", record)
            if isinstance(status, str):
                try:
                    status = json.loads(status)
                except ValueError:
                    continue
            html = status.get("content") if isinstance(status, dict) else None
            if not isinstance(html, str):
                continue
            simple += _simple_parts(html, []) is not None
            assert _fast(html) == _stdlib(html)
    assert simple > 1000  # the demo mix is what the fast path is for

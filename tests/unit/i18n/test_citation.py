"""Citations of law, messages composed by services, and numbers for people, in German
and English (``sphere.i18n.citation``, ``sphere.i18n.message``, ``Translator``)."""

from __future__ import annotations

from datetime import date

import pytest

from sphere.i18n import translator
from sphere.i18n.citation import cite
from sphere.i18n.glossary import article, reason
from sphere.i18n.message import day, joined, msg, plural, render, word


@pytest.mark.parametrize(
    ("text", "de", "en"),
    [
        ("GDPR Art. 14(3)(b)", "Art. 14 Abs. 3 lit. b DSGVO", "Art. 14(3)(b) GDPR"),
        # one law named once after a run of its provisions
        ("GDPR Art. 7(3), Art. 17(1)(b)", "Art. 7 Abs. 3, Art. 17 Abs. 1 lit. b DSGVO",
         "Art. 7(3), Art. 17(1)(b) GDPR"),
        ("GDPR Art. 8(1), Recital 38", "Art. 8 Abs. 1, ErwG 38 DSGVO",
         "Art. 8(1), Recital 38 GDPR"),
        # a section whose law is named after the next one
        ("§7(2) Nr. 2, §7(3) UWG", "§ 7 Abs. 2 Nr. 2, § 7 Abs. 3 UWG", "§ 7(2) no. 2, § 7(3) UWG"),
        ("BDSG §26(2), GDPR Art. 88, WP248 criterion 7",
         "§ 26 Abs. 2 BDSG, Art. 88 DSGVO, WP248 Kriterium 7",
         "§ 26(2) BDSG, Art. 88 GDPR, WP248 criterion 7"),
        ("GDPR Art. 6(1)(a), Art. 7(3); §7(2) UWG",
         "Art. 6 Abs. 1 lit. a, Art. 7 Abs. 3 DSGVO; § 7 Abs. 2 UWG",
         "Art. 6(1)(a), Art. 7(3) GDPR; § 7(2) UWG"),
        ("GDPR Art. 5(2), Art. 6(1)(a); CJEU C-252/21",
         "Art. 5 Abs. 2, Art. 6 Abs. 1 lit. a DSGVO; EuGH C-252/21",
         "Art. 5(2), Art. 6(1)(a) GDPR; CJEU C-252/21"),
        ("GDPR Art. 21(1)-(3)", "Art. 21 Abs. 1–3 DSGVO", "Art. 21(1)-(3) GDPR"),
        ("§7(1) UWG, company rule", "§ 7 Abs. 1 UWG, Unternehmensregel",
         "§ 7(1) UWG, company rule"),
        ("GDPR Art. 5(1)(b)(c), Recital 47 and 49",
         "Art. 5 Abs. 1 lit. b und c, ErwG 47 und 49 DSGVO",
         "Art. 5(1)(b)(c), Recital 47 and 49 GDPR"),
        ("GDPR Art. 21(2)/(3)", "Art. 21 Abs. 2 und 3 DSGVO", "Art. 21(2)/(3) GDPR"),
        ("GDPR Art. 6(1)(c), HGB §257, AO §147", "Art. 6 Abs. 1 lit. c DSGVO, § 257 HGB, § 147 AO",
         "Art. 6(1)(c) GDPR, § 257 HGB, § 147 AO"),
        ("", "", ""),
    ],
    ids=["one", "run", "recital", "uwg-later", "bdsg", "semicolon", "cjeu", "range", "word",
         "two-points", "and", "hgb-ao", "empty"],
)  # fmt: skip
def test_cite(text: str, de: str, en: str) -> None:
    assert cite(translator("de"), text) == de
    assert cite(translator("en"), text) == en


def test_article_takes_codes_and_citations() -> None:
    de = translator("de")
    assert article(de, "art6_1_a") == "Art. 6 Abs. 1 lit. a DSGVO"
    assert article(de, "GDPR Art. 6(1)(a)") == "Art. 6 Abs. 1 lit. a DSGVO"  # LegalBasis.article


def test_a_message_renders_stable_and_in_each_language() -> None:
    access = msg("%(count)s %(what)s", count=1, what=word("request_kind", "access"))
    evidence = joined(
        [
            msg("%(count)s overdue (%(types)s); oldest due %(day)s", count=1200,
                types=joined([access]), day=day(date(2026, 7, 1))),
            plural("%(num)s record", "%(num)s records", 2),
        ],
        "; ",
    )  # fmt: skip
    assert render(None, evidence) == "1200 overdue (1 access); oldest due 2026-07-01; 2 records"
    assert render(translator("en"), evidence).startswith(
        "1,200 overdue (1 Access (Art. 15)); oldest due 1 Jul 2026"
    )
    german = render(translator("de"), evidence)
    assert "1.200 überfällig (1 × Auskunft (Art. 15)); älteste Frist am 01.07.2026" in german


@pytest.mark.parametrize(
    ("value", "de", "en"),
    [
        (9.1e-07, "9,1 · 10⁻⁷", "9.1 × 10⁻⁷"),  # was shown as "9.1e-07"
        (1e-10, "1 · 10⁻¹⁰", "1 × 10⁻¹⁰"),
        (0.05, "0,050", "0.050"),  # an ordinary number stays ordinary
    ],
)
def test_scientific(value: float, de: str, en: str) -> None:
    assert translator("de").scientific(value) == de
    assert translator("en").scientific(value) == en


def test_roughly() -> None:
    assert translator("de").roughly(1 / 9.1e-07) == "1.100.000"
    assert translator("en").roughly(1 / 9.1e-07) == "1,100,000"


def test_reason_words_by_code() -> None:
    text = "refused: quiet hours 20:00–08:00 in the recipient's time zone; retry at …"
    assert reason(translator("en"), "quiet-hours", text) == text
    assert reason(translator("de"), "quiet-hours", text).startswith("Ruhezeit")
    # a policy rule's own reason (the DPO's words) is kept
    assert reason(translator("de"), "marketing.custom-rule", "own words") == "own words"

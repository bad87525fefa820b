"""The gettext catalogues: German complete (no missing, fuzzy or unextracted message),
a stale compiled catalogue never used, and the formats of both languages."""

from __future__ import annotations

import importlib.util
import os
from datetime import UTC, date, datetime
from pathlib import Path
from types import ModuleType

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from sphere.i18n import negotiate, translator
from sphere.i18n.catalogs import load_from
from sphere.i18n.glossary import article, legal_basis, term

ROOT = Path(__file__).resolve().parents[3]


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_german_catalogue_is_complete_and_current() -> None:
    """Fails naming each German entry that is missing, fuzzy, or not yet extracted from
    the code: run `make messages` and translate what it lists (docs/i18n.md)."""
    problems = _script().problems("de")
    assert problems == [], "\n".join(problems)


def _catalogue(directory: Path, text: str, *, fuzzy: bool = False) -> None:
    catalog = Catalog(locale="de")
    catalog.add("Hello", text, flags=("fuzzy",) if fuzzy else ())
    folder = directory / "de" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "messages.po").open("wb") as fh:
        write_po(fh, catalog)


def test_a_stale_mo_is_never_used(tmp_path: Path) -> None:
    _catalogue(tmp_path, "Hallo (alt)")
    folder = tmp_path / "de" / "LC_MESSAGES"
    catalog = Catalog(locale="de")
    catalog.add("Hello", "Hallo (alt)")
    with (folder / "messages.mo").open("wb") as fh:
        write_mo(fh, catalog)
    assert load_from(tmp_path, "de").gettext("Hello") == "Hallo (alt)"
    _catalogue(tmp_path, "Hallo (neu)")  # edited after the build
    old = (folder / "messages.po").stat().st_mtime - 60
    os.utime(folder / "messages.mo", (old, old))
    assert load_from(tmp_path, "de").gettext("Hello") == "Hallo (neu)"


def test_fuzzy_entries_are_not_shown(tmp_path: Path) -> None:
    _catalogue(tmp_path, "Geraten", fuzzy=True)
    assert load_from(tmp_path, "de").gettext("Hello") == "Hello"


@pytest.mark.parametrize(
    ("header", "lang"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en-GB,en;q=0.9,de;q=0.8", "en"),
        ("fr-FR,fr;q=0.9,de;q=0.5,en;q=0.4", "de"),
        ("en;q=0.2, de-AT", "de"),
        ("fr", None),
        ("de;q=0", None),
        ("", None),
    ],
)
def test_accept_language(header: str, lang: str | None) -> None:
    assert negotiate(header) == lang


def test_dates_and_numbers_in_the_company_time_zone() -> None:
    moment = datetime(2026, 11, 3, 13, 5, tzinfo=UTC)
    de, en = translator("de"), translator("en")
    assert de.datetime(moment) == "03.11.2026, 14:05"
    assert en.datetime(moment) == "3 Nov 2026, 14:05"
    assert de.date(datetime(2026, 11, 3, 23, 30, tzinfo=UTC)) == "04.11.2026"  # local day
    assert de.date(date(2026, 11, 3)) == "03.11.2026"
    assert de.number(1234567.5) == "1.234.567,5" and en.number(1234567.5) == "1,234,567.5"
    assert translator("de", "Europe/London").time(moment) == "13:05"


def test_a_deadline_shows_its_last_day_not_the_instant_it_expires() -> None:
    from sphere.dsr.deadline import RequestDeadline

    # received 3 Dec 2026 → one month → ends with 3 Jan 2027 (Reg. 1182/71 Art. 3(2)(c));
    # due_at is the start of 4 Jan in Berlin, which a plain date filter showed
    due = RequestDeadline(received_at=datetime(2026, 12, 3, 9, 30, tzinfo=UTC))
    assert translator("de").deadline(due.due_at) == "03.01.2027"
    assert translator("en").deadline(due.due_at) == "3 Jan 2027"
    summer = RequestDeadline(received_at=datetime(2026, 6, 30, 23, 30, tzinfo=UTC))  # 1 Jul
    assert translator("de").deadline(summer.due_at) == "01.08.2026"
    assert translator("de").deadline(None) == ""


def test_law_is_cited_the_way_each_language_cites_it() -> None:
    de, en = translator("de"), translator("en")
    assert article(de, "art6_1_a") == "Art. 6 Abs. 1 lit. a DSGVO"
    assert article(en, "art6_1_a") == "Art. 6(1)(a) GDPR"
    assert article(de, "art9_2_e") == "Art. 9 Abs. 2 lit. e DSGVO"
    assert article(de, "art15") == "Art. 15 DSGVO"
    assert (
        legal_basis(de, "art6_1_f") == "Art. 6 Abs. 1 lit. f DSGVO – unser berechtigtes Interesse"
    )
    assert term(de, "purpose", "enrichment") == "Anreicherung des Kundenkontos"
    assert term(de, "purpose", "something_new") == "Something new"


def test_unsupported_languages_fall_back() -> None:
    assert translator("fr").lang == "en"
    assert translator("de-AT").lang == "de"

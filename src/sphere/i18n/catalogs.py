"""Loading the gettext catalogues of ``sphere/locale`` (managed with Babel).

The source of truth is ``locale/<lang>/LC_MESSAGES/messages.po`` (in git); the build
compiles each to ``messages.mo`` (``make locale``, run by ``make install``; ``.mo`` files
are not in git). A ``.mo`` that is missing or older than its ``.po`` is never used: the
``.po`` is then compiled in memory (fuzzy entries left out, as ``pybabel compile`` does),
so a fresh clone and an edited catalogue both show what the ``.po`` says.
"""

from __future__ import annotations

import gettext
import io
import logging
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"
DOMAIN = "messages"

log = logging.getLogger("sphere.i18n")


def po_path(lang: str, directory: Path = LOCALE_DIR) -> Path:
    return directory / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def mo_path(lang: str, directory: Path = LOCALE_DIR) -> Path:
    return directory / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"


def compile_po(lang: str, directory: Path = LOCALE_DIR) -> bytes:
    """The ``.mo`` bytes of one language's ``.po`` (fuzzy entries left out)."""
    with po_path(lang, directory).open("rb") as fh:
        catalog = read_po(fh, locale=lang, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def mo_is_current(lang: str, directory: Path = LOCALE_DIR) -> bool:
    po, mo = po_path(lang, directory), mo_path(lang, directory)
    return mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime)


def load_from(directory: Path, lang: str) -> gettext.NullTranslations:
    """The translations of ``lang`` under ``directory``: the ``.mo`` if it is current,
    else the ``.po`` compiled in memory; no catalogue gives the (English) message ids."""
    if mo_is_current(lang, directory):
        with mo_path(lang, directory).open("rb") as fh:
            return gettext.GNUTranslations(fh)
    po = po_path(lang, directory)
    if po.is_file():
        log.info("compiling %s in memory (no current .mo; run `make locale`)", po)
        return gettext.GNUTranslations(io.BytesIO(compile_po(lang, directory)))
    return gettext.NullTranslations()


@cache
def load(lang: str) -> gettext.NullTranslations:
    """The shipped translations of ``lang``, loaded once per process."""
    return load_from(LOCALE_DIR, lang)

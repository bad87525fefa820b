"""The gettext catalogues of ``src/sphere/locale`` (docs/i18n.md).

    python scripts/i18n.py update    # extract from Python and templates, merge into each .po
    python scripts/i18n.py compile   # .po → .mo (fuzzy entries left out)
    python scripts/i18n.py check     # exit 1 naming each missing or fuzzy German entry

``update`` writes the catalogues sorted by message and without source locations or
dates, so that two branches adding strings merge without conflicts; it never fuzzy-
matches (a guessed translation is worse than none) and drops entries no longer used.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
LOCALE = ROOT / "src" / "sphere" / "locale"
LANGUAGES = ("de", "en")
CHECKED = ("de",)  # English message ids are English; German must be complete
KEYWORDS = {**DEFAULT_KEYWORDS, "N_": None}
# A fixed date keeps the header stable (no merge conflicts from a timestamp).
STAMP = datetime(2026, 1, 1, tzinfo=UTC)


def po_file(lang: str) -> Path:
    return LOCALE / lang / "LC_MESSAGES" / "messages.po"


def _folder_wanted(path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and name not in ("__pycache__", "node_modules")


def extract() -> Catalog:
    with (ROOT / "babel.cfg").open() as fh:
        method_map, options_map = parse_mapping_cfg(fh)
    template = Catalog(
        project="Sphere", version="", creation_date=STAMP, revision_date=STAMP, fuzzy=False
    )
    for path, lineno, message, comments, context in extract_from_dir(
        str(ROOT),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
        # Babel skips folders starting with "_" by default: templates/_partials is ours.
        directory_filter=_folder_wanted,
    ):
        template.add(message, locations=[(path, lineno)], auto_comments=comments, context=context)
    return template


def update() -> None:
    template = extract()
    for lang in LANGUAGES:
        path = po_file(lang)
        if path.is_file():
            with path.open("rb") as fh:
                catalog = read_po(fh, locale=lang)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            catalog = Catalog(locale=lang, project="Sphere", version="", fuzzy=False)
        catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
        catalog.obsolete.clear()
        catalog.creation_date = catalog.revision_date = STAMP
        catalog.fuzzy = False
        catalog.language_team = catalog.last_translator = ""
        catalog.version = "1"
        catalog.msgid_bugs_address = ""
        catalog.header_comment = (
            f"# Sphere's {lang} catalogue. Translate the msgstr lines; `make messages`\n"
            "# re-extracts the message ids from the code (docs/i18n.md)."
        )
        with path.open("wb") as fh:
            write_po(fh, catalog, width=100, no_location=True, sort_output=True)
        print(f"{path.relative_to(ROOT)}: {len(catalog)} messages")


def compile_all() -> None:
    for lang in LANGUAGES:
        with po_file(lang).open("rb") as fh:
            catalog = read_po(fh, locale=lang)
        with po_file(lang).with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalog, use_fuzzy=False)


def problems(lang: str) -> list[str]:
    """Missing or fuzzy entries of one catalogue, and message ids the sources no longer
    or not yet have (the catalogue is behind the code: run ``update``)."""
    with po_file(lang).open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    found = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            found.append(f"fuzzy: {message.id!r}")
        elif not all(strings):
            found.append(f"not translated: {message.id!r}")
    template = extract()
    for message in template:
        if message.id and message.id not in catalog:
            found.append(f"not in the catalogue (run make messages): {message.id!r}")
    return found


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else ""
    if command == "update":
        update()
    elif command == "compile":
        compile_all()
    elif command == "check":
        issues = [f"{lang}: {p}" for lang in CHECKED for p in problems(lang)]
        print("\n".join(issues) or "catalogues complete")
        return 1 if issues else 0
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

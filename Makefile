# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)
# Browser tests drive Debian's Chromium (never a downloaded browser build).
CHROMIUM := /usr/bin/chromium

.PHONY: demo test lint fmt bench install clean docs locale messages
# Compiled gettext catalogues (docs/i18n.md): built from the .po files, not kept in git.
PO := $(wildcard src/sphere/locale/*/LC_MESSAGES/messages.po)
MO := $(PO:.po=.mo)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP) $(MO)

## Compile the catalogues (.po → .mo); a .mo older than its .po is never used.
locale: $(MO)

%.mo: %.po $(STAMP)
	$(BIN)/python scripts/i18n.py compile

## After changing strings: extract them into the catalogues, then translate the German.
messages: $(STAMP)
	$(BIN)/python scripts/i18n.py update
	$(BIN)/python scripts/i18n.py check || true

## Build the demo company on SQLite, ingest it through the real pipeline, serve it.
demo: $(STAMP) $(MO)
	$(BIN)/sphere demo $(DEMO_ARGS)

## Lint (ruff, import contracts) and the whole test suite (SQLite, PostgreSQL, Chromium):
## everything not marked `serial` on TEST_WORKERS workers (pytest-xdist, one file per worker
## at a time), then the `serial` tests (timing, memory, restarted servers) alone.
TEST_WORKERS ?= 2
test: $(STAMP) $(MO) $(CHROMIUM) lint
	$(BIN)/pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not serial" --durations=25
	$(BIN)/pytest -q -m serial --durations=25

$(CHROMIUM):
	@if [ "$$(id -u)" = 0 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; \
	else echo "browser tests need Chromium: sudo apt-get install chromium chromium-driver" >&2; fi

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff format src tests bench scripts
	$(BIN)/ruff check --fix src tests bench scripts

## Benchmarks print their figures; see docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python bench/bench_policy.py

clean:
	rm -rf $(VENV) .sphere .pytest_cache .ruff_cache

docs: $(STAMP)
	$(BIN)/python -c "from sphere.settings import settings_markdown; print(settings_markdown(), end='')" > docs/configuration.md
	$(BIN)/python scripts/gen_cli_docs.py

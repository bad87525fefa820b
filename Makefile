# Two commands for a newcomer: `make demo` and `make test`. Everything else is optional.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

.PHONY: demo test lint fmt bench install clean docs

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	rm -f $(VENV)/.installed-*
	touch $@

install: $(STAMP)

## Build the demo company on SQLite, ingest it through the real pipeline, serve it.
demo: $(STAMP)
	$(BIN)/sphere demo

## Lint (ruff, import contracts) and the whole test suite (SQLite and PostgreSQL).
test: $(STAMP) lint
	$(BIN)/pytest -q

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

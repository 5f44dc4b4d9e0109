# `make run` and `make test` set everything up on a fresh machine: virtualenv, install, database.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST := 127.0.0.1
PORT := 8000

.PHONY: install run test test-sqlite test-postgres test-browser bench lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Byline needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

# make run HOST=0.0.0.0 PORT=8123: links Byline writes follow the address served, unless
# BYLINE_BASE_URL says otherwise.
run: $(STAMP)
	$(BIN)/byline serve --host $(HOST) --port $(PORT)

# The whole suite on SQLite, then again on PostgreSQL when a server answers at
# BYLINE_TEST_DATABASE_URL (default postgresql://postgres@127.0.0.1:5432/postgres). When none
# does, one line says so and the PostgreSQL run is skipped; BYLINE_TEST_REQUIRE=postgres (as in
# .ci/run) makes that a failure, before anything else runs.
test: $(STAMP)
	@probe=0; note=$$($(BIN)/python -m tests.helpers.postgres_probe) || probe=$$?; \
	if [ $$probe -ne 0 ] && [ $$probe -ne 3 ]; then echo "$$note"; exit $$probe; fi; \
	$(MAKE) --no-print-directory test-sqlite || exit $$?; \
	if [ $$probe -eq 0 ]; then $(MAKE) --no-print-directory test-postgres; else echo "$$note"; fi

test-sqlite: $(STAMP)
	BYLINE_TEST_DB=sqlite $(BIN)/python -m pytest

test-postgres: $(STAMP)
	BYLINE_TEST_DB=postgresql $(BIN)/python -m pytest

# The browser tests alone (Debian's Chromium, driven by Playwright); screenshots of every page
# they visit land in test-artifacts/browser/.
test-browser: $(STAMP)
	BYLINE_TEST_DB=sqlite $(BIN)/python -m pytest tests/browser

bench: $(STAMP)
	$(BIN)/python -m bench.dispatch --database sqlite
	$(BIN)/python -m bench.dispatch --database postgresql

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts

# `make run` and `make test` set everything up on a fresh machine: virtualenv, install, database.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: install run test test-sqlite test-postgres bench lint clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Byline needs Python 3.11 or newer (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/byline serve

# The whole suite runs twice: on SQLite, then on PostgreSQL (a scratch database on the server
# named by BYLINE_TEST_DATABASE_URL, default postgresql://postgres@127.0.0.1:5432/postgres).
test: test-sqlite test-postgres

test-sqlite: $(STAMP)
	BYLINE_TEST_DB=sqlite $(BIN)/python -m pytest

test-postgres: $(STAMP)
	BYLINE_TEST_DB=postgresql $(BIN)/python -m pytest

bench: $(STAMP)
	$(BIN)/python -m bench.dispatch --database sqlite
	$(BIN)/python -m bench.dispatch --database postgresql

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

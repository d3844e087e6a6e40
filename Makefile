# Kinhaven: `make run` starts an instance, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test lint bench clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Kinhaven needs Python 3.11 or newer (PYTHON=$(PYTHON))"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

# A local trial instance on http://127.0.0.1:8000 backed by data/kinhaven.sqlite3.
run: $(STAMP)
	KINHAVEN_SCHEME=$${KINHAVEN_SCHEME:-http} $(BIN)/kinhaven init
	KINHAVEN_SCHEME=$${KINHAVEN_SCHEME:-http} $(BIN)/kinhaven serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

test: lint
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-output

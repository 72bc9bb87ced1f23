# Buttress — the two commands of the quick start are `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck conformance bench sysdeps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

sysdeps:
	bash scripts/install-system-deps.sh

demo: $(STAMP) sysdeps
	bash scripts/demo-simulate.sh
	bash scripts/demo.sh

test: $(STAMP) sysdeps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n auto -q

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy

conformance: $(STAMP)
	$(BIN)/python scripts/conformance.py

bench: $(STAMP) sysdeps
	$(BIN)/python bench/scheduler.py

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

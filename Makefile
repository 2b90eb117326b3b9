# Two commands on a fresh machine with python3 and make: `make run`, `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=

.PHONY: run test lint bench install clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# stamp files so the install runs again only when pyproject.toml changes
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed

# one plain command: make starts the bot itself (no shell in between), so a closed terminal's
# SIGHUP reaches it and it stops cleanly, freeing the API port (tests/bot/test_app_hangup.py)
run: $(VENV)/.installed
	$(BIN)/strikebot run

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(VENV)/.installed-test
	$(BIN)/ruff check bot handlers storage seeds tests bench
	$(BIN)/mypy

bench: $(VENV)/.installed-test
	$(BIN)/python bench/store.py
	$(BIN)/python bench/import_memory.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/api.py
	$(BIN)/python bench/instances.py
	$(BIN)/python bench/parse.py

clean:
	rm -rf $(VENV) *.egg-info

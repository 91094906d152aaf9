# InstaInstru — `make run` serves the demo, `make test` runs every check. See README.md.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

.PHONY: run test lint types audit pytest install install-dev clean

# Stamps make a second run skip installs whose inputs did not change.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

$(VENV)/.installed-dev: requirements-dev.lock $(VENV)/.installed
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements-dev.lock
	touch $@

# localstripe, the Stripe emulator the payment tests start, has its own venv: its pins stay
# out of the app's locks (tests/localstripe.py starts it on 127.0.0.1).
LOCALSTRIPE := .venv-localstripe
$(LOCALSTRIPE)/.installed: requirements-localstripe.lock
	$(PYTHON) -m venv $(LOCALSTRIPE)
	$(LOCALSTRIPE)/bin/pip install --quiet --disable-pip-version-check -r requirements-localstripe.lock
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(VENV)/.installed node_modules/.installed
install-dev: $(VENV)/.installed-dev $(LOCALSTRIPE)/.installed node_modules/.installed

# The demo runs as a visitor would see it (the product's own error pages, not Django's debug
# pages), and links in its emails point at the port it serves on. Either can be overridden.
run: export DEBUG ?= false
run: export SITE_URL ?= http://127.0.0.1:$(PORT)
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py serve 127.0.0.1:$(PORT)

lint: install-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: install-dev
	$(BIN)/mypy .

# Known vulnerabilities in the locked Python and npm packages (audit-allow.toml lists the
# accepted ones). Fails on a finding; says "audit could not run" when a database is out of
# reach (README, "Dependency audit").
audit: install-dev
	$(BIN)/python scripts/audit.py

# Tests need PostgreSQL and Redis: scripts/with_services.py uses DATABASE_URL / REDIS_URL
# (default: the local servers) or starts throwaway ones from the installed binaries.
pytest: install-dev
	$(BIN)/python scripts/with_services.py $(BIN)/pytest $(PYTEST_ARGS)

test: lint types audit pytest

clean:
	rm -rf $(VENV) $(LOCALSTRIPE) node_modules var db.sqlite3 .mypy_cache .pytest_cache .ruff_cache

# Guichet: `make run` serves the demo portal, `make test` runs every check.
SHELL := /bin/bash
PYTHON ?= python3.12
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export GUICHET_VAR_DIR ?= $(CURDIR)/var

.PHONY: run test lint bench venv migrate demo messages clean worker

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

venv: $(STAMP)

run: export GUICHET_DEBUG = 1
run: $(STAMP)
	@mkdir -p var
	$(BIN)/python manage.py migrate --no-input -v 0
	$(BIN)/python manage.py load_demo
	$(BIN)/python manage.py serve --host 127.0.0.1 --port 8000

test: $(STAMP) lint
	GUICHET_TESTING=1 $(BIN)/python manage.py makemigrations --check --dry-run -v 1
	GUICHET_TESTING=1 $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench bin
	$(BIN)/ruff format --check src tests bench bin
	GUICHET_TESTING=1 $(BIN)/mypy

bench: $(STAMP)
	GUICHET_TESTING=1 $(BIN)/python bench/run.py

messages: $(STAMP)
	cd src/guichet && DJANGO_SETTINGS_MODULE=guichet.settings GUICHET_TESTING=1 ../../$(BIN)/django-admin makemessages -l de -l fr -l it -l en --no-obsolete --no-location --ignore "static/*"
	$(BIN)/python bin/fill_source_catalogue.py src/guichet/locale
	cd src/guichet && DJANGO_SETTINGS_MODULE=guichet.settings GUICHET_TESTING=1 ../../$(BIN)/django-admin compilemessages

clean:
	rm -rf var

# Relais — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint format migrate demo clean db-roles messages screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet ".[dev]"
	touch $(STAMP)

install: $(STAMP)

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

# PostgreSQL with two roles (docs/operations.md): create the owner and application roles and
# the database (with DB_ADMIN_URL, a CREATEROLE/CREATEDB role), then grant; idempotent.
db-roles: install
	$(BIN)/python manage.py relais_db_roles $(if $(DB_ADMIN_URL),--admin-url "$(DB_ADMIN_URL)") $(DB_ROLES_FLAGS)

demo: migrate
	$(BIN)/python manage.py seed_demo

run: demo
	@echo "Relais : http://$(HOST):$(PORT)/"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

test: lint
	$(BIN)/python -m pytest

# French catalogue (viewflow's strings): the compiled .mo is committed, so a clone needs no
# gettext; run this after editing locale/fr/LC_MESSAGES/django.po.
messages:
	msgfmt --check-format -o locale/fr/LC_MESSAGES/django.mo locale/fr/LC_MESSAGES/django.po

# docs/screenshots/<role>.png: each role's landing page, taken by the accessibility browser
# test, and strategic-release.png: the release the journey's strategic group reads (needs
# Chromium and PostgreSQL: DATABASE_URL=postgres://…).
screenshots: install
	RELAIS_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser/test_a_journey.py tests/browser/test_accessibility.py -q -k "journey or main_pages"

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) var/*.sqlite3 .pytest_cache .ruff_cache

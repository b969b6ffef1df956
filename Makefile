# The README's two commands are `make run` and `make test`; the rest are helpers.
# Needs only Python 3.11+ (Django 6 on 3.12+, the 5.2 LTS on 3.11); no PostgreSQL, Redis or Docker.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: run test fuzz load install lint format messages check-python clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version 2>&1))."; exit 1; }

$(BIN)/python: | check-python
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

## make run: virtualenv, install, migrate, demo data, then web server + Celery worker + beat.
run: install
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py demo_data
	@echo
	@echo "  Dashboard (physio):    http://$(HOST):$(PORT)/dashboard/"
	@echo "  API docs (Swagger UI): http://$(HOST):$(PORT)/api/v1/docs/"
	@echo "  OpenAPI schema:        http://$(HOST):$(PORT)/api/v1/schema/"
	@echo "  Admin:                 http://$(HOST):$(PORT)/admin/"
	@echo "  Health:                http://$(HOST):$(PORT)/healthz"
	@echo "  Stop with Ctrl-C."
	@echo
	DEBUG=1 HOST=$(HOST) PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho -f Procfile.dev start -p $(PORT)

## make test: the whole suite. Uses DATABASE_URL / REDIS_URL when set (as .ci/run does).
test: install
	$(BIN)/python -m pytest $(ARGS)

## make fuzz: only the schemathesis fuzzing, with a bigger budget (examples per operation).
FUZZ_EXAMPLES ?= 25
fuzz: install
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest -m fuzz $(ARGS)

## make load: bench/load on gunicorn + PostgreSQL + Redis (see bench/README.md).
load: install
	$(BIN)/python -m pip install --quiet -e ".[load]"
	$(BIN)/python bench/load/run.py $(ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## Re-extract and compile translations (needs GNU gettext); the compiled .mo is committed.
messages: install
	DEBUG=1 $(BIN)/python manage.py makemessages -l nl --no-obsolete --ignore=.venv --ignore=var
	cd programs && DEBUG=1 ../$(BIN)/python ../manage.py compilemessages -l nl

clean:
	rm -rf $(VENV) var

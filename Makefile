# Two commands on a fresh machine: `make run` and `make test`. Everything else is set up here.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?=
# Without REDIS_URL, `make run` makes this folder the Celery broker and result backend (kombu's
# filesystem transport): a real worker with beat, and no server to install.
TAKEN_MAP ?= .celery

.PHONY: install run test lint bench worker beat clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 of nieuwer is nodig")'
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

# The web server and, beside it, a Celery worker with beat (-B) that runs the nightly schedule; the
# worker stops with `make run` (Ctrl-C or any exit). After the demo data the fase check runs once
# (a JobRun in the Taken screen), so the review queue shows what the demo planted.
run: export LEERROUTE_TAKEN_MAP := $(if $(REDIS_URL),,$(TAKEN_MAP))
run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --if-empty
	$(PY) manage.py check_phases --if-never-run -v 0
	@echo ""
	@echo "Leerroute draait op http://127.0.0.1:$(PORT)/  (demo-logins hierboven)"
	@$(VENV)/bin/celery -A config worker -B --concurrency 1 --loglevel=WARNING \
	    --schedule "$(or $(LEERROUTE_TAKEN_MAP),.)/beat-schedule" & worker=$$!; \
	  trap 'kill -TERM $$worker 2>/dev/null; wait $$worker' EXIT; \
	  trap 'exit 130' INT TERM; \
	  $(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

# One table: seed, fase check, ROD export (against COPY), every page per role (against a minimal
# view), anonymisation. Replaces the data in the database: point DATABASE_URL at one made for it.
bench: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py bench --students $(or $(BENCH_STUDENTS),50000)

worker: export LEERROUTE_TAKEN_MAP := $(if $(REDIS_URL),,$(TAKEN_MAP))
worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

beat: export LEERROUTE_TAKEN_MAP := $(if $(REDIS_URL),,$(TAKEN_MAP))
beat: install
	$(VENV)/bin/celery -A config beat --loglevel=INFO --schedule "$(or $(LEERROUTE_TAKEN_MAP),.)/beat-schedule"

clean:
	rm -rf $(VENV) db.sqlite3 media staticfiles .pytest_cache $(TAKEN_MAP)

# Cocreate developer commands. `make run` (site + demo data) and `make test` are the whole
# quickstart: both create the virtualenv and install requirements.txt first when needed.
# Every target uses the project's .venv when it exists, the system Python otherwise.

VENV     ?= .venv
PYTHON3  ?= python3
PY       ?= $(if $(wildcard $(VENV)/bin/python),$(VENV)/bin/python,$(PYTHON3))
PYTEST   ?= $(if $(wildcard $(VENV)/bin/pytest),$(VENV)/bin/pytest,$(PY) -m pytest)
CELERY   ?= $(if $(wildcard $(VENV)/bin/celery),$(VENV)/bin/celery,$(PY) -m celery)
HOST     ?= 127.0.0.1
PORT     ?= 8000
# Extra arguments for pytest, e.g. `make test PYTEST_ARGS="-x -k votes"`.
PYTEST_ARGS ?=
LANGUAGES_ := zh_Hans  # English is the source language: no catalogue
# Folders makemessages/compilemessages must not walk into.
I18N_IGNORE := --ignore=.venv --ignore=venv --ignore=node_modules --ignore=media --ignore=staticfiles --ignore=artifacts

.PHONY: help install node run worker beat test check messages

help:
	@echo "make install   create $(VENV), install requirements.txt and npm packages (npm ci)"
	@echo "make run       migrate, load demo data, serve on http://$(HOST):$(PORT)/"
	@echo "make worker    Celery worker (needs REDIS_URL; without it tasks run in-process); one queue:"
	@echo "               make worker QUEUE=screening  (or default, batch, email; CONCURRENCY=n)"
	@echo "make beat      Celery beat, the periodic jobs declared in settings"
	@echo "make test      the test suite (set DATABASE_URL / REDIS_URL for PostgreSQL + Redis)"
	@echo "make check     Django system checks, missing-migration check, the import-linter layer contract"
	@echo "make messages  update and compile translations ($(LANGUAGES_))"

install: $(VENV)/.installed node

$(VENV)/.installed: requirements.txt
	test -x $(VENV)/bin/python || $(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check --upgrade pip
	$(VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements.txt
	touch $@

# Apache ECharts (the growth dashboard's charts) from the npm registry, pinned by package-lock.json;
# served from node_modules/echarts/dist through STATICFILES_DIRS, never a CDN. Without npm the
# site and the tests still run (the dashboard shows its tables, without charts): one line says so.
node:
	@if [ -f node_modules/.installed ] && [ node_modules/.installed -nt package-lock.json ]; then :; \
	elif command -v npm >/dev/null 2>&1; then \
		npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
		echo "npm not found: skipping Apache ECharts (the growth dashboard shows tables without charts; install Node.js 18+ with npm and run make install)"; \
	fi

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py demo --serving
	@echo
	@echo "  Cocreate is running at http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	@echo "  E-mails (sign-up verification links) are printed below, each under an '==== E-MAIL to ...' banner."
	@echo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Queues (config/queues.py): screening (latency-critical), default, batch, email. In production run
# one worker per queue so a batch backlog never delays screening, e.g.
#   make worker QUEUE=screening CONCURRENCY=2 & make worker QUEUE=default & make worker QUEUE=batch & make worker QUEUE=email
# With no QUEUE one worker consumes all four (development).
QUEUE ?= screening,default,batch,email
CONCURRENCY ?=
comma_ := ,
worker:
	$(CELERY) -A config worker -l info -Q $(QUEUE) -n $(subst $(comma_),-,$(QUEUE))@%h $(if $(CONCURRENCY),-c $(CONCURRENCY))

beat:
	$(CELERY) -A config beat -l info

test: install
	$(PYTEST) $(PYTEST_ARGS)

check:
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	$(if $(wildcard $(VENV)/bin/lint-imports),$(VENV)/bin/lint-imports,lint-imports)

messages:
	$(PY) manage.py makemessages $(addprefix -l ,$(LANGUAGES_)) $(I18N_IGNORE)
	$(PY) manage.py compilemessages $(addprefix -l ,$(LANGUAGES_)) $(I18N_IGNORE)

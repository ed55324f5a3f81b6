# The two commands a newcomer needs: `make run` and `make test`.
# Debian's own Python 3.11 where it is installed, else python3.11 on the PATH:
# built with profile-guided and link-time optimisation, it runs the suite in
# less CPU time (the figures are in the README, under "Two commands").
PYTHON ?= $(firstword $(wildcard /usr/bin/python3.11) python3.11)
VENV := .venv
BIN := $(VENV)/bin
CASE_FIXTURE := fixtures/fuzhou-genesis.json

.PHONY: install messages run test coverage migrate seed serve bench chaos bench-captures screenshots

# Debian keeps venv's installer of pip in a package of its own, installed here where it is missing.
$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; run: make PYTHON=python3 ..." >&2; exit 1; }
	@$(PYTHON) -c 'import ensurepip' >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$$($(PYTHON) -c 'import sys; print("python%d.%d-venv" % sys.version_info[:2])')"; }
	$(PYTHON) -m venv $(VENV)

# followthemoney needs PyICU, built here from source against Debian's ICU.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	@{ command -v g++ && command -v pkg-config && pkg-config --exists icu-uc icu-i18n \
		&& $(BIN)/python -c 'import os, sysconfig, sys; sys.exit(not os.path.exists(sysconfig.get_path("include") + "/Python.h"))'; \
		} >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq g++ pkg-config libicu-dev python3-dev; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# The words of the public pages in each language: locale/<language>/LC_MESSAGES/django.po, compiled
# for Django with gettext's msgfmt (Debian's `gettext`, installed where it is missing).
MESSAGES := $(patsubst %.po,%.mo,$(wildcard locale/*/LC_MESSAGES/django.po))
# Where `make messages` looks for them: not in the admin, which stays in English.
MESSAGES_IGNORE := --ignore=.venv --ignore=tests --ignore=bench --ignore=staticfiles --ignore='casefile/templates/admin/*'

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po | $(VENV)/.installed
	@command -v msgfmt >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq gettext; }
	$(BIN)/python manage.py compilemessages --locale $* --ignore=.venv --verbosity 0

install: $(VENV)/.installed $(MESSAGES)

# After a page's words change: adds the new ones to each language's django.po, to be translated there.
messages: install
	$(BIN)/python manage.py makemessages --locale zh_Hans --no-obsolete $(MESSAGES_IGNORE)

migrate: install
	$(BIN)/python manage.py migrate --no-input

# With DEBUG off, pages name the static files collectstatic fingerprints: the
# case's approval keeps its pages, so they are collected first.
seed: migrate
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py create_dev_accounts
	$(BIN)/python manage.py load_case $(CASE_FIXTURE) --approve-as editor

# The development server beside the task worker, which keeps pages after
# each approval and publishes approvals for later at their time.
run: seed
	@echo "Casefile: http://127.0.0.1:8000/  (admin: http://127.0.0.1:8000/admin/)"
	TASKS_BACKEND=database $(BIN)/python manage.py db_worker --queue-name '*' --interval 0.5 --no-reload --verbosity 0 & worker=$$!; \
	trap 'kill $$worker' EXIT; \
	TASKS_BACKEND=database $(BIN)/python manage.py runserver 127.0.0.1:8000

# On every core by default; `make test PYTEST_ARGS=tests/public` runs what it names, serially.
# Each worker, and each process a test starts, compiles the project once and
# pytest rewrites the tests' asserts once: kept in __pycache__ even where the
# shell says not to (PYTHONDONTWRITEBYTECODE), they are not done again next run.
PYTEST_ARGS ?= -n auto
test: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest $(PYTEST_ARGS)

# Branch coverage of the app, over the whole suite.
coverage: install
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto --cov=casefile --cov=newsroom --cov-branch --cov-report=term:skip-covered

# Renews the README's screenshots: the seeded case, the desk, a review, its rule warnings, a history, a
# lawyer's desk, an approval for later, a review with comments and a case's changes (needs Debian's chromium).
screenshots: install
	SAVE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/test_browser.py -k screenshots
	SAVE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/desk/test_shared_work_in_chromium.py -k compares
	SAVE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/desk/test_daily_work_in_chromium.py -k opposition
	SAVE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/replies/test_reply_and_legal_in_chromium.py
	SAVE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/scheduling/test_approve_for_later_in_chromium.py
	SAVE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/comments/test_review_comments_in_chromium.py
	SAVE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/changes/test_case_changes_in_chromium.py

# A production-like server: gunicorn against DATABASE_URL and REDIS_URL, and
# the task worker that keeps pages and purges the edge after each approval,
# started again whenever it stops (it exits when the database is
# unreachable; see docs/production.md). Locally without TLS, set
# SECURE_SSL_REDIRECT=0.
serve: install
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0
	$(BIN)/python manage.py render_pages
	while true; do $(BIN)/python manage.py db_worker --queue-name '*' --interval 0.2 --no-reload; \
		echo "db_worker stopped; starting it again" >&2; sleep 1; done & worker=$$!; \
	trap 'pkill -P $$worker; kill $$worker' EXIT; \
	$(BIN)/gunicorn -c gunicorn.conf.py newsroom.wsgi

# Load figures at newsroom scale: builds a synthetic newsroom in its own
# PostgreSQL database (emptied first), serves it with gunicorn and the task
# worker, with Varnish in front for the edge rows, drives wrk.
BENCH_DATABASE_URL ?= postgres://casefile@127.0.0.1:5432/casefile_bench
bench: install
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; }
	@{ PATH="$$PATH:/usr/sbin" command -v varnishd && ls /usr/lib/*/varnish/vmods/libvmod_xkey.so; } >/dev/null 2>&1 \
		|| { apt-get update -qq && apt-get install -y -qq varnish varnish-modules; }
	@psql -h 127.0.0.1 -U casefile -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'casefile_bench'" | grep -q 1 \
		|| createdb -h 127.0.0.1 -U casefile casefile_bench
	@export DEBUG=0 SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=127.0.0.1,testserver \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		CASEFILE_IDENTITY_KEYS="$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
		DATABASE_URL="$(BENCH_DATABASE_URL)" \
		REDIS_URL="$${REDIS_URL:-$$(redis-cli -h 127.0.0.1 ping >/dev/null 2>&1 && echo redis://127.0.0.1:6379/15)}"; \
	$(BIN)/python manage.py migrate --no-input --verbosity 0 && \
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0 && \
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py bench_newsroom $(BENCH_ARGS)

# Outages under load: the seeded case served as in production from its own
# PostgreSQL database (emptied first), with its own Redis, gunicorn and task
# worker; Redis, the worker and the site's database go away in turn and come
# back while readers, reporters and an editor work. About two minutes; fails
# if an approval is lost, a bare 500 is answered, or a reader is served an
# older version than the last approval (past a few seconds after each outage
# or return, and unless the page says it may be stale: `Warning: 110`).
CHAOS_DATABASE_URL ?= postgres://casefile@127.0.0.1:5432/casefile_chaos
chaos: install
	@export DEBUG=0 SECURE_SSL_REDIRECT=0 ALLOWED_HOSTS=127.0.0.1,testserver TASKS_BACKEND=database REDIS_URL= \
		SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		CASEFILE_IDENTITY_KEYS="$$($(BIN)/python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
		DATABASE_URL="$(CHAOS_DATABASE_URL)"; \
	$(BIN)/python manage.py collectstatic --no-input --verbosity 0 && \
	DJANGO_SETTINGS_MODULE=bench.settings $(BIN)/python manage.py chaos $(CHAOS_ARGS)

# How long verify_captures takes over 1 GB of copies made up for the run in a
# temporary folder; their records are rolled back, nothing is kept.
bench-captures: migrate
	$(BIN)/python manage.py bench_captures

# Developer entry points. Each target bootstraps .venv from pyproject.toml on first use.
.DEFAULT_GOAL := help
SHELL := /bin/bash

# The first interpreter that is Python >= 3.12 (Django 6.x needs it).
PYTHON ?= $(shell for p in python3.13 python3.12 python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# A second environment on Django 5.2 LTS, for the browser tests (the admin's
# markup differs between 5.2 and 6.x).
VENV52 := .venv-django52
STAMP52 := $(VENV52)/.installed
TOX_ENVS ?= lint,type,pkg,py311-django52,py312-django60,py313-django61

.PHONY: help test test-services test-e2e test-e2e-61 test-e2e-52 screenshots reliability bench demo docs lint type tox clean

help:
	@echo "make test   run the test suite (SQLite + the in-process sandbox), then the integrations"
	@echo "make test-services  worker, PostgreSQL, Redis and RabbitMQ tests (needs those services)"
	@echo "make test-e2e  browser tests on Django 6.1 and 5.2 (Playwright driving /usr/bin/chromium)"
	@echo "make screenshots  refresh docs/screenshots/ from a browser-test run (Django 6.1, 1,280 px)"
	@echo "make reliability  the reliability and security suite at full counts, with figures"
	@echo "make bench  benchmarks B1-B10 on PostgreSQL, Redis (BENCH_ARGS=--quick: small sizes)"
	@echo "make demo   the example project: site, admin and sandbox (Ctrl-C stops)"
	@echo "make docs   the documentation site, into docs/_build/html (warnings fail)"
	@echo "make lint   ruff check + format check + import contracts (lint-imports);  make type   mypy --strict"
	@echo "make tox    the tox matrix ($(TOX_ENVS))"

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 is needed (python3.12 or python3.13 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[phonenumbers,allauth,two-factor,otp]' --group test --group integrations --group lint --group type --group dev --group services --group e2e --group docs
	@touch $@

$(STAMP52): pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python >= 3.12 is needed (python3.12 or python3.13 on PATH)"; exit 1; }
	$(PYTHON) -m venv $(VENV52)
	$(VENV52)/bin/python -m pip install --quiet --upgrade pip
	$(VENV52)/bin/python -m pip install --quiet -e '.[phonenumbers,allauth,two-factor,otp]' --group test --group integrations --group e2e --group django52
	@touch $@

# The default suite, then the integration suite (django-allauth, two-factor-auth,
# django-otp, DRF installed: tests_integrations/settings.py); one coverage report.
test: $(STAMP)
	$(BIN)/python -m coverage run -m pytest $(PYTEST_ARGS)
	$(BIN)/python -m coverage run --append -m pytest tests_integrations --ds=tests_integrations.settings $(PYTEST_ARGS)
	$(BIN)/python -m coverage report

# Real worker processes against PostgreSQL (127.0.0.1:5432, user postgres), Redis
# (127.0.0.1:6379) and RabbitMQ (127.0.0.1:5672, guest); override with
# PGHOST/PGUSER/TURKEYSMS_REDIS_URL/TURKEYSMS_AMQP_URL/TURKEYSMS_CELERY_QUEUE.
test-services: $(STAMP)
	$(BIN)/python -m pytest tests_services --ds=tests_services.settings $(PYTEST_ARGS)

# Playwright drives the system's Chromium (CHROMIUM=/usr/bin/chromium); no browser
# download. Screenshots land in artifacts/screenshots/<django version>/<width>/.
test-e2e: test-e2e-61 test-e2e-52

test-e2e-61: $(STAMP)
	PYTHONPATH=example_project $(BIN)/python -m pytest tests_e2e --ds=tests_e2e.settings $(PYTEST_ARGS)

test-e2e-52: $(STAMP52)
	PYTHONPATH=example_project $(VENV52)/bin/python -m pytest tests_e2e --ds=tests_e2e.settings $(PYTEST_ARGS)

# The README's and the docs' screenshots: copied from a browser-test run on
# Django 6.1 at 1,280 px.
README_SCREENSHOTS := 01-login-phone 02-login-code 03-sandbox-inbox 04-logged-in 08-admin-compose 09-admin-dashboard
screenshots: test-e2e-61
	for name in $(README_SCREENSHOTS); do cp artifacts/screenshots/6.1/1280/$$name.png docs/screenshots/; done

# The figures of docs/reliability.md: the whole default suite (every
# log record is checked for secrets) with 50 runs per fault and 10,000 examples per
# property, then the PostgreSQL part: worker kills, concurrency, enumeration timing.
reliability: $(STAMP)
	TURKEYSMS_RELIABILITY_LONG=1 $(BIN)/python -m pytest tests -q $(PYTEST_ARGS)
	TURKEYSMS_RELIABILITY_LONG=1 $(BIN)/python -m pytest tests_services/test_fault_kills.py \
		tests_services/test_send_concurrency.py tests_services/test_otp_concurrency.py \
		tests_services/test_enumeration.py --ds=tests_services.settings -q $(PYTEST_ARGS)

# The table of docs/performance.md (PostgreSQL at 127.0.0.1:5432, user postgres;
# B9 also Redis at 127.0.0.1:6379, TURKEYSMS_REDIS_URL / TURKEYSMS_REDIS_CACHE_URL).
bench: $(STAMP)
	$(BIN)/python -m bench $(BENCH_ARGS)

demo: $(STAMP)
	$(BIN)/python example_project/run_demo.py

# Sphinx with MyST; -W: a warning (a broken link, a bad reference) fails the build.
docs: $(STAMP)
	$(BIN)/sphinx-build -W --keep-going -n -q -b html docs docs/_build/html

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

type: $(STAMP)
	$(BIN)/mypy django_turkeysms tests tests_services tests_integrations tests_e2e bench

tox: $(STAMP)
	$(BIN)/tox run -e $(TOX_ENVS)

clean:
	rm -rf $(VENV) $(VENV52) .tox build dist docs/_build .coverage .mypy_cache .ruff_cache .pytest_cache

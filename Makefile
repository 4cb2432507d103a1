# Everything Relance needs installs from this repository: Python 3.11 and make are enough.
PYTHON ?= python3.11
VENV := .venv
UV_VERSION := 0.13.9
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)
export UV_PYTHON_DOWNLOADS := never
export UV_PYTHON := $(CURDIR)/$(VENV)/bin/python

.PHONY: install demo test lint messages clean bench-prediction bench-matching bench-load fuzz kills

$(VENV)/.installed: pyproject.toml uv.lock
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet "uv==$(UV_VERSION)"
	$(VENV)/bin/uv sync --frozen --quiet
	touch $@

install: $(VENV)/.installed

# The demo keeps its own key, so the portal links its reminders carry open in the browser.
demo: install
	test -s .demo-secret-key || $(VENV)/bin/python -c "import secrets; print(secrets.token_urlsafe(50))" > .demo-secret-key
	test -n "$$RELANCE_SECRET_KEY" || export RELANCE_SECRET_KEY_FILE=$${RELANCE_SECRET_KEY_FILE:-.demo-secret-key}; \
	RELANCE_DEBUG=$${RELANCE_DEBUG:-1} $(VENV)/bin/relance demo --customers $${CUSTOMERS:-300} --serve

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports
	$(VENV)/bin/mypy

test: lint
	$(VENV)/bin/pytest

clean:
	rm -rf $(VENV)

# Matching quality (a generated labelled set and the real FEC), not part of `make test`;
# throughput: bench/matching.py throughput --database URL (see bench/README.md).
bench-matching: install
	$(VENV)/bin/python bench/matching.py quality

# Refresh the French catalogue after changing texts (needs GNU gettext: apt-get install gettext).
messages: install
	cd src/relance && ../../$(VENV)/bin/django-admin makemessages -l fr --settings=relance.settings --ignore='tests/*'
	$(VENV)/bin/python scripts/fr.py
	msgfmt --check -o src/relance/locale/fr/LC_MESSAGES/django.mo src/relance/locale/fr/LC_MESSAGES/django.po

# Payment-date prediction on ../shared/data/payment_history (bench/README.md, issue 8).
bench-prediction: install
	OMP_NUM_THREADS=$${OMP_NUM_THREADS:-2} $(VENV)/bin/python bench/prediction.py

# Every reader fed its sample files damaged at random, and the CSV and xlsx importers
# through the database, many more times than `make test` does (docs/reliability.md).
fuzz: install
	RELANCE_FUZZ_EXAMPLES=$${EXAMPLES:-3000} $(VENV)/bin/pytest tests/core/test_fuzz_readers.py tests/imports/test_fuzz_imports.py

# The kill tests at more random points (KILLS per command, 20 by default) from a seed drawn
# here and printed: SEED=N replays one. On PostgreSQL too with RELANCE_DATABASE_URL.
kills: install
	@seed=$${SEED:-$$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')}; echo "kill seed $$seed"; \
	RELANCE_KILLS=$${KILLS:-20} RELANCE_KILL_SEED=$$seed $(VENV)/bin/pytest -k killed \
	    tests/test_faults.py tests/channels/test_kill.py

# The load test (bench/load.sh, bench/README.md): locust users against `relance serve
# --workers` on the database named by RELANCE_DATABASE_URL (USERS, DURATION, WORKERS).
bench-load: install
	bench/load.sh

# excolor: `make book` builds everything (runs, site); `make test` checks it.
# Every target installs first; a second `make install` is a fast no-op.

PYTHON  ?= python3.11
VENV    := .venv
PY      := $(VENV)/bin/python
PROFILE ?= full
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install test bench bench-sweep runs status book pdf site-test clean

install: $(VENV)/.installed

# Reinstall only when the package metadata changes (the package itself is editable).
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq -e '.[dev]'
	touch $@

test: install
	$(PY) -m pytest -q

# Training speed (plain torch vs Lightning, seconds per seed) and papermill overhead (cold vs warm).
bench: install
	$(PY) -m excolor.bench
	$(PY) -m excolor.runs.bench

# Slow: also times a whole full-profile sweep from an empty cache, and 2 workers against 1.
bench-sweep: install
	$(PY) -m excolor.runs.bench --sweep

runs: install
	$(PY) -m excolor.runs --profile $(PROFILE)

status: install
	$(PY) -m excolor.runs status --profile $(PROFILE)

book: runs
	$(PY) -m excolor.book --profile $(PROFILE)

pdf: runs
	$(PY) -m excolor.book --profile $(PROFILE) --pdf

# The built site in headless Chromium (Debian's chromium; never `playwright install`).
site-test: install
	$(PY) -m pytest -q tests/test_site.py

clean:
	rm -rf _build book/_build

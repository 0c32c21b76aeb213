# excolor: `make book` builds everything (runs, site); `make test` checks it.
# Every target installs first; a second `make install` is a fast no-op.

PYTHON  ?= python3.11
VENV    := .venv
PY      := $(VENV)/bin/python
PROFILE ?= full
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install test bench runs book pdf clean

install: $(VENV)/.installed

# Reinstall only when the package metadata changes (the package itself is editable).
$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq -e '.[dev]'
	touch $@

test: install
	$(PY) -m pytest -q

bench: install
	$(PY) -m excolor.bench

runs: install
	$(PY) -m excolor.runs --profile $(PROFILE)

book: runs
	$(PY) -m excolor.book --profile $(PROFILE)

pdf: runs
	$(PY) -m excolor.book --profile $(PROFILE) --pdf

clean:
	rm -rf _build book/_build

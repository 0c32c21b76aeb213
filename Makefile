# excolor: `make book` builds everything (runs, site); `make test` checks it.
# Every target installs first; a second `make install` is a fast no-op.

PYTHON  ?= python3.11
VENV    := .venv
PY      := $(VENV)/bin/python
PROFILE ?= full
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: install test bench bench-sweep runs status book pdf paper site-test needs-html needs-pdf needs-site-test clean

install: $(VENV)/.installed

# Reinstall only when the package metadata changes (the package itself is editable).
$(VENV)/.installed: pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "make: $(PYTHON) is missing (sudo apt-get install python3.11 python3.11-venv)" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -qq -e '.[dev]'
	touch $@

test: install
	$(PY) -m pytest -q

# Training speed (exact and fast; plain torch vs Lightning; seconds per seed; wide, S = 1…1000 seeds trained together),
# papermill overhead (cold vs warm) and the wide profile's wall time from an empty cache.
bench: install
	$(PY) -m excolor.bench.training
	$(PY) -m excolor.bench.sweeps --wide

# Slow: also times a whole full-profile sweep from an empty cache, and 2 workers against 1.
bench-sweep: install
	$(PY) -m excolor.bench.sweeps --sweep

# Each book profile has a wide companion: ex-2.9.1's seeds trained together (book/report/wide.ipynb).
WIDE_full  := wide
WIDE_quick := wide-quick
WIDE       := $(WIDE_$(PROFILE))

# ... and a drift companion: a sample of seeds re-run in the floating-point environments this machine
# offers besides the pinned one (excolor.train.floating_point), to measure how far rounding alone moves a number.
DRIFT_full  := drift
DRIFT_quick := drift-quick
DRIFT       := $(DRIFT_$(PROFILE))
DRIFT_ENVIRONMENTS := native mkl-compatible

runs: install
	$(PY) -m excolor.runs --profile $(PROFILE)
	$(if $(WIDE),$(PY) -m excolor.runs --profile $(WIDE))
	$(if $(DRIFT),$(foreach env,$(DRIFT_ENVIRONMENTS),$(PY) -m excolor.runs --profile $(DRIFT)@$(env) --no-summary &&) true)

status: install
	$(PY) -m excolor.runs status --profile $(PROFILE)

# The system programs a build needs (npm, XeLaTeX, Chromium), checked before the sweep: listed
# first, so a missing one stops `make book` at once instead of after the runs.
needs-html needs-pdf needs-site-test: needs-%: install
	$(PY) -m excolor.book.requirements $*

book: needs-html runs
	$(PY) -m excolor.book --profile $(PROFILE)

pdf: needs-pdf runs
	$(PY) -m excolor.book --profile $(PROFILE) --pdf

# The paper alone, as an article (title, abstract, sections, figures, table, references): _build/paper/paper.pdf
paper: needs-pdf runs
	$(PY) -m excolor.book --profile $(PROFILE) --paper

# The built site in headless Chromium (Debian's chromium; never `playwright install`).
site-test: needs-site-test
	$(PY) -m pytest -q tests/test_site.py

clean:
	rm -rf _build book/_build

"""`build_book`: check runs → assemble `book/_runs/` → execute reports → vendor MathJax → Jupyter Book.

The wall time of each step goes to `_build/bench.json` under "book", merged with what other
tools wrote there, so a slow build is visible next to training speed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

from excolor.book.assemble import assemble, staged
from excolor.book.layout import (
    BENCH,
    GENERATED,
    MATHJAX,
    PUBLISHED,
    UPSTREAM_RECORDINGS,
    UPSTREAM_RERUN,
    UPSTREAM_SEED0,
    DRIFT_ENVIRONMENTS,
    DRIFT_PROFILES,
    WIDE_PROFILES,
    REPORT_TEMPLATES,
    REPORTS,
    ROOT,
    RUNS_DIR,
    experiments_in_toc,
)
from excolor.book.mathjax import vendor_mathjax
from excolor.book.preflight import require_fresh_runs
from excolor.config import load_experiment
from excolor.book.reports import execute_reports
from excolor.book.sphinx import run_jupyter_book
from excolor.files import atomic_write_json


def record_bench(path: Path, entry: dict[str, object]) -> None:
    """Merge `entry` into bench.json's "book" object, keeping every other key (training, …)."""
    data = json.loads(path.read_text()) if path.exists() else {}
    data['book'] = {**data.get('book', {}), **entry}
    atomic_write_json(path, data)


def build_book(
    profile: str,
    *,
    root: Path = ROOT,
    runs_dir: Path = RUNS_DIR,
    pdf: bool = False,
    paper: bool = False,
    check: bool = True,
    log: Callable[[str], None] = print,
) -> Path:
    """Build the site (or, with `pdf`, the book's PDF; with `paper`, the article PDF) from `runs_dir/<profile>/`; returns the output path."""
    root, runs_dir = Path(root).resolve(), Path(runs_dir).resolve()
    builder = 'paper' if paper else 'pdf' if pdf else 'html'
    experiments = experiments_in_toc(root / '_toc.yml')
    steps: dict[str, float] = {}
    t_all = time.perf_counter()

    def step(name: str, fn: Callable[[], object]) -> object:
        t = time.perf_counter()
        result = fn()
        steps[name] = round(time.perf_counter() - t, 3)
        log(f'[book] {name}: {steps[name]:.1f} s')
        return result

    wide = WIDE_PROFILES.get(profile, profile)
    drift = DRIFT_PROFILES.get(profile, profile)
    if check:
        log(f'[book] {require_fresh_runs(profile, experiments, runs_dir)}')
        log(f'[book] {require_fresh_runs(wide, ["ex-2.9.1"], runs_dir)}')
        drifted = [e for e in experiments if drift in load_experiment(root / 'params' / f'{e}.yaml').seeds]  # ex-2.2 has none
        for environment in DRIFT_ENVIRONMENTS:
            log(f'[book] {require_fresh_runs(f"{drift}@{environment}", drifted, runs_dir, summaries=False)}')
    parameters = {'profile': profile, 'runs_dir': str(runs_dir), 'published': str(root / PUBLISHED), 'upstream_rerun': str(root / UPSTREAM_RERUN),
                  'upstream_seed0': str(root / UPSTREAM_SEED0), 'wide_profile': wide, 'drift_profile': drift,
                  'recordings': str(root / UPSTREAM_RECORDINGS)}
    with staged(root / GENERATED) as stage:
        step('assemble', lambda: assemble(runs_dir / profile, experiments, stage))
        step('reports', lambda: execute_reports(root / REPORT_TEMPLATES, stage / 'report', REPORTS, parameters))
    step('mathjax', lambda: vendor_mathjax(root / MATHJAX))
    out = step('jupyter_book', lambda: run_jupyter_book(root, builder))
    total = round(time.perf_counter() - t_all, 3)
    record_bench(root / BENCH, {f'{builder}_seconds': total, f'{builder}_steps': steps, f'{builder}_profile': profile,
                                f'{builder}_runs_dir': str(runs_dir), 'profile': profile})
    log(f'[book] {builder} built in {total:.1f} s: {out}')
    return out

"""`build_book`: check runs → assemble `book/_runs/` → execute reports → vendor MathJax → Jupyter Book.

The wall time of each step goes to `_build/bench.json` under "book", merged with what other
tools wrote there, so a slow build is visible next to training speed.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

import nbformat
import yaml

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
)
from excolor.book.headline_table import experiment_name
from excolor.book.mathjax import vendor_mathjax
from excolor.book.notebooks import retitle
from excolor.book.paper import float_report
from excolor.book.preflight import require_fresh_runs
from excolor.params.schema import load_experiment
from excolor.book.reports import execute_report, execute_reports
from excolor.book.sphinx import run_jupyter_book
from excolor.book.toc import generated, write_toc
from excolor.files import atomic_write_json, atomic_write_text
from excolor.runs.layout import PARAMS_DIR, STUDIES, experiment_ids, point_name
from excolor.params.study import load_points, load_study, study_ids


def record_bench(path: Path, entry: dict[str, object]) -> None:
    """Merge `entry` into bench.json's "book" object, keeping every other key (training, …)."""
    data = json.loads(path.read_text()) if path.exists() else {}
    data['book'] = {**data.get('book', {}), **entry}
    atomic_write_json(path, data)


def page_titles(params_dir: Path, experiments: list[str]) -> dict[str, str]:
    """Each representative page's title from its params (`Ex 2.9.2: <title>`): a variant shares its base's template, whose heading names the base."""
    return {name: f'{experiment_name(name)}: {load_experiment(params_dir / f"{name}.yaml").title}' for name in experiments}


def published_folders(params_dir: Path, experiments: list[str], studies: list[str], profile: str) -> list[str]:
    """The run folders under `runs/<profile>/` the book reports on: its experiments', and its studies' points."""
    points = {point_name(p.experiment) for s in studies for p in load_points(load_study(params_dir / STUDIES / f'{s}.yaml', params_dir), profile, params_dir)}
    return sorted({*experiments, *points})


def execute_study(root: Path, stage: Path, study: str, profile: str, runs_dir: Path, params_dir: Path) -> Path:
    """The study's page (`book/report/study.ipynb` executed for it), titled with the study's title."""
    out = stage / 'studies' / f'{study}.ipynb'  # the staged book/_runs/: `study_page(study)` once swapped in
    execute_report(root / REPORT_TEMPLATES / 'study.ipynb', out,
                   {'study': study, 'profile': profile, 'runs_dir': str(runs_dir), 'params_dir': str(params_dir)})
    nb = nbformat.read(out, as_version=4)
    atomic_write_text(out, nbformat.writes(retitle(nb, load_study(params_dir / STUDIES / f'{study}.yaml', params_dir).title)))
    return out


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
    params_dir = root / 'params' if (root / 'params').is_dir() else PARAMS_DIR
    experiments, studies = experiment_ids(params_dir), study_ids(params_dir / STUDIES)
    toc = generated(yaml.safe_load((root / '_toc.yml').read_text()), params_dir)  # the pages params/ asks for
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
        drifted = [e for e in experiments if drift in load_experiment(params_dir / f'{e}.yaml').seeds]  # ex-2.2 has none
        for environment in DRIFT_ENVIRONMENTS:
            log(f'[book] {require_fresh_runs(f"{drift}@{environment}", drifted, runs_dir, summaries=False)}')
        if studies:
            log(f'[book] {require_fresh_runs(profile, [], runs_dir, summaries=False, studies=studies)}')
    write_toc(root, toc)
    folders = published_folders(params_dir, experiments, studies, profile)
    parameters = {'profile': profile, 'runs_dir': str(runs_dir), 'published': str(root / PUBLISHED), 'upstream_rerun': str(root / UPSTREAM_RERUN),
                  'upstream_seed0': str(root / UPSTREAM_SEED0), 'wide_profile': wide, 'drift_profile': drift,
                  'recordings': str(root / UPSTREAM_RECORDINGS), 'experiments': experiments, 'folders': folders}
    with staged(root / GENERATED) as stage:
        step('assemble', lambda: assemble(runs_dir / profile, experiments, stage, page_titles(params_dir, experiments)))
        step('reports', lambda: execute_reports(root / REPORT_TEMPLATES, stage / 'report', REPORTS, parameters))
        step('studies', lambda: [execute_study(root, stage, s, profile, runs_dir, params_dir) for s in studies])
    step('mathjax', lambda: vendor_mathjax(root / MATHJAX))
    out = step('jupyter_book', lambda: run_jupyter_book(root, builder))
    total = round(time.perf_counter() - t_all, 3)
    record_bench(root / BENCH, {f'{builder}_seconds': total, f'{builder}_steps': steps, f'{builder}_profile': profile,
                                f'{builder}_runs_dir': str(runs_dir), 'profile': profile})
    log(f'[book] {builder} built in {total:.1f} s: {out}')
    if paper:
        log(f'[book] {float_report(out)}')
    return out

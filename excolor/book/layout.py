"""Where the book's parts live, and which experiments its table of contents asks for."""

from __future__ import annotations

import os
from pathlib import Path


ROOT = Path(__file__).resolve().parent.parent.parent
RUNS_DIR = Path(os.environ.get('EXCOLOR_RUNS') or ROOT / 'runs').absolute()  # as excolor.runs decides
GENERATED = Path('book') / '_runs'  # relative to a book root
REPORT_TEMPLATES = Path('book') / 'report'
PUBLISHED = Path('book') / 'data' / 'published.yaml'
UPSTREAM_RERUN = Path('book') / 'data' / 'upstream-ex-2.9.1-pinned-per-seed.csv'  # the original code re-run in the pinned environment
UPSTREAM_SEED0 = Path('book') / 'data' / 'upstream-seed0-pinned.csv'  # ... and its other notebooks, seed 0 (tools/upstream-rerun)
UPSTREAM_RECORDINGS = Path('book') / 'data'  # ... and its recorded trainings, upstream-ex-2.9.1-pinned-seed<S>.npz
MATHJAX = Path('_vendor') / 'mathjax'
BENCH = Path('_build') / 'bench.json'
REPORTS = ('reproduction', 'reproducibility', 'statistics', 'wide')
# Each book profile's wide companion: ex-2.9.1's seeds trained together in fast numerics (book/report/wide.ipynb).
WIDE_PROFILES = {'full': 'wide', 'quick': 'wide-quick'}
# ... and its drift companion: a sample of seeds re-run in other floating-point environments (excolor.runs.drift; the Makefile's DRIFT_ENVIRONMENTS)
DRIFT_PROFILES = {'full': 'drift', 'quick': 'drift-quick'}
DRIFT_ENVIRONMENTS = ('native', 'mkl-compatible')


def toc_files(toc: dict) -> list[str]:
    """Every `file:` entry of a jb-book table of contents, in order (root first)."""
    out = [toc['root']] if 'root' in toc else []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if 'file' in node:
                out.append(node['file'])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != 'root'})
    return out


def book_sources(root: str | Path) -> list[Path]:
    """The files that define the book (config, toc, bibliography, parameter files, pages, report templates, data), relative to `root`;
    not the generated `book/_runs/` or any build output."""
    root = Path(root)
    files = [Path(n) for n in ('_config.yml', '_toc.yml', 'references.bib', 'README.md') if (root / n).is_file()]  # the guide page includes README's guide
    files += [p.relative_to(root) for p in sorted((root / 'params').rglob('*')) if p.is_file()]  # the paper links each figure's params
    for path in sorted((root / 'book').rglob('*')):
        rel = path.relative_to(root)
        generated = rel.parts[1] in ('_runs', '_build')
        if path.is_file() and not generated and not any(part.startswith('.') for part in rel.parts):
            files.append(rel)
    return files

"""The table of contents: the paper's parts as written in `_toc.yml`; the experiment and study pages from `params/`.

`_toc.yml` stays a valid Jupyter Book toc on its own, and the book's build rewrites two of its
parts from the params folder before anything else: "Experiments" (each params file's
representative and sweep pages, and the wide page after the experiment whose seeds a wide
profile trains) and "Parameter studies" (one page per `params/studies/*.yaml`). A new params
file therefore gets its pages, and the book never pools an experiment it does not show.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from excolor.params.schema import load_experiment
from excolor.files import atomic_write_text
from excolor.runs.layout import STUDIES, experiment_ids
from excolor.params.study import study_ids

EXPERIMENTS = 'Experiments'
STUDIES_PART = 'Parameter studies'
WIDE_PAGE = 'book/_runs/report/wide'
HEADER = """\
# Table of contents (jb-book). `python -m excolor.book` rewrites the parts "Experiments" and
# "Parameter studies" from params/ (excolor.book.toc); edit the others by hand.
"""


def study_page(study: str) -> str:
    return f'book/_runs/studies/{study}'


def experiment_chapters(params_dir: Path, wide_profiles: tuple[str, ...] = ('wide', 'wide-quick')) -> list[dict[str, str]]:
    """Each experiment's pages, in version order; the wide page after the experiment a wide profile trains together."""
    out = []
    for name in experiment_ids(params_dir):
        out += [{'file': f'book/_runs/{name}/representative'}, {'file': f'book/_runs/{name}/sweep'}]
        exp = load_experiment(params_dir / f'{name}.yaml')
        if exp.wide and set(exp.wide.profiles) & set(wide_profiles):
            out.append({'file': WIDE_PAGE})
    return out


def generated(toc: dict[str, Any], params_dir: Path) -> dict[str, Any]:
    """`toc` with its generated parts filled in from `params_dir` (the studies part after the experiments, or gone if there are none)."""
    parts = [p for p in toc.get('parts', []) if p.get('caption') != STUDIES_PART]
    at = next((i for i, p in enumerate(parts) if p.get('caption') == EXPERIMENTS), None)
    if at is None:
        raise ValueError(f'_toc.yml has no part captioned {EXPERIMENTS!r} for the experiment pages')
    parts[at] = {**parts[at], 'chapters': experiment_chapters(params_dir)}
    studies = study_ids(params_dir / STUDIES)
    if studies:
        parts.insert(at + 1, {'caption': STUDIES_PART, 'chapters': [{'file': study_page(s)} for s in studies]})
    return {**toc, 'parts': parts}


def write_toc(root: Path, toc: dict[str, Any]) -> bool:
    """Write `toc` as `root/_toc.yml` if it lists other pages than the file does; True if it did."""
    path = root / '_toc.yml'
    if yaml.safe_load(path.read_text()) == toc:
        return False
    atomic_write_text(path, HEADER + yaml.safe_dump(toc, sort_keys=False, allow_unicode=True, width=1_000))
    return True

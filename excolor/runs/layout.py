"""Where things live: params, templates, and the run folders `runs/<profile>/<experiment>/seed-NNN/`.

One place for every path convention, so the planner, the tasks, `check` and the summary
notebook cannot disagree about where a run is.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from excolor.params.schema import Experiment

ROOT = Path(__file__).resolve().parent.parent.parent
LIBRARY = ROOT / 'excolor'
PARAMS_DIR = ROOT / 'params'
STUDIES = 'studies'  # params/studies/<study>.yaml: parameter studies (excolor.params.study)
TEMPLATES_DIR = ROOT / 'book' / 'experiments'
SUMMARY_TEMPLATE = ROOT / 'book' / 'results' / 'sweep.ipynb'
PUBLISHED = ROOT / 'book' / 'data' / 'published.yaml'  # marked in the summary's figure
PROFILES = ('quick', 'full')  # every experiment has these; a params file may add more (e.g. wide)

NOTEBOOK = 'notebook.ipynb'
PROVENANCE = 'provenance.json'
METRICS = 'metrics.json'
FLOATING_POINT = 'floating-point.json'  # the kernel's floating-point environment (excolor.train.floating_point.State)
ERROR = 'error.txt'
SWEEP = 'sweep'
SHOWCASE = 'showcase'  # the seeds the book shows, re-run with figures
SWEEP_NOTEBOOK = 'sweep.ipynb'
SUMMARY = 'summary.json'
BY_HAND = 'by-hand'  # runs/by-hand/<profile>/<experiment>/seed-NNN/: a notebook run by hand, never a sweep's folder


def default_params_dir() -> Path:
    """`$EXCOLOR_PARAMS`, else `<repo>/params`: the experiments a sweep, a notebook and the book read."""
    return Path(os.environ.get('EXCOLOR_PARAMS') or PARAMS_DIR).absolute()


def default_runs_dir() -> Path:
    """`$EXCOLOR_RUNS`, else `<repo>/runs`."""
    return Path(os.environ.get('EXCOLOR_RUNS') or ROOT / 'runs').absolute()


def seed_folder_name(seed: int) -> str:
    return f'seed-{seed:03d}'


def chunk_folder_name(seeds: list[int]) -> str:
    """`seeds-000-124`: the run folder of a chunk of seeds trained together (a wide profile)."""
    return f'seeds-{seeds[0]:03d}-{seeds[-1]:03d}'


def experiment_ids(params_dir: Path) -> list[str]:
    """Every `<id>.yaml` in the params folder, in version order (ex-2.9 < ex-2.9.1 < ex-2.10)."""
    return sorted((p.stem for p in params_dir.glob('*.yaml')), key=version_key)


NAMELESS = ('seeds', 'title')  # overrides that change no number, so no folder: `--set seeds.quick=[5]` runs in the experiment's own
POINT_NAME = re.compile(r'[A-Za-z0-9._=,+~-]{1,120}')


def point_name(exp: Experiment) -> str:
    """The folder name of an experiment as `--set` changed it: `ex-2.9.1`, or `ex-2.9.1~training.data.labels.red.scale=0.04`.

    Every override that changes a number is in the name, so different overrides never share a
    folder; a name that would be too long, or hold a character a shell would trip on, is a hash instead.
    """
    named = {k: v for k, v in sorted(exp.overrides.items()) if k.split('.')[0] not in NAMELESS}
    if not named:
        return exp.id
    name = '~'.join([exp.id, *(f'{k}={_word(v)}' for k, v in named.items())])
    if POINT_NAME.fullmatch(name):
        return name
    return f'{exp.id}~{hashlib.sha256(json.dumps(named, sort_keys=True).encode()).hexdigest()[:12]}'


def _word(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, separators=(',', ':'))


def version_key(name: str) -> tuple:
    return tuple((0, int(part), '') if part.isdigit() else (1, 0, part) for part in re.split(r'[.\-]', name))


@dataclass(frozen=True)
class Layout:
    """The folders of one sweep: inputs (params, templates) and outputs (runs)."""

    runs_dir: Path
    params_dir: Path = PARAMS_DIR
    templates_dir: Path = TEMPLATES_DIR
    summary_template: Path = SUMMARY_TEMPLATE

    @classmethod
    def make(cls, runs_dir: str | Path | None = None, params_dir: str | Path | None = None, templates_dir: str | Path | None = None,
             summary_template: str | Path | None = None) -> Layout:
        return cls(
            Path(runs_dir).absolute() if runs_dir else default_runs_dir(),
            Path(params_dir).absolute() if params_dir else default_params_dir(),
            Path(templates_dir or TEMPLATES_DIR).absolute(),
            Path(summary_template or SUMMARY_TEMPLATE).absolute(),
        )

    def params(self, experiment: str) -> Path:
        return self.params_dir / f'{experiment}.yaml'

    @property
    def studies_dir(self) -> Path:
        return self.params_dir / STUDIES

    def template(self, notebook: str) -> Path:
        """An experiment's notebook template (its params' `notebook:`)."""
        return self.templates_dir / f'{notebook}.ipynb'

    def experiment_dir(self, profile: str, experiment: str) -> Path:
        return self.runs_dir / profile / experiment

    def run_dir(self, profile: str, experiment: str, seed: int) -> Path:
        return self.experiment_dir(profile, experiment) / seed_folder_name(seed)

    def chunk_dir(self, profile: str, experiment: str, seeds: list[int]) -> Path:
        return self.experiment_dir(profile, experiment) / chunk_folder_name(seeds)

    @property
    def wide_template(self) -> Path:
        """The notebook a wide profile runs once per chunk of seeds."""
        return self.templates_dir / 'wide.ipynb'

    def sweep_dir(self, profile: str, experiment: str) -> Path:
        return self.experiment_dir(profile, experiment) / SWEEP

    def showcase_dir(self, profile: str, experiment: str, seed: int) -> Path:
        return self.experiment_dir(profile, experiment) / SHOWCASE / seed_folder_name(seed)

    def by_hand_dir(self, profile: str, experiment: str, seed: int) -> Path:
        return self.runs_dir / BY_HAND / profile / experiment / seed_folder_name(seed)

    def by_hand_chunk_dir(self, profile: str, experiment: str, seeds: list[int]) -> Path:
        return self.runs_dir / BY_HAND / profile / experiment / chunk_folder_name(seeds)

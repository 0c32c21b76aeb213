"""Are a profile's runs all there and up to date? The book build asks this before it publishes anything."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from excolor.params.schema import ConfigError
from excolor.runs.layout import ERROR, Layout
from excolor.runs.plan import Job, changed_since_published, make_plan, read_provenance


@dataclass(frozen=True)
class Problem:
    """One run (or summary) that is missing, stale or failed, or params that do not load."""

    experiment: str
    seed: int | None  # None: the experiment's summary (or its params)
    kind: str  # missing | stale | failed | config
    folder: str
    detail: str = ''

    def __str__(self) -> str:
        what = 'params' if self.kind == 'config' else ('summary' if self.seed is None else f'seed {self.seed}')
        if (chunk := re.fullmatch(r'seeds-(\d+)-(\d+)', Path(self.folder).name)):  # a wide chunk: its seed range
            what = f'seeds {int(chunk[1])}–{int(chunk[2])}'
        if 'showcase' in Path(self.folder).parts:
            what += ' (showcase, with figures)'
        return f'{self.experiment} {what}: {self.kind}' + (f' ({self.detail})' if self.detail else '') + (f' [{self.folder}]' if self.folder else '')


def _problem(job: Job) -> Problem | None:
    state = job.state()
    if state == 'complete':
        return None
    detail = {'stale': 'parameters, template, library or packages changed since it ran', 'missing': 'never ran'}.get(state, '')
    prov = read_provenance(Path(job.folder))
    if state == 'stale' and prov is not None and prov.get('key') == job.key and changed_since_published(Path(job.folder), prov):
        detail = 'its files changed after the runner published it, e.g. by a notebook run by hand'
    if state == 'failed':
        lines = (Path(job.folder) / ERROR).read_text(errors='replace').strip().splitlines()
        # the first line is '<run> failed: <error>'; older files end with the error instead
        detail = lines[0].partition(' failed: ')[2] or lines[-1] if lines else 'error.txt is empty: the disk was too full to record why'
    return Problem(job.experiment, job.seed, state, job.folder, detail)


def check(profile: str = 'full', experiments: list[str] | None = None, *, runs_dir: str | Path | None = None,
          params_dir: str | Path | None = None, templates_dir: str | Path | None = None, summary_template: str | Path | None = None,
          summaries: bool = True, overrides: list[str] | None = None, studies: list[str] | None = None) -> list[Problem]:
    """Every run of `profile` (and each experiment's summary) that is not complete with its current key; [] when all are fresh."""
    layout = Layout.make(runs_dir, params_dir, templates_dir, summary_template)
    try:
        plan = make_plan(profile, list(experiments) if experiments else None, layout, overrides=overrides, studies=studies)
    except ConfigError as e:
        return [Problem(', '.join(experiments or ['*']), None, 'config', '', str(e))]
    jobs = [j for ep in plan.experiments.values() for j in ep.jobs(summaries)]
    return [p for p in map(_problem, jobs) if p is not None]

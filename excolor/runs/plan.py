"""The plan of a sweep: one job per (experiment, seed), one summary job per experiment, each with its cache key.

Every params file is loaded (and so fully checked) before anything runs: one bad file stops
the whole sweep with its file:line:key message, instead of failing after an hour of runs.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from excolor.train import floating_point
from excolor.params.schema import ConfigError, Experiment, load_experiment
from excolor.params.layers import suggest
from excolor.runs import keys
from excolor.runs.layout import ERROR, PROVENANCE, PUBLISHED, SUMMARY, Layout, experiment_ids, point_name
from excolor.params.study import load_points, load_study, study_ids

State = Literal['complete', 'stale', 'failed', 'missing']


@dataclass(frozen=True)
class Job:
    """One notebook execution: what to run, with which parameters, into which folder, under which key.

    Plain data (paths as strings), so it pickles cheaply to Dask workers.
    """

    kind: Literal['seed', 'summary', 'showcase']
    experiment: str
    profile: str
    seed: int | None
    template: str
    folder: str
    parameters: dict[str, Any]  # papermill parameters, except out_dir (the task's temporary folder)
    key: str
    parts: dict[str, Any]
    notes: tuple[str, ...] = ()  # what the params ask for that changes the science quietly (Experiment.schedule_notes)
    environment: str = floating_point.PINNED  # the kernel's floating-point environment (excolor.train.floating_point)

    @property
    def name(self) -> str:
        """`ex-2.9.1/seed-003`, `ex-2.9.1/sweep`, `ex-2.9.1/showcase/seed-003`."""
        return f'{self.experiment}/{"showcase/" if self.kind == "showcase" else ""}{Path(self.folder).name}'

    def state(self) -> State:
        return job_state(Path(self.folder), self.key)


@dataclass
class ExperimentPlan:
    """One experiment, as its params file and `--set` resolve it: its seed runs, summary and showcase.

    A study's points are experiments too; they have no summary (the study page pools them).
    """

    experiment: Experiment
    runs: list[Job]
    summary: Job | None
    layout: Layout | None = None

    def jobs(self, summaries: bool = True) -> list[Job]:
        """Every job: the seed runs, then (with `summaries`) the summary and the showcase runs it chooses."""
        return self.runs + ([self.summary, *self.showcase()] if summaries and self.summary is not None else [])

    def showcase(self) -> list[Job]:
        """The seed the book shows (the summary's representative seed), re-run with figures.

        Seed runs are metrics-only: drawing a run's figures costs more than training it, and only
        the shown seed needs them (the best seed is named on the sweep page; re-run it with
        `figures=True` to see it). The showcase evaluates the models the seed run saved instead of
        training them again, so it has the same metrics; its key includes the seed run's.
        Empty until the summary exists, and for a wide profile (its seeds train together in
        fast numerics; the book's exact runs are the ones it shows).
        """
        if self.summary is None or self.experiment.is_wide(split_profile(self.summary.profile)[0]):
            return []
        try:
            summary = json.loads((Path(self.summary.folder) / SUMMARY).read_text())
        except (OSError, ValueError):
            return []
        chosen = {summary.get('representative_seed')} - {None}
        out = []
        for run in self.runs:
            if run.seed in chosen:
                parts = {**run.parts, 'kind': 'showcase', 'trained': run.key}
                folder = str(self.layout.showcase_dir(run.profile, run.experiment, run.seed))
                params = {**run.parameters, 'figures': True, 'trained': run.folder}  # evaluates the seed run's models: no retraining
                out.append(Job('showcase', run.experiment, run.profile, run.seed, run.template, folder, params, keys.run_key(parts), parts, run.notes,
                               run.environment))
        return out


@dataclass
class Plan:
    profile: str
    layout: Layout
    experiments: dict[str, ExperimentPlan] = field(default_factory=dict)

    @property
    def runs(self) -> list[Job]:
        return [job for ep in self.experiments.values() for job in ep.runs]

    @property
    def summaries(self) -> list[Job]:
        return [ep.summary for ep in self.experiments.values() if ep.summary is not None]

    @property
    def notes(self) -> list[str]:
        """Intended schedule fallbacks and unused columns, one line each, to show before anything runs."""
        return [line for ep in self.experiments.values() for line in ep.experiment.schedule_notes()]


def read_provenance(folder: Path) -> dict[str, Any] | None:
    try:
        return json.loads((folder / PROVENANCE).read_text())
    except (OSError, ValueError):
        return None


def job_state(folder: Path, key: str) -> State:
    """complete: provenance with this key, and the files it lists unchanged; stale: otherwise; failed: the last attempt left an error; else missing."""
    prov = read_provenance(folder)
    if prov is not None:
        return 'complete' if prov.get('key') == key and not changed_since_published(folder, prov) else 'stale'
    return 'failed' if (folder / ERROR).exists() else 'missing'


def changed_since_published(folder: Path, prov: dict[str, Any]) -> bool:
    """True when the folder no longer holds exactly the files its provenance vouches for."""
    return prov.get('files') != keys.folder_digests(folder)


def load_experiments(layout: Layout, names: list[str] | None = None, overrides: Mapping[str, Any] | Iterable[str] | None = None) -> dict[str, Experiment]:
    """Load and check every params file (all errors together), with `overrides` (`--set`), and insist each has its template."""
    names = names or experiment_ids(layout.params_dir)
    if not names:
        raise ConfigError(f'{layout.params_dir}: no params files (*.yaml)')
    loaded, errors = {}, []
    for name in names:
        path = layout.params(name)
        if not path.exists():
            known = experiment_ids(layout.params_dir)
            errors.append(f'{path}: no such experiment (have {", ".join(known) or "none"})')
            continue
        try:
            exp = load_experiment(path, overrides)
        except ConfigError as e:
            errors.append(str(e))
            continue
        if exp.id != name:
            errors.append(f'{path}: id: {exp.id!r} does not match the file name {name!r}')
        if not layout.template(exp.notebook).exists():
            templates = sorted(p.stem for p in layout.templates_dir.glob('*.ipynb'))
            errors.append(f'{path}: notebook: no template {layout.template(exp.notebook)}' + suggest(exp.notebook, templates, 'have'))
        loaded[name] = exp
    if errors:
        raise ConfigError('\n'.join(errors))
    return loaded


def split_profile(profile: str) -> tuple[str, str]:
    """`drift@native` -> (`drift`, `native`): the seeds' profile, and the floating-point environment (default: pinned).

    A run in another environment than the pinned one measures how far floating point alone
    moves a result; its folder says so (`runs/drift@native/...`), and so does its key.
    """
    seeds, _, environment = profile.partition('@')
    environment = environment or floating_point.PINNED
    if environment not in floating_point.ENVIRONMENTS:
        raise ConfigError(f'--profile {profile}: no floating-point environment {environment!r} (have {", ".join(floating_point.ENVIRONMENTS)})')
    return seeds, environment


def make_plan(profile: str, experiments: list[str] | None = None, layout: Layout | None = None, *,
              overrides: Mapping[str, Any] | Iterable[str] | None = None, studies: list[str] | None = None) -> Plan:
    """Load every experiment (with `overrides`, the CLI's `--set`) and study, then list the runs for `profile`
    (`<seeds>[@<environment>]`) and each experiment's summary, each with a cache key.

    Without `experiments`, `overrides` or `studies`: every params file that has the profile, and
    every study's points. With `studies`: only those studies' points.
    """
    layout = layout or Layout.make()
    seeds_profile, environment = split_profile(profile)
    exps = {} if studies and not experiments else load_experiments(layout, experiments, overrides)
    if experiments is None:  # every experiment that has the profile (full and quick: all of them)
        exps = {name: exp for name, exp in exps.items() if seeds_profile in exp.seeds} or exps
    for exp in exps.values():
        exp.seeds_for(seeds_profile)  # an unknown profile is a ConfigError, before any work
    if studies is None and experiments is None and not overrides:
        studies = study_ids(layout.studies_dir)
    points = study_points(layout, studies or [], seeds_profile)
    plan = Plan(profile, layout)
    planner = _Planner(layout, profile, environment)
    for exp in exps.values():
        name = point_name(exp)
        plan.experiments[name] = ExperimentPlan(exp, planner.runs(exp, name, exp.chunks(seeds_profile)), None, layout)
        plan.experiments[name].summary = planner.summary(exp, name, plan.experiments[name].runs, exp.seeds_for(seeds_profile))
    for exp, seeds in points:  # a study's point: seed runs only, into the folder a `--set` run would use
        name = point_name(exp)
        ep = plan.experiments.setdefault(name, ExperimentPlan(exp, [], None, layout))
        have = {job.seed for job in ep.runs}
        ep.runs += planner.runs(exp, name, [[s] for s in seeds if s not in have])
    return plan


def study_points(layout: Layout, studies: list[str], profile: str) -> list[tuple[Experiment, list[int]]]:
    """(experiment, seeds) of every point of these studies that has `profile`; every study is checked first."""
    known = study_ids(layout.studies_dir)
    errors, out = [], []
    for name in studies:
        if name not in known:
            errors.append(f'{layout.studies_dir / name}.yaml: no such study' + suggest(name, known, 'have'))
            continue
        try:
            study = load_study(layout.studies_dir / f'{name}.yaml', layout.params_dir)
        except ConfigError as e:
            errors.append(str(e))
            continue
        if profile in study.profiles:
            out += [(point.experiment, study.seeds_for(profile)) for point in load_points(study, profile, layout.params_dir)]
    if errors:
        raise ConfigError('\n'.join(errors))
    return out


def job_for(exp: Experiment, profile: str, seeds: list[int], layout: Layout | None = None) -> Job:
    """The seed run (or, in a wide profile, the chunk) a sweep would plan for `exp`: its folder, parameters and key."""
    return _Planner(layout or Layout.make(), profile, split_profile(profile)[1]).runs(exp, point_name(exp), [seeds])[0]


class _Planner:
    """Jobs and their keys for one profile: the parts every job shares are computed once."""

    def __init__(self, layout: Layout, profile: str, environment: str):
        self.layout, self.profile, self.environment = layout, profile, environment
        self.seeds_profile = split_profile(profile)[0]
        self.code = {kind: keys.code_parts(kind) for kind in ('seed', 'summary')}
        self.summary_template = keys.template_hash(layout.summary_template) if layout.summary_template.exists() else 'missing'
        self.published = keys.file_hash(PUBLISHED)
        self._complete: dict[str, str] | None = None  # key → a complete seed run's folder, read once

    def runs(self, exp: Experiment, name: str, chunks: list[list[int]]) -> list[Job]:
        """Seed runs (one seed each, or a wide profile's chunks) of `exp` into `runs/<profile>/<name>/`."""
        layout, profile = self.layout, self.profile
        wide = exp.is_wide(self.seeds_profile)
        template = layout.wide_template if wide else layout.template(exp.notebook)
        # The science, not the name: two files (or a file and a `--set`) that ask for the same runs have the same key.
        common = {'profile': profile, 'params': keys.params_hash(exp), 'template': keys.template_hash(template), **self.code['seed'],
                  'floating_point': self.environment}
        given = {'experiment': exp.id, 'profile': profile, 'params_dir': str(layout.params_dir), 'overrides': exp.overrides}
        notes = tuple(exp.schedule_notes())
        out = []
        for seeds in chunks:
            if wide:  # one run trains the whole chunk together (excolor.notebook.wide)
                parts = {'kind': 'seed', 'seeds': seeds, **common}
                params = {**given, 'seeds': seeds}
                folder = layout.chunk_dir(profile, name, seeds)
            else:
                parts = {'kind': 'seed', 'seed': seeds[0], **common}
                params = {**given, 'seed': seeds[0], 'figures': False}
                folder = layout.run_dir(profile, name, seeds[0])
            key = keys.run_key(parts)
            if not wide and (donor := self.trained_elsewhere(key, folder)):  # the same science in another folder: evaluate its models
                params['trained'] = donor
            out.append(Job('seed', name, profile, seeds[0], str(template), str(folder), params, key, parts, notes, self.environment))
        return out

    def trained_elsewhere(self, key: str, folder: Path) -> str | None:
        """Another complete seed run of this profile with the same key (another params file or `--set` asking for the same science)."""
        if self._complete is None:
            self._complete = {}
            for path in sorted(self.layout.runs_dir.glob(f'{self.profile}/*/seed-*/{PROVENANCE}')):
                prov = read_provenance(path.parent)
                if prov and prov.get('kind') == 'seed' and not changed_since_published(path.parent, prov):
                    self._complete.setdefault(prov.get('key'), str(path.parent))
        donor = self._complete.get(key)
        return donor if donor and Path(donor) != folder and job_state(folder, key) != 'complete' else None

    def summary(self, exp: Experiment, name: str, runs: list[Job], seeds: list[int]) -> Job:
        parts = {'kind': 'summary', 'experiment': name, 'profile': self.profile, 'template': self.summary_template, **self.code['summary'],
                 'published': self.published, 'runs': {str(j.seed): j.key for j in runs}}
        params = {'experiment': name, 'profile': self.profile, 'runs_dir': str(self.layout.runs_dir), 'seeds': seeds}
        return Job('summary', name, self.profile, None, str(self.layout.summary_template), str(self.layout.sweep_dir(self.profile, name)),
                   params, keys.run_key(parts), parts)

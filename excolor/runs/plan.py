"""The plan of a sweep: one job per (experiment, seed), one summary job per experiment, each with its cache key.

Every params file is loaded (and so fully checked) before anything runs: one bad file stops
the whole sweep with its file:line:key message, instead of failing after an hour of runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from excolor import floating_point, schedule_columns
from excolor.config import ConfigError, Experiment, load_experiment
from excolor.runs import keys
from excolor.runs.layout import ERROR, PROVENANCE, PUBLISHED, SUMMARY, Layout, experiment_ids

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
    notes: tuple[str, ...] = ()  # what the params ask for that changes the science quietly (schedule_columns.notes)
    environment: str = floating_point.PINNED  # the kernel's floating-point environment (excolor.floating_point)

    @property
    def name(self) -> str:
        """`ex-2.9.1/seed-003`, `ex-2.9.1/sweep`, `ex-2.9.1/showcase/seed-003`."""
        return f'{self.experiment}/{"showcase/" if self.kind == "showcase" else ""}{Path(self.folder).name}'

    def state(self) -> State:
        return job_state(Path(self.folder), self.key)


@dataclass
class ExperimentPlan:
    experiment: Experiment
    runs: list[Job]
    summary: Job
    layout: Layout | None = None

    def showcase(self) -> list[Job]:
        """The seed the book shows (the summary's representative seed), re-run with figures.

        Seed runs are metrics-only: drawing a run's figures costs more than training it, and only
        the shown seed needs them (the best seed is named on the sweep page; re-run it with
        `figures=True` to see it). The showcase evaluates the models the seed run saved instead of
        training them again, so it has the same metrics; its key includes the seed run's.
        Empty until the summary exists, and for a stacked profile (its seeds train together in
        fast numerics; the book's exact runs are the ones it shows).
        """
        if self.experiment.is_stacked(split_profile(self.summary.profile)[0]):
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
    def notes(self) -> list[str]:
        """Intended schedule fallbacks and unused columns, one line each, to show before anything runs."""
        return [line for ep in self.experiments.values() for line in schedule_columns.notes(ep.experiment)]


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


def load_experiments(layout: Layout, names: list[str] | None = None) -> dict[str, Experiment]:
    """Load and check every params file (all errors together), and insist each has a template."""
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
            exp = load_experiment(path)
        except ConfigError as e:
            errors.append(str(e))
            continue
        if exp.id != name:
            errors.append(f'{path}: id: {exp.id!r} does not match the file name {name!r}')
        if not layout.template(name).exists():
            errors.append(f'{layout.template(name)}: no notebook template for experiment {name!r}')
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


def make_plan(profile: str, experiments: list[str] | None = None, layout: Layout | None = None) -> Plan:
    """Load every experiment, then list its runs for `profile` (`<seeds>[@<environment>]`) and its summary, each with a cache key."""
    layout = layout or Layout.make()
    seeds_profile, environment = split_profile(profile)
    exps = load_experiments(layout, experiments)
    if experiments is None:  # every experiment that has the profile (full and quick: all of them)
        exps = {name: exp for name, exp in exps.items() if seeds_profile in exp.seeds} or exps
    for exp in exps.values():
        exp.seeds_for(seeds_profile)  # an unknown profile is a ConfigError, before any work
    env = {kind: keys.code_parts(kind) for kind in ('seed', 'summary')}
    summary_template = keys.template_hash(layout.summary_template) if layout.summary_template.exists() else 'missing'
    published = keys.file_hash(PUBLISHED)
    plan = Plan(profile, layout)
    for name, exp in exps.items():
        stacked = exp.is_stacked(seeds_profile)
        template = layout.stacked_template if stacked else layout.template(name)
        common = {'experiment': name, 'profile': profile, 'params': keys.params_hash(exp), 'template': keys.template_hash(template), **env['seed'],
                  'floating_point': environment}
        runs = []
        notes = tuple(schedule_columns.notes(exp))
        for seeds in exp.chunks(seeds_profile):
            if stacked:  # one run trains the whole chunk together (excolor.wide)
                parts = {'kind': 'seed', 'seeds': seeds, **common}
                params = {'experiment': name, 'profile': profile, 'seeds': seeds, 'params_dir': str(layout.params_dir)}
                folder = layout.chunk_dir(profile, name, seeds)
            else:
                parts = {'kind': 'seed', 'seed': seeds[0], **common}
                params = {'experiment': name, 'profile': profile, 'seed': seeds[0], 'params_dir': str(layout.params_dir), 'figures': False}
                folder = layout.run_dir(profile, name, seeds[0])
            runs.append(Job('seed', name, profile, seeds[0], str(template), str(folder), params, keys.run_key(parts), parts, notes, environment))
        parts = {'kind': 'summary', 'experiment': name, 'profile': profile, 'template': summary_template, **env['summary'],
                 'published': published, 'runs': {str(j.seed): j.key for j in runs}}
        params = {'experiment': name, 'profile': profile, 'runs_dir': str(layout.runs_dir), 'seeds': exp.seeds_for(seeds_profile)}
        summary = Job('summary', name, profile, None, str(layout.summary_template), str(layout.sweep_dir(profile, name)), params,
                      keys.run_key(parts), parts)
        plan.experiments[name] = ExperimentPlan(exp, runs, summary, layout)
    return plan

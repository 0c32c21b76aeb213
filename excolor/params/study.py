"""A parameter study: one experiment, one or more keys with the values to try, and seeds per profile.

`params/studies/<id>.yaml` declares it. Each point (one value of each key; several keys give
every combination) is the experiment with those values `--set`, so the runner plans point × seed
as ordinary runs (cached, resumable, on Dask) in the same folders a `--set` run would use, and a
point equal to the experiment itself reuses the experiment's own runs. The book's study page
(`excolor.book.study_page`) pools them: each metric against the value, seeds paired.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError

from excolor.params.schema import Experiment, Seeds, SeedRange, Strict, describe_error, load_experiment
from excolor.params.layers import ConfigError, dotted, locate, read_file, suggest

Values = dict[str, list[Any]]  # dotted key → the values it takes


class FailureRule(Strict):
    """When a seed counts as a failure: `metric` (its magnitude) below `below`."""

    metric: str
    below: float = Field(gt=0)


class StudyProfile(Strict):
    seeds: Seeds
    vary: Values | None = None  # fewer values in this profile (quick); None: the study's


class Study(Strict):
    id: str
    title: str
    experiment: str  # params/<experiment>.yaml
    vary: Values
    profiles: dict[str, StudyProfile]
    axis: str = ''  # the varied value in words, for the figure's x axis; '' → the key's last part
    metrics: list[str] = Field(min_length=1)  # shown against the value; the first is the headline
    fails: FailureRule
    source: str = ''

    def values(self, profile: str) -> Values:
        return self.profiles[profile].vary or self.vary

    def seeds_for(self, profile: str) -> list[int]:
        s = self.profiles[profile].seeds
        return list(range(s.start, s.stop)) if isinstance(s, SeedRange) else list(s)

    def points(self, profile: str) -> list[dict[str, Any]]:
        """Every combination of the profile's values, in the order written: each is one `--set`."""
        values = self.values(profile)
        return [dict(zip(values, combo)) for combo in itertools.product(*values.values())]


@dataclass(frozen=True)
class Point:
    """One point of a study: its overrides and the experiment they make."""

    overrides: dict[str, Any]
    experiment: Experiment


def study_ids(studies_dir: Path) -> list[str]:
    return sorted(p.stem for p in studies_dir.glob('*.yaml'))


def load_study(path: str | Path, params_dir: str | Path) -> Study:
    """Parse and check a study file, and every point of every profile as the experiment it makes (errors name the file and line)."""
    path, params_dir = Path(path), Path(params_dir)
    layer = read_file(path)
    try:
        study = Study.model_validate({**layer.raw, 'source': str(path)})
    except ValidationError as e:
        raise ConfigError('\n'.join(describe_error(err, lambda loc: locate([layer], loc)) for err in e.errors())) from None
    problems = []
    if study.id != path.stem:
        problems.append((('id',), f'{study.id!r} does not match the file name {path.stem!r}'))
    have = sorted(p.stem for p in params_dir.glob('*.yaml'))
    if study.experiment not in have:
        problems.append((('experiment',), f'no params file {study.experiment}.yaml in {params_dir}' + suggest(study.experiment, have, 'have')))
    for name in ('full', 'quick'):
        if name not in study.profiles:
            problems.append((('profiles',), f'missing profile {name!r}'))
    for name, prof in study.profiles.items():
        for key in prof.vary or {}:
            if key not in study.vary:
                problems.append((('profiles', name, 'vary', key), 'not a key the study varies' + suggest(key, list(study.vary))))
    for key, values in study.vary.items():
        if not values:
            problems.append((('vary', key), 'no values'))
    if problems:
        raise ConfigError('\n'.join(f'{layer.where(loc)}: {dotted(loc)}: {msg}' for loc, msg in problems))
    for profile in study.profiles:
        load_points(study, profile, params_dir, layer)  # each point loads like a `--set` run
    return study


def load_points(study: Study, profile: str, params_dir: str | Path, layer: Any = None) -> list[Point]:
    """The study's points for `profile`, each loaded (and so checked) as its experiment with the point's overrides."""
    out = []
    for overrides in study.points(profile):
        try:
            out.append(Point(overrides, load_experiment(Path(params_dir) / f'{study.experiment}.yaml', overrides)))
        except ConfigError as e:
            key = next(iter(overrides))
            where = layer.where(('vary', key)) if layer is not None else study.source
            raise ConfigError(f'{where}: vary: the point {overrides} does not load:\n{e}') from None
    return out

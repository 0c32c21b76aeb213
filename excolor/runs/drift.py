"""How far floating point alone moves a result, measured by the build on the building machine.

The runner re-runs a sample of seeds (each params file's `drift` profile: Ex 2.9.1's seeds 0–19,
seed 0 of the others) in the floating-point environments this machine offers besides the pinned
one (`runs/drift@native/…`, `runs/drift@mkl-compatible/…`; `excolor.train.floating_point`). Each of
their numbers, set beside the pinned run of the same seed, is what another CPU's rounding could
have made of it. The largest such difference per metric is the numeric drift the reproduction
report allows (`tolerances`), so no verdict rests on a file made on another machine.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from excolor.runs.layout import METRICS, seed_folder_name

COLUMNS = ('experiment', 'seed', 'environment', 'metric', 'pinned', 'other', 'delta')


def environments(runs_dir: Path, drift_profile: str) -> dict[str, Path]:
    """Each environment the drift sample was re-run in, and its profile folder (`<drift_profile>@<environment>`)."""
    return {p.name.partition('@')[2]: p for p in sorted(Path(runs_dir).glob(f'{drift_profile}@*')) if p.is_dir()}


def load_drift(runs_dir: Path, profile: str, drift_profile: str) -> pd.DataFrame:
    """One row per (experiment, seed, environment, metric): the pinned run's value, the other's, and other − pinned."""
    rows = []
    for environment, folder in environments(runs_dir, drift_profile).items():
        for path in sorted(folder.glob(f'*/seed-*/{METRICS}')):
            experiment, seed = path.parent.parent.name, int(path.parent.name.removeprefix('seed-'))
            pinned_path = Path(runs_dir) / profile / experiment / seed_folder_name(seed) / METRICS
            if not pinned_path.exists():
                continue
            pinned, other = json.loads(pinned_path.read_text()), json.loads(path.read_text())
            for metric, value in other.items():
                base = pinned.get(metric)
                if _number(value) and _number(base):
                    rows.append((experiment, seed, environment, metric, float(base), float(value), float(value) - float(base)))
    return pd.DataFrame(rows, columns=list(COLUMNS))


def _number(x: object) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def tolerances(drift: pd.DataFrame) -> dict[str, dict[str, float]]:
    """`{experiment: {metric: largest |other − pinned|}}` over the sample's seeds and environments."""
    out: dict[str, dict[str, float]] = {}
    for (experiment, metric), d in drift.groupby(['experiment', 'metric'])['delta']:
        out.setdefault(experiment, {})[metric] = float(d.abs().max())
    return out


@dataclass(frozen=True)
class MetricDrift:
    """How far one metric moved over the sample: the sentences the paper glues."""

    metric: str
    seeds: int  # seeds in the sample
    environments: list[str]
    largest: float  # over seeds and environments
    median: float  # of each seed's largest move
    over: int  # seeds that moved by more than `threshold` in some environment
    threshold: float
    identical: int  # seeds whose value is the same float in every environment
    best_pinned: int  # the sample's best seed (largest |value|) in the pinned environment
    best_elsewhere: dict[str, int]  # ... and in each other environment

    @property
    def best_changes(self) -> bool:
        return any(s != self.best_pinned for s in self.best_elsewhere.values())


def metric_drift(drift: pd.DataFrame, experiment: str, metric: str, threshold: float = 0.01) -> MetricDrift:
    """The drift of one metric over its sample; the best seed judged, as the sweep does, by |value|."""
    d = drift[(drift.experiment == experiment) & (drift.metric == metric)]
    if d.empty:
        raise ValueError(f'no drift runs of {experiment} measure {metric!r}')
    per_seed = d.assign(move=d.delta.abs()).groupby('seed')['move'].max()
    pinned = d.groupby('seed')['pinned'].first()
    best_elsewhere = {env: int(g.set_index('seed')['other'].abs().idxmax()) for env, g in d.groupby('environment')}
    return MetricDrift(metric, len(per_seed), sorted(d.environment.unique()), float(per_seed.max()), float(per_seed.median()),
                       int((per_seed > threshold).sum()), threshold, int((per_seed == 0).sum()), int(pinned.abs().idxmax()), best_elsewhere)


def per_seed_moves(drift: pd.DataFrame, experiment: str, metric: str) -> pd.DataFrame:
    """Seeds × environments: |other − pinned| of one metric (the figure's data)."""
    d = drift[(drift.experiment == experiment) & (drift.metric == metric)]
    return d.assign(move=d.delta.abs()).pivot(index='seed', columns='environment', values='move').sort_index()

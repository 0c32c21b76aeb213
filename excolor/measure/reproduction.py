"""Did we reproduce a printed number? Our run of the same seed beside it, and a verdict by one rule.

Our runs replay the earlier codebase's random draws and floating-point operations exactly
(`excolor.data.stream`, `excolor.train.loss`), so a number the seed notebook printed for seed s is compared
with *our run of seed s*, and a statistic over seeds with the same statistic over the same seeds:

- **identical**: ours, rounded to the printed significant digits, is the printed number;
- **within numeric drift**: |ours − printed| ≤ how far floating point alone moves that metric,
  as the build measured it on the building machine: the same seeds re-run in the other
  floating-point environments this machine offers (`excolor.runs.drift.tolerances`);
- **differs**: anything else (and any metric whose drift was not measured, unless identical).

A seed our profile did not run gives **not run**. The mean over seeds is also judged by
Welch's two-standard-error rule, which does not need the seeds to match. Pure functions of
numbers, cheap to test.
"""

from __future__ import annotations

import csv
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import yaml

IDENTICAL = 'identical'
DRIFT = 'within numeric drift'
DIFFERS = 'differs'
NOT_RUN = 'not run'
VERDICTS = (IDENTICAL, DRIFT, DIFFERS, NOT_RUN)

RERUN_MATCH = 1e-6  # ours vs upstream re-run in the same environment: same weights, evaluation sums may reorder
# ... relative, for any number: upstream measured its errors in float32 (`F.mse_loss`), we in float64
RERUN_MATCH_RELATIVE = 1e-5
STATISTICS = ('mean', 'sd', 'min', 'max')


def significant_digits(value: float) -> int:
    """Significant digits of a printed number as written in the data (`0.014` → 2, `0.921529` → 6)."""
    mantissa = f'{value:.15g}'.split('e')[0].replace('-', '').replace('.', '').lstrip('0')
    return max(1, len(mantissa))


def judge(printed: float, ours: float | None, metric: str, drift: Mapping[str, float] | None = None, digits: int | None = None) -> str:
    """The verdict for one printed number against ours (see the module docstring); `drift` per metric, where measured."""
    if ours is None or not math.isfinite(ours):
        return NOT_RUN
    d = digits or significant_digits(printed)
    if float(f'{ours:.{d}g}') == float(f'{printed:.{d}g}'):
        return IDENTICAL
    tol = (drift or {}).get(metric)
    if tol is not None and abs(ours - printed) <= tol + RERUN_MATCH:  # ours is the re-run to RERUN_MATCH
        return DRIFT
    return DIFFERS


def welch(mean: float, sd: float, n: int, values: list[float], z: float = 2.0) -> bool | None:
    """Is a printed mean within `z` Welch standard errors of ours? (None: fewer than 2 of our seeds)."""
    if len(values) < 2:
        return None
    margin = z * math.sqrt(sd**2 / n + float(np.var(values, ddof=1)) / len(values))
    return abs(mean - float(np.mean(values))) <= margin


def statistic(name: str, values: list[float]) -> float | None:
    """mean, sd (ddof 1, as pandas printed it), min or max of values (None if too few)."""
    if len(values) < (2 if name == 'sd' else 1):
        return None
    fn = {'mean': np.mean, 'sd': lambda v: np.std(v, ddof=1), 'min': np.min, 'max': np.max}[name]
    return float(fn(values))


@dataclass(frozen=True)
class Row:
    """One printed number, ours, upstream's re-run on this torch (if recorded), and the verdict."""

    experiment: str
    quantity: str
    printed: float
    ours: float | None
    verdict: str
    rerun: float | None = None
    seeds: str = ''  # which seed, or how many seeds, the number is about
    note: str = ''
    is_seed: bool = False  # the number names a seed (the best seed): equal or not, never a difference

    @property
    def difference(self) -> float | None:
        return None if self.ours is None or self.is_seed else self.ours - self.printed

    @property
    def matches_rerun(self) -> bool | None:
        if self.ours is None or self.rerun is None:
            return None
        return abs(self.ours - self.rerun) <= RERUN_MATCH_RELATIVE * abs(self.rerun)


def rows_for(entry: Mapping[str, Any], ours: Mapping[int, Mapping[str, float]], rerun: Mapping[int, Mapping[str, float]], drift: Mapping[str, float] | None = None) -> list[Row]:
    """The rows of one published entry (a single seed's value, a best seed, or statistics over seeds); `drift` per metric."""
    exp, metric, quantity = entry['experiment'], entry['metric'], entry['quantity']
    if 'best_seed' in entry:
        printed = int(entry['best_seed'])
        n = int(entry.get('n', len(ours)))
        best = _best(ours, metric) if len(ours) == n else None  # the best of other seeds is another question
        best_rerun = _best(rerun, metric) if len(rerun) == n else None
        verdict = NOT_RUN if best is None else IDENTICAL if best == printed else DIFFERS
        return [Row(exp, quantity, printed, best, verdict, best_rerun, f'{n} seeds', is_seed=True)]
    if 'mean' in entry:
        values = [m[metric] for m in ours.values() if metric in m]
        again = [m[metric] for m in rerun.values() if metric in m]
        n = int(entry['n'])
        rows = []
        for name in STATISTICS:
            if name not in entry:
                continue
            mine = statistic(name, values) if len(values) == n else None
            note = ''
            if name == 'mean':
                ok = welch(float(entry['mean']), float(entry['sd']), n, values)
                note = '' if ok is None else f'Welch 2 SE: {"consistent" if ok else "inconsistent"} ({len(values)} of our seeds)'
            rows.append(Row(exp, f'{quantity}: {name}', float(entry[name]), mine, judge(float(entry[name]), mine, metric, drift), statistic(name, again) if again else None, f'{n} seeds', note))
        return rows
    seed = int(entry['seed'])
    mine = ours.get(seed, {}).get(metric)
    again = rerun.get(seed, {}).get(metric)
    return [Row(exp, quantity, float(entry['value']), mine, judge(float(entry['value']), mine, metric, drift), again, f'seed {seed}', entry.get('note', ''))]


def _best(per_seed: Mapping[int, Mapping[str, float]], metric: str) -> int | None:
    scored = {s: abs(m[metric]) for s, m in per_seed.items() if metric in m}
    return max(scored, key=scored.get) if scored else None


def compare_all(values: list[Mapping[str, Any]], ours: Mapping[str, Mapping[int, Mapping[str, float]]], rerun: Mapping[str, Mapping[int, Mapping[str, float]]],
                drift: Mapping[str, Mapping[str, float]] | None = None) -> list[Row]:
    """Every published entry's rows; `ours[experiment][seed]` and `rerun[experiment][seed]` are metric dicts,
    `drift[experiment][metric]` the build's measured numeric drift (`excolor.runs.drift.tolerances`)."""
    drift = drift or {}
    return [row for e in values for row in rows_for(e, ours.get(e['experiment'], {}), rerun.get(e['experiment'], {}), drift.get(e['experiment'], {}))]


def tally(rows: list[Row], experiment: str | None = None) -> dict[str, int]:
    """How many rows got each verdict (every verdict present, zeros included)."""
    counts = dict.fromkeys(VERDICTS, 0)
    for r in rows:
        if experiment is None or r.experiment == experiment:
            counts[r.verdict] += 1
    return counts


def load_runs(profile_dir: Path, experiment: str) -> dict[int, dict[str, float]]:
    """Every seed's `metrics.json` of one experiment: `{seed: metrics}`."""
    out = {}
    for path in sorted((profile_dir / experiment).glob('seed-*/metrics.json')):
        out[int(path.parent.name.removeprefix('seed-'))] = json.loads(path.read_text())
    return out


def load_reruns(*paths: Path) -> dict[str, dict[int, dict[str, float]]]:
    """Upstream re-runs by experiment, seed and metric, from CSVs of one number per line (`experiment,seed,metric,value,…`;
    `#` comments say how each was made), merged."""
    out: dict[str, dict[int, dict[str, float]]] = {}
    for path in paths:
        for row in _csv_rows(path):
            out.setdefault(row['experiment'], {}).setdefault(int(row['seed']), {})[row['metric']] = float(row['value'])
    return out


def _csv_rows(path: Path) -> list[dict[str, str]]:
    """A CSV's rows as dicts by its header, `#` comment lines (how the re-run was made) skipped."""
    with path.open() as f:
        return list(csv.DictReader(line for line in f if not line.startswith('#')))


def load_published(path: str | Path) -> dict[str, Any]:
    """`book/data/published.yaml`, checked: every value names its experiment, metric and quantity,
    and is one seed's value (value, seed), a best seed (best_seed), or statistics over n seeds."""
    data = yaml.safe_load(Path(path).read_text())
    for i, v in enumerate(data.get('values') or []):
        where = f'{path}: values[{i}]'
        missing = [k for k in ('experiment', 'metric', 'quantity') if k not in v]
        if missing:
            raise ValueError(f'{where}: missing {", ".join(missing)}')
        if 'mean' in v:
            if not {'sd', 'n'} <= set(v):
                raise ValueError(f'{where}: a mean over seeds needs sd and n')
        elif 'best_seed' not in v and not {'value', 'seed'} <= set(v):
            raise ValueError(f'{where}: needs value and seed (one run), best_seed, or mean, sd, n (over seeds)')
        if v['experiment'] not in (data.get('notebooks') or {}):
            raise ValueError(f'{where}: no seed notebook listed for {v["experiment"]} under notebooks:')
    return data

"""Did we reproduce a published number? Verdicts that compare a seed notebook's printed value with our seeds.

Two kinds of published numbers exist, and each gets the rule that fits how it was produced:

- a mean over seeds (`mean`, `sd`, `n`; ex-2.9.1's 100-seed sweep): Welch's two-standard-error
  rule, reproduced when |Δmean| ≤ 2·sqrt(s₁²/n₁ + s₂²/n₂);
- one run (`value`, usually seed 0): reproduced when it falls inside our 95 % prediction
  interval for a new seed, mean ± t₀.₉₇₅,ₙ₋₁ · s · sqrt(1 + 1/n). Seeds are not comparable bit
  for bit (see the README), so a single published run is one draw from the distribution we
  estimate.

With fewer than two of our seeds neither rule can be applied and the verdict says so.
Everything here is a pure function of numbers, so it is cheap to test.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from scipy import stats

REPRODUCED = 'reproduced'
NOT_REPRODUCED = 'not reproduced'
NOT_ENOUGH_SEEDS = 'not enough seeds'
MISSING = 'missing'  # we have no such metric (a run or a sweep does not produce it)

Z_WELCH = 2.0
LEVEL = 0.95


@dataclass(frozen=True)
class Ours:
    """Our distribution of one metric over seeds (from a sweep's `summary.json`)."""

    mean: float
    std: float
    n: int
    ci_low: float = math.nan
    ci_high: float = math.nan

    @classmethod
    def from_summary(cls, entry: Mapping[str, Any]) -> Ours:
        """One entry of `summary.json`'s `metrics` ({"mean","std","n","ci_low","ci_high",…})."""
        return cls(_num(entry['mean']), _num(entry.get('std')), int(entry['n']), _num(entry.get('ci_low')), _num(entry.get('ci_high')))


def _num(x: Any) -> float:
    """A float, with None (JSON null, e.g. the std of one seed) as NaN."""
    return math.nan if x is None else float(x)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one comparison, with the interval or margin it was judged by."""

    verdict: str
    low: float = math.nan  # the acceptance interval for the published number
    high: float = math.nan
    rule: str = ''

    @property
    def reproduced(self) -> bool | None:
        """True / False, or None when no judgement was possible."""
        return {REPRODUCED: True, NOT_REPRODUCED: False}.get(self.verdict)


def welch_margin(s1: float, n1: int, s2: float, n2: int, z: float = Z_WELCH) -> float:
    """z standard errors of a difference of two independent means."""
    return z * math.sqrt(s1**2 / n1 + s2**2 / n2)


def compare_mean(mean: float, sd: float, n: int, ours: Ours, z: float = Z_WELCH) -> Verdict:
    """A published mean over `n` seeds against ours: |Δmean| within `z` Welch standard errors."""
    if ours.n < 2 or not math.isfinite(ours.std):
        return Verdict(NOT_ENOUGH_SEEDS, rule='welch')
    if n < 1:
        raise ValueError(f'published n must be ≥ 1, got {n}')
    margin = welch_margin(sd, n, ours.std, ours.n, z)
    ok = abs(mean - ours.mean) <= margin
    return Verdict(REPRODUCED if ok else NOT_REPRODUCED, ours.mean - margin, ours.mean + margin, 'welch')


def prediction_interval(ours: Ours, level: float = LEVEL) -> tuple[float, float]:
    """Where one more seed's value should fall: mean ± t · s · sqrt(1 + 1/n) (needs n ≥ 2)."""
    if ours.n < 2:
        raise ValueError('a prediction interval needs at least two seeds')
    t = float(stats.t.ppf(0.5 + level / 2, ours.n - 1))
    half = t * ours.std * math.sqrt(1 + 1 / ours.n)
    return ours.mean - half, ours.mean + half


def compare_single(value: float, ours: Ours, level: float = LEVEL) -> Verdict:
    """A published single run against our seeds: inside our prediction interval for a new seed."""
    if ours.n < 2 or not math.isfinite(ours.std):
        return Verdict(NOT_ENOUGH_SEEDS, rule='prediction interval')
    low, high = prediction_interval(ours, level)
    return Verdict(REPRODUCED if low <= value <= high else NOT_REPRODUCED, low, high, 'prediction interval')


def judge(published: Mapping[str, Any], ours: Ours | None) -> Verdict:
    """One published entry (with `mean`/`sd`/`n`, or with `value`) against our metric, if we have it."""
    if ours is None:
        return Verdict(MISSING)
    if 'mean' in published:
        return compare_mean(float(published['mean']), float(published['sd']), int(published['n']), ours)
    return compare_single(float(published['value']), ours)


def tally(verdicts: list[Verdict]) -> dict[str, int]:
    """How many of each verdict (every verdict kind present, zeros included)."""
    counts = {v: 0 for v in (REPRODUCED, NOT_REPRODUCED, NOT_ENOUGH_SEEDS, MISSING)}
    for v in verdicts:
        counts[v.verdict] += 1
    return counts


@dataclass(frozen=True)
class Comparison:
    """One published entry, our numbers for its metric (None if we have none) and the verdict."""

    published: Mapping[str, Any]
    ours: Ours | None
    verdict: Verdict


def compare_all(values: list[Mapping[str, Any]], summaries: Mapping[str, Mapping[str, Any]]) -> list[Comparison]:
    """Judge every published entry against `summaries[experiment]['metrics'][metric]`."""
    out = []
    for entry in values:
        metrics = summaries.get(entry['experiment'], {}).get('metrics', {})
        ours = Ours.from_summary(metrics[entry['metric']]) if entry['metric'] in metrics else None
        out.append(Comparison(entry, ours, judge(entry, ours)))
    return out


def load_published(path: str | Path) -> dict[str, Any]:
    """`book/data/published.yaml`, checked: every value names its experiment, metric and quantity,
    and is either a mean over seeds (mean, sd, n) or a single run (value)."""
    data = yaml.safe_load(Path(path).read_text())
    for i, v in enumerate(data.get('values') or []):
        where = f'{path}: values[{i}]'
        missing = [k for k in ('experiment', 'metric', 'quantity') if k not in v]
        if missing:
            raise ValueError(f'{where}: missing {", ".join(missing)}')
        if 'mean' in v:
            if not {'sd', 'n'} <= set(v):
                raise ValueError(f'{where}: a mean over seeds needs sd and n')
        elif 'value' not in v:
            raise ValueError(f'{where}: needs either value (one run) or mean, sd, n (over seeds)')
        if v['experiment'] not in (data.get('notebooks') or {}):
            raise ValueError(f'{where}: no seed notebook listed for {v["experiment"]} under notebooks:')
    return data

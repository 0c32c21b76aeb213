"""Seeds → one summary: the per-seed table, per-metric statistics, and which seeds to show.

Pure functions of the runs' `metrics.json` files, so the sweep notebook stays short and the
rules are unit-tested: statistics are mean, std (ddof = 1), min, max and a percentile
bootstrap 95 % CI of the mean (fixed RNG seed: the same seeds always give the same interval;
the same resampling as `excolor.present.tables.summary_table`, so table and `summary.json` agree).
The best seed follows ex-2.9.1: the highest `score` (|r| of the condition each params file
names in `evaluation.score`), the earlier seed on ties. The representative seed is the one
whose `score` is closest to the median: a typical run, not a lucky one. With several model
variants each reports `<variant>_score`: the last variant (the experiment's main one) ranks the
best seed, and the representative seed is typical of the paired difference between the variants.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
import yaml

from excolor.present.numbers import mean_sd_text
from excolor.measure.spread import STATS, summarize  # noqa: F401  (summarize: the sweep notebook's entry point)

RANK_METRIC = 'score'
SEED_FOLDER = re.compile(r'^seed-(\d+)$')
HEADLINE_SUFFIXES = ('_r', '_max_mse', '_median_mse')


def seed_metrics(experiment_dir: Path) -> dict[int, dict[str, Any]]:
    """Every seed's raw metrics under an experiment's folder: `seed-NNN/metrics.json`, and the seeds
    of every chunk trained together (`seeds-NNN-MMM/metrics.json`, `{"seeds": {"<seed>": {...}}}`)."""
    out: dict[int, dict[str, Any]] = {}
    for p in experiment_dir.glob('seed-*/metrics.json'):
        if m := SEED_FOLDER.match(p.parent.name):
            out[int(m[1])] = json.loads(p.read_text())
    for p in experiment_dir.glob('seeds-*/metrics.json'):
        out |= {int(s): v for s, v in json.loads(p.read_text())['seeds'].items()}
    return out


def load_metrics(experiment_dir: str | Path, seeds: Iterable[int] | None = None) -> pd.DataFrame:
    """One row per seed (index `seed`, ascending), one column per metric, from the runs' `metrics.json`.

    With `seeds`, exactly those (a missing one is an error: a summary must not silently shrink);
    without, every seed that has metrics.
    """
    experiment_dir = Path(experiment_dir)
    found = seed_metrics(experiment_dir)
    if seeds is not None:
        missing = [int(s) for s in seeds if int(s) not in found]
        if missing:
            raise FileNotFoundError(f'{experiment_dir}: no metrics.json for seed(s) {missing}')
        found = {int(s): found[int(s)] for s in seeds}
    if not found:
        raise FileNotFoundError(f'{experiment_dir}: no seed-NNN/metrics.json')
    rows = {}
    for seed in sorted(found):
        raw = found[seed]
        rows[seed] = {k: float(v) for k, v in raw.items() if isinstance(v, (int, float)) and k != 'seed'}
    df = pd.DataFrame.from_dict(rows, orient='index')
    df.index.name = 'seed'
    return df


def rank_metric(per_seed: pd.DataFrame) -> str:
    """`score` if the runs report one, else the last variant's `<variant>_score`, else the first metric."""
    cols = [str(c) for c in per_seed.columns]
    if RANK_METRIC in cols:
        return RANK_METRIC
    scores = [c for c in cols if c.endswith(f'_{RANK_METRIC}')]
    if scores:
        return scores[-1]
    if not cols:
        raise ValueError('no metrics to rank seeds by')
    return cols[0]


def best_seed(per_seed: pd.DataFrame, metric: str = RANK_METRIC) -> int:
    """The seed with the highest `metric`; on a tie, the earlier seed."""
    values = per_seed[metric].sort_index().dropna()
    if values.empty:
        raise ValueError(f'no seed has a value for {metric!r}')
    return int(values.idxmax())  # first occurrence of the maximum


def representative_rule(per_seed: pd.DataFrame) -> tuple[pd.Series, str]:
    """What the representative seed is closest to the median of, and that rule in words for the page.

    With two or more model variants (each its `<variant>_score`), a seed typical of one variant can
    be extreme in the other, and a page comparing them would mislead: the seed is chosen by the
    paired difference of the first and last variant's scores, the quantity such an experiment asks about.
    """
    cols = [str(c) for c in per_seed.columns]
    scores = [c for c in cols if c.endswith(f'_{RANK_METRIC}')]
    if RANK_METRIC not in cols and len(scores) >= 2:
        a, b = scores[0], scores[-1]
        names = [c.removesuffix(f'_{RANK_METRIC}').replace('_', ' ') for c in (a, b)]
        return (per_seed[a] - per_seed[b], f'the seed whose paired difference of scores, {names[0]} − {names[1]}, is closest to its '
                                          f'median over seeds (a seed typical of how the two models differ)')
    metric = rank_metric(per_seed)
    return per_seed[metric], f'the seed whose {metric} is closest to its median over seeds (a typical run, not a lucky one)'


def representative_seed(per_seed: pd.DataFrame, metric: str | None = None) -> int:
    """The seed whose `metric` (default: `representative_rule`'s quantity) is closest to its median; on a tie, the earlier seed."""
    values = (per_seed[metric] if metric else representative_rule(per_seed)[0]).sort_index().dropna()
    if values.empty:
        raise ValueError('no seed has a value to compare with the median')
    return int((values - values.median()).abs().idxmin())


def headline_metrics(per_seed: pd.DataFrame, limit: int = 8) -> list[str]:
    """The metrics a sweep page shows first: correlations, then error maxima and medians.

    Not the rank metric itself: `score` is |r| of a correlation already shown, and a second row
    of the same numbers would only read as a second finding.
    """
    cols = [str(c) for c in per_seed.columns]
    out: list[str] = []
    for suffix in HEADLINE_SUFFIXES:
        out += [c for c in cols if c.endswith(suffix) and c not in out]
    return (out or [c for c in cols if not c.endswith(RANK_METRIC)] or cols)[:limit]


def published_values(path: str | Path, experiment: str) -> dict[str, float]:
    """metric → the number the seed notebook printed (a mean over seeds, or one run), from `book/data/published.yaml`."""
    path = Path(path)
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    out: dict[str, float] = {}
    for entry in data.get('values') or []:
        if entry.get('experiment') != experiment:
            continue
        metric = str(entry['metric'])
        if 'mean' in entry:  # a mean over seeds outranks any single run (e.g. 2.9.1's best seed)
            out[metric] = float(entry['mean'])
        elif 'value' in entry:
            out.setdefault(metric, float(entry['value']))
    return out


def _json_number(x: Any) -> Any:
    if isinstance(x, (int, np.integer)):
        return int(x)
    x = float(x)
    return x if math.isfinite(x) else None


def summary_json(per_seed: pd.DataFrame, stats: pd.DataFrame, *, experiment: str, profile: str) -> dict[str, Any]:
    """What `summary.json` holds: every metric's statistics, the seeds, and the best and representative seed."""
    metric = rank_metric(per_seed)
    return {
        'experiment': experiment,
        'profile': profile,
        'seeds': [int(s) for s in per_seed.index],
        'n_seeds': len(per_seed),
        'metrics': {str(m): {s: int(row[s]) if s == 'n' else _json_number(row[s]) for s in STATS} for m, row in stats.iterrows()},
        'rank_metric': metric,
        'best_seed': best_seed(per_seed, metric),
        'representative_seed': representative_seed(per_seed),
        'representative_rule': representative_rule(per_seed)[1],
    }


def glue_values(summary: dict[str, Any]) -> dict[str, float | int]:
    """Flat names for `myst_nb.glue`: `<metric>_<stat>`, `<metric>_mean_sd` (text), `best_seed`, `representative_seed`, `n_seeds`."""
    out: dict[str, float | int] = {f'{m}_{s}': v for m, stats in summary['metrics'].items() for s, v in stats.items() if v is not None}
    out.update({k: summary[k] for k in ('best_seed', 'representative_seed', 'n_seeds')})
    for m, stats in summary['metrics'].items():  # `0.012 ± 0.007`: prose writes mean ± sd as the paper's tables do
        if stats.get('mean') is not None:
            out[f'{m}_mean_sd'] = mean_sd_text(stats['mean'], stats['std'] if stats.get('std') is not None else math.nan)
    return out

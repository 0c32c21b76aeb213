"""Spread over seeds: mean, standard deviation, range and a bootstrap confidence interval of the mean.

One place for these numbers, so the sweep summaries (`summary.json`, glue) and the sweep tables
(HTML, LaTeX) can never disagree.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype

BOOTSTRAP_SEED = 0
BOOTSTRAP_RESAMPLES = 2000
CONFIDENCE = 0.95
STATS = ('mean', 'std', 'min', 'max', 'ci_low', 'ci_high', 'n')


def bootstrap_ci(x: np.ndarray, *, resamples: int = BOOTSTRAP_RESAMPLES, confidence: float = CONFIDENCE, seed: int = BOOTSTRAP_SEED) -> tuple[float, float]:
    """Percentile bootstrap CI of the mean; the same data always gives the same interval."""
    x = np.asarray(x, dtype=float)
    if len(x) == 0:
        return math.nan, math.nan
    rng = np.random.default_rng(seed)
    means = x[rng.integers(0, len(x), size=(resamples, len(x)))].mean(axis=1)
    tail = (1 - confidence) / 2 * 100
    lo, hi = np.percentile(means, [tail, 100 - tail])
    return float(lo), float(hi)


def summarize(per_seed: pd.DataFrame) -> pd.DataFrame:
    """One row per numeric metric (the `seed` column excepted): mean, std (ddof = 1), min, max, CI, n; NaNs left out per metric."""
    rows = {}
    for col in per_seed.columns:
        if col == 'seed' or not is_numeric_dtype(per_seed[col]):
            continue
        x = per_seed[col].dropna().to_numpy(dtype=float)
        lo, hi = bootstrap_ci(x)
        rows[col] = {
            'mean': float(x.mean()) if len(x) else math.nan,
            'std': float(x.std(ddof=1)) if len(x) > 1 else math.nan,
            'min': float(x.min()) if len(x) else math.nan,
            'max': float(x.max()) if len(x) else math.nan,
            'ci_low': lo,
            'ci_high': hi,
            'n': len(x),
        }
    out = pd.DataFrame.from_dict(rows, orient='index', columns=list(STATS))
    out.index.name = 'metric'
    return out

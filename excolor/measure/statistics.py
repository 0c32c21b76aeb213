"""The tests behind the paper's claims: a paired comparison of two model variants, and how
concentrated an intervention's damage is.

- **Paired comparison.** Ex 2.10 trains a model with and one without the unitarity term from the
  same seed, so the seeds pair up. The Wilcoxon signed-rank test (exact for small n, no normality
  assumed) asks whether the differences are centred on zero; the effect size is the mean
  difference with a percentile-bootstrap 95 % CI, and the matched-pairs rank-biserial correlation
  (+1: every pair favours the first variant, −1: the second).
- **Concentration.** The error of the colours near red against the error of the rest, per seed,
  from the 17 named colours every run evaluates: `NEAR_RED` is red and its two hue neighbours 30°
  away (similarity to red ≥ 2/3), the rest are the other 14 hues and greys. A ratio of 1 means
  the damage is spread evenly; the same ratio without intervention is the baseline. Ratios are
  summarised over seeds by their geometric mean and range (they are multiplicative).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from excolor.measure import evaluation
from excolor.measure.evaluation import metric_key
from excolor.measure.spread import bootstrap_ci

NEAR_RED = ('red', 'orange', 'pink')
NAMED = tuple(metric_key(name) for name in evaluation.NAMED)  # as the runs' `<condition>_mse_<colour>` keys name them


@dataclass(frozen=True)
class PairedComparison:
    """`a` against `b` over the same seeds: differences are `a − b`."""

    n: int
    mean_a: float
    mean_b: float
    mean_difference: float
    ci_low: float
    ci_high: float
    median_difference: float
    wilcoxon_statistic: float
    p_value: float
    rank_biserial: float
    a_higher: int  # seeds where a > b
    sd_difference: float  # of a − b (ddof = 1)
    max_abs_difference: float
    correlation: float  # Pearson r between a and b over the seeds: do they move together?

    def as_glue(self, prefix: str) -> dict[str, float]:
        return {f'{prefix}_{k}': float(v) for k, v in self.__dict__.items()}


def rank_biserial(differences: np.ndarray) -> float:
    """Matched-pairs rank-biserial correlation: (sum of ranks of positive − of negative differences) / total rank sum."""
    d = differences[differences != 0]
    if len(d) == 0:
        return 0.0
    ranks = pd.Series(np.abs(d)).rank().to_numpy()
    return float((ranks[d > 0].sum() - ranks[d < 0].sum()) / ranks.sum())


def paired_comparison(a: pd.Series, b: pd.Series) -> PairedComparison:
    """Compare two metrics measured on the same seeds (the index); seeds missing from either are dropped."""
    from scipy.stats import wilcoxon

    both = pd.concat([a.rename('a'), b.rename('b')], axis=1).dropna()
    d = (both['a'] - both['b']).to_numpy(dtype=float)
    if len(d) == 0:
        raise ValueError('no seed has both values')
    lo, hi = bootstrap_ci(d)
    if np.any(d != 0):
        test = wilcoxon(both['a'], both['b'])
        stat, p = float(test.statistic), float(test.pvalue)
    else:
        stat, p = 0.0, 1.0
    several = len(d) > 1
    return PairedComparison(n=len(d), mean_a=float(both['a'].mean()), mean_b=float(both['b'].mean()), mean_difference=float(d.mean()),
                            ci_low=lo, ci_high=hi, median_difference=float(np.median(d)), wilcoxon_statistic=stat, p_value=p,
                            rank_biserial=rank_biserial(d), a_higher=int((d > 0).sum()),
                            sd_difference=float(d.std(ddof=1)) if several else math.nan, max_abs_difference=float(np.abs(d).max()),
                            correlation=float(np.corrcoef(both['a'], both['b'])[0, 1]) if several else math.nan)


def concentration(per_seed: pd.DataFrame, condition: str) -> pd.Series:
    """Per seed: mean MSE of the colours near red ÷ mean MSE of the other named colours, under `condition`
    (a metric prefix such as `ablated` or `with_unitarity_ablated`)."""
    near = [f'{condition}_mse_{c}' for c in NEAR_RED]
    rest = [f'{condition}_mse_{c}' for c in NAMED if c not in NEAR_RED]
    missing = [k for k in near + rest if k not in per_seed.columns]
    if missing:
        raise KeyError(f'{condition}: the runs lack named-colour errors {missing[:3]}…')
    ratio = per_seed[near].mean(axis=1) / per_seed[rest].mean(axis=1)
    return ratio.rename(f'{condition}_concentration')


@dataclass(frozen=True)
class RatioSummary:
    """Ratios over seeds: geometric mean, range, and how many exceed a threshold."""

    n: int
    geometric_mean: float
    low: float
    high: float
    above_ten: int

    def as_glue(self, prefix: str) -> dict[str, float]:
        return {f'{prefix}_{k}': float(v) for k, v in self.__dict__.items()}


def summarize_ratios(ratios: pd.Series) -> RatioSummary:
    x = ratios.dropna().to_numpy(dtype=float)
    if len(x) == 0 or np.any(x <= 0):
        raise ValueError('ratios must be positive')
    return RatioSummary(n=len(x), geometric_mean=float(math.exp(np.log(x).mean())), low=float(x.min()), high=float(x.max()),
                        above_ten=int((x > 10).sum()))

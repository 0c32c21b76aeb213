"""How often does anchoring fail? Two samples of one metric over seeds, compared in the middle and in the tail.

A wide sweep (1,000 seeds, fast numerics, trained together) against the book's exact sweep
(100 seeds): a two-sample test of their distributions (Kolmogorov–Smirnov and Mann–Whitney),
the fraction of seeds below each threshold with an exact (Clopper–Pearson) 95 % interval, and,
on the seeds both ran, the paired difference fast − exact, which is the cost of fast numerics.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from excolor.measure.statistics import paired_comparison

LEVEL = 0.95


@dataclass(frozen=True)
class Tail:
    """`k` of `n` seeds below `threshold`, and the Clopper–Pearson interval of that fraction."""

    threshold: float
    k: int
    n: int
    low: float
    high: float

    @property
    def fraction(self) -> float:
        return self.k / self.n


def tail(values: np.ndarray, threshold: float, level: float = LEVEL) -> Tail:
    values = np.asarray(values, dtype=float)
    k, n = int((values < threshold).sum()), len(values)
    ci = stats.binomtest(k, n).proportion_ci(confidence_level=level, method='exact')
    return Tail(threshold, k, n, float(ci.low), float(ci.high))


@dataclass(frozen=True)
class TwoSamples:
    """Kolmogorov–Smirnov and Mann–Whitney (two-sided) between two samples of one metric."""

    ks: float
    ks_p: float
    mann_whitney_p: float
    n_a: int
    n_b: int


def two_samples(a: np.ndarray, b: np.ndarray) -> TwoSamples:
    ks = stats.ks_2samp(a, b)
    mw = stats.mannwhitneyu(a, b, alternative='two-sided')
    return TwoSamples(float(ks.statistic), float(ks.pvalue), float(mw.pvalue), len(a), len(b))


def tail_key(metric: str, sample: str, threshold: float) -> str:
    """The glue key of a tail fraction: `ablated_r_wide_below_85`; `_k`, `_low`, `_high` extend it."""
    return f'{metric}_{sample}_below_{int(round(threshold * 100))}'


def glue_values(metric: str, wide: pd.Series, exact: pd.Series, thresholds: tuple[float, ...]) -> dict[str, float | int]:
    """Every number the page and the paper cite for one metric, keyed `<metric>_<quantity>`."""
    out: dict[str, float | int] = {}
    for name, s in (('wide', wide), ('exact', exact)):
        out |= {f'{metric}_{name}_n': len(s), f'{metric}_{name}_mean': float(s.mean()), f'{metric}_{name}_sd': float(s.std(ddof=1)),
                f'{metric}_{name}_min': float(s.min())}
        for t in thresholds:
            tl = tail(s.to_numpy(), t)
            key = tail_key(metric, name, t)
            out |= {f'{key}_k': tl.k, f'{key}': tl.fraction, f'{key}_low': tl.low, f'{key}_high': tl.high}
    test = two_samples(wide.to_numpy(), exact.to_numpy())
    out |= {f'{metric}_ks': test.ks, f'{metric}_ks_p': test.ks_p, f'{metric}_mw_p': test.mann_whitney_p}
    p = paired_comparison(wide, exact)  # fast − exact on the seeds both ran: how far fast numerics move one seed's number
    out |= {f'{metric}_paired_n': p.n, f'{metric}_paired_mean': p.mean_difference, f'{metric}_paired_sd': p.sd_difference,
            f'{metric}_paired_max_abs': p.max_abs_difference, f'{metric}_paired_r': p.correlation}
    return out

"""A parameter study: each metric against the value varied, one line per seed (seeds are paired across values).

The mean and its 95 % confidence interval sit on top of the seeds' lines, and the last panel
gives the fraction of seeds where the method fails, with its exact interval: a mean can stay
high while a growing share of seeds break.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from excolor.present.figures.theme import PAGE_WIDTH, Theme, accents


def plot_study(
    per_seed: pd.DataFrame,
    metrics: Sequence[str],
    titles: Mapping[str, str],
    *,
    theme: Theme,
    xlabel: str,
    intervals: pd.DataFrame,
    failures: pd.DataFrame,
    failure_title: str,
) -> Figure:
    """`per_seed`: index (value, seed), a column per metric. `intervals`: per value and metric, `mean`, `ci_low`, `ci_high`.
    `failures`: per value, `fraction`, `low`, `high`. Values on a log axis (a study halves or doubles them)."""
    palette = accents()
    values = sorted(per_seed.index.get_level_values(0).unique())
    panels = len(metrics) + 1
    cols = min(panels, 3)
    rows = -(-panels // cols)
    fig, axs = plt.subplots(rows, cols, figsize=(PAGE_WIDTH, 2.5 * rows), squeeze=False)
    seeds = sorted(per_seed.index.get_level_values(1).unique())
    for ax, metric in zip(axs.flat, metrics):
        for seed in seeds:
            line = per_seed.xs(seed, level=1)[metric].reindex(values)
            ax.plot(values, line.to_numpy(), color=theme.val('#999', dark='#777'), linewidth=0.7, alpha=0.6, marker='o', markersize=2)
        iv = intervals.xs(metric, level=1).reindex(values)
        ax.errorbar(values, iv['mean'], yerr=[iv['mean'] - iv['ci_low'], iv['ci_high'] - iv['mean']], color=palette[0], linewidth=2,
                    marker='o', markersize=5, capsize=3, zorder=3)
        ax.set_title(titles.get(metric, metric))
    ax = axs.flat[len(metrics)]
    f = failures.reindex(values)
    ax.errorbar(values, f['fraction'], yerr=[f['fraction'] - f['low'], f['high'] - f['fraction']], color=palette[1], linewidth=2,
                marker='s', markersize=5, capsize=3)
    ax.set_ylim(-0.03, 1.03)
    ax.set_title(failure_title)
    for ax in axs.flat[:panels]:
        ax.set_xscale('log')
        ax.set_xticks(values, [f'{v:g}' for v in values])
        ax.minorticks_off()
        ax.set_xlim(values[-1] * 1.25, values[0] / 1.25)  # rarer to the right
    for ax in axs.flat[panels:]:
        ax.set_visible(False)
    fig.supxlabel(xlabel)
    return fig

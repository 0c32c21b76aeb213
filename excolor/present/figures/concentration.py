"""How concentrated an intervention's damage is, for every experiment: one dot per seed.

Rows are experiment × condition; x is the ratio of the error near red to the error elsewhere
(`excolor.measure.statistics.concentration`) on a log scale, so "ten times" reads the same everywhere.
Hollow dots are the same models without intervention: the baseline the ratio starts from.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from excolor.present.figures.theme import PAGE_WIDTH, Theme, accents

JITTER_SEED = 0


def plot_concentration(rows: Sequence[tuple[str, pd.Series, pd.Series]], *, theme: Theme) -> Figure:
    """`rows`: (label, ratios under the intervention, ratios of the same seeds without) per row, top to bottom."""
    palette = accents()
    rng = np.random.default_rng(JITTER_SEED)
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 0.42 * len(rows) + 1.0))
    for i, (_, treated, baseline) in enumerate(rows):
        y = len(rows) - 1 - i
        for values, filled in ((baseline, False), (treated, True)):
            v = values.dropna().to_numpy(dtype=float)
            jitter = y + rng.uniform(-0.15, 0.15, len(v))
            if filled:
                ax.scatter(v, jitter, s=16, color=palette[4], linewidths=0, zorder=3, label='intervention')
            else:
                ax.scatter(v, jitter, s=16, facecolors='none', edgecolors=theme.val('#0008', dark='#fff8'), linewidths=0.8, zorder=2, label='no intervention')
    ax.axvline(1, color=theme.foreground, linewidth=0.8, linestyle=(0, (3, 2)))
    ax.set_xscale('log')
    ax.set_yticks(range(len(rows)), [r[0] for r in reversed(rows)])
    ax.tick_params(axis='y', length=0)
    ax.set_xlabel('mean MSE near red ÷ mean MSE of the other colours')
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    fig.legend(list(unique.values()), list(unique), loc='outside lower center', ncols=2)
    return fig

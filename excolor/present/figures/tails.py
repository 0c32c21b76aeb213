"""Two distributions of one metric over seeds as empirical CDFs, with the thresholds whose tails we count."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from excolor.present.figures.theme import PAGE_WIDTH, Theme, accents
from excolor.present.numbers import MINUS


def plot_ecdfs(samples: Mapping[str, Mapping[str, pd.Series]], titles: Mapping[str, str], thresholds: Sequence[float], *, theme: Theme, low: float = 0.7) -> Figure:
    """One panel per metric (`samples[metric][label]` = values over seeds); each sample a step curve.

    The axis starts at `low`, where the tails we count live; seeds below it (a failed run can end
    far below) are counted in the panel, with the lowest value, instead of squeezing the curves.
    """
    palette = accents()
    fig, axs = plt.subplots(1, len(samples), figsize=(PAGE_WIDTH, 3.4), squeeze=False, sharey=True)
    for ax, (metric, by_label) in zip(axs[0], samples.items()):
        for i, (label, values) in enumerate(by_label.items()):  # orange and sky blue, solid and dashed: apart in both themes and in grey
            x = np.sort(values.to_numpy())
            ax.step(x, np.arange(1, len(x) + 1) / len(x), where='post', color=palette[i % 2], linestyle=('-', (0, (4, 2)))[i % 2],
                    linewidth=1.8, label=f'{label} (n = {len(x)})')
        for t in thresholds:
            ax.axvline(t, color=theme.foreground, linestyle=(0, (3, 3)), linewidth=0.8, alpha=0.6)
        below = [f'{label.split(",")[0]}: {int((v < low).sum())} (lowest {v.min():.2f})'.replace('-', MINUS) for label, v in by_label.items() if (v < low).any()]
        if below:
            ax.text(0.03, 0.95, f'seeds below {low}:\n' + '\n'.join(below), transform=ax.transAxes, va='top')
        ax.set_xlim(low, 1.0)
        ax.set_title(titles[metric])
        ax.set_xlabel('r')
        ax.set_ylim(0, 1)
    axs[0, 0].set_ylabel('fraction of seeds ≤ r')
    handles, labels = axs[0, 0].get_legend_handles_labels()
    fig.legend(handles, labels, loc='outside lower center', ncols=len(labels))
    return fig

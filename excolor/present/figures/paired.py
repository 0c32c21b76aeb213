"""Two variants trained from the same seeds, side by side: one line per seed joins its two values.

A paired design shows its pairing: two clouds of dots would hide that a seed's models move
together. Each panel is one metric; the mean of each variant is a short bar.
"""

from __future__ import annotations

from collections.abc import Sequence

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.figure import Figure

from excolor.present.figures.theme import PAGE_WIDTH, Theme, accents


def plot_paired_seeds(
    per_seed: pd.DataFrame,
    pairs: Sequence[tuple[str, str]],
    *,
    theme: Theme,
    names: tuple[str, str],
    titles: Sequence[str],
    log: Sequence[bool] = (),
) -> Figure:
    """One panel per `(metric_a, metric_b)` pair; x = the two variants (`names`), one line per seed."""
    palette = accents()
    fig, axs = plt.subplots(1, len(pairs), figsize=(PAGE_WIDTH, 2.8), squeeze=False)
    for i, (ax, (a, b)) in enumerate(zip(axs[0], pairs)):
        both = per_seed[[a, b]].dropna()
        for _, row in both.iterrows():
            up = row[b] > row[a]
            ax.plot([0, 1], [row[a], row[b]], color=palette[1] if up else palette[0], alpha=0.8, linewidth=1.2, marker='o', markersize=3.5)
        for x, col in ((0, a), (1, b)):
            ax.plot([x - 0.18, x + 0.18], [both[col].mean()] * 2, color=theme.foreground, linewidth=2.2, solid_capstyle='butt')
        ax.set_xticks([0, 1], list(names))
        ax.set_xlim(-0.4, 1.4)
        ax.set_title(titles[i])
        if i < len(log) and log[i]:
            ax.set_yscale('log')
    return fig

"""The spread of metrics over seeds: one box-and-strip row per metric.

A seed sweep is summarised by its distribution, not its best run: every seed is a dot (with
a fixed jitter, so reruns give the same picture) over a box of its quartiles. The value the
upstream paper reported can be marked as a vertical line, and chosen seeds (best,
representative) as labelled markers, so a reader sees where they fall in the spread.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from excolor.present.figures.theme import PAGE_WIDTH, Theme, accents

MARKERS = ('D', 's', '^', 'v', 'P')
JITTER_SEED = 0
HIGHLIGHT_ACCENTS = (1, 2, 4, 5)  # accent indices; 0 (orange) marks the published value


def plot_metric_distributions(
    per_seed: pd.DataFrame,
    metrics: Sequence[str],
    *,
    theme: Theme,
    published: Mapping[str, float] | None = None,
    highlight: Mapping[str, int] | None = None,
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """Rows = metrics; `published` maps metric → value, `highlight` maps label → seed (the index);
    `labels` maps metric → the row's label (a reader's label, see `excolor.present.metric_labels`; default: the key)."""
    missing = [m for m in metrics if m not in per_seed.columns]
    if missing:
        raise KeyError(f'no such metric column(s): {missing}')
    for label, seed in (highlight or {}).items():
        if seed not in per_seed.index:
            raise KeyError(f'highlight {label!r}: seed {seed} is not in the sweep')
    palette = accents()
    fig, axs = plt.subplots(len(metrics), 1, figsize=(PAGE_WIDTH, 0.8 * len(metrics) + 1.0), squeeze=False)
    rng = np.random.default_rng(JITTER_SEED)
    for ax, metric in zip(axs[:, 0], metrics):
        values = per_seed[metric].dropna()
        ax.boxplot(values.to_numpy(), orientation='horizontal', widths=0.6, showfliers=False, medianprops={'color': theme.foreground, 'linewidth': 1.5})
        y = 1 + rng.uniform(-0.18, 0.18, len(values))
        ax.scatter(values, y, s=9, color=theme.val('#0006', dark='#fff8'), linewidths=0, zorder=3, label='seed')
        if published and metric in published:
            ax.axvline(published[metric], color=palette[0], linestyle=(0, (4, 2)), linewidth=1.2, zorder=4, label='published')
        for i, (label, seed) in enumerate((highlight or {}).items()):
            ax.scatter([per_seed.loc[seed, metric]], [1], s=36, marker=MARKERS[i % len(MARKERS)], color=palette[HIGHLIGHT_ACCENTS[i % len(HIGHLIGHT_ACCENTS)]], edgecolors=theme.foreground, linewidths=0.6, zorder=5, label=f'{label} (seed {seed})')
        ax.set_yticks([1], [(labels or {}).get(metric, metric)])
        ax.set_ylim(0.5, 1.5)
        ax.tick_params(axis='y', length=0)
    legend = {}
    for ax in axs[:, 0]:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            legend.setdefault(label, handle)
    fig.legend(list(legend.values()), list(legend), loc='outside lower center', ncols=min(4, len(legend)))
    return fig

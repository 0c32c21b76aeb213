"""How far each seed's number moved when re-run in another floating-point environment.

One row of dots per environment, one dot per seed, on a log axis: a seed whose number did not
move at all (the same float) has no place on a log axis, so the row's label counts them.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from excolor.present.figures.theme import PAGE_WIDTH, Theme, accents


def plot_drift(moves: pd.DataFrame, *, theme: Theme, label: str, threshold: float | None = None) -> Figure:
    """`moves`: seeds × environments of |other − pinned| (`excolor.runs.drift.per_seed_moves`); `label` names the metric."""
    palette = accents()
    envs = list(moves.columns)
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 0.75 + 0.55 * len(envs)))
    positive = moves.to_numpy()[moves.to_numpy() > 0]
    floor = 10 ** np.floor(np.log10(positive.min())) if positive.size else 1e-8
    rng = np.random.default_rng(0)  # a fixed vertical jitter: the figure is the same on every build
    for i, env in enumerate(envs):
        values = moves[env].dropna()
        moved = values[values > 0]
        ax.scatter(moved, i + rng.uniform(-0.12, 0.12, len(moved)), s=18, color=palette[i % len(palette)], alpha=0.85, linewidths=0)
    if threshold is not None:
        ax.axvline(threshold, color=theme.foreground, linewidth=0.8, linestyle='--')
        ax.text(threshold, len(envs) - 0.45, f' {threshold:g}', va='bottom', fontsize='small', color=theme.foreground)
    ax.set_xscale('log')
    ax.set_xlim(left=floor)
    ax.set_yticks(range(len(envs)), [f'{env}\n({int((moves[env] == 0).sum())} of {int(moves[env].notna().sum())} unmoved)' for env in envs])
    ax.set_ylim(-0.6, len(envs) - 0.4)
    ax.set_xlabel(f'|{label} in that environment − {label} pinned|, per seed')
    return fig

"""Training curves: the loss and each of its terms over steps, on a log scale.

Terms span several orders of magnitude (reconstruction error falls to ~1e-5 while weights
stay near 1e-2), so the y axis is logarithmic; values ≤ 0 (a term with no samples in a batch)
are left out rather than clipped. Per-batch values are noisy, so each term is drawn faintly
as logged with its running median on top. Validation values are dots in the colour of the
matching training term.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from excolor.present.figures.theme import PAGE_WIDTH, Theme, accents

TRAIN, VAL = 'train_', 'val_'
SMOOTHING = 25  # running-median window: 1/SMOOTHING of the logged rows


def term_colors(terms: list[str], theme: Theme) -> dict[str, str]:
    """`loss` in the text colour, every other term an accent, in log order."""
    palette = accents()
    others = [t for t in terms if t != 'loss']
    return {'loss': theme.foreground} | {t: palette[i % len(palette)] for i, t in enumerate(others)}


def positive(s: pd.Series) -> np.ndarray:
    v = s.to_numpy(dtype=float)
    return np.where(v > 0, v, np.nan)


def plot_training_curves(log: pd.DataFrame, *, theme: Theme, title: str = '') -> Figure:
    """Lines for `train_<term>` columns, dots for `val_<term>` columns, against `step`."""
    train = [c[len(TRAIN) :] for c in log.columns if c.startswith(TRAIN)]
    val = [c[len(VAL) :] for c in log.columns if c.startswith(VAL)]
    colors = term_colors(list(dict.fromkeys(train + val)), theme)
    fig, ax = plt.subplots(figsize=(PAGE_WIDTH, 3.2))
    for term in train:
        rows = log[TRAIN + term].notna()
        steps, values = log.loc[rows, 'step'], positive(log.loc[rows, TRAIN + term])
        window = max(1, len(values) // SMOOTHING)
        median = pd.Series(values).rolling(window, center=True, min_periods=1).median()
        ax.plot(steps, values, color=colors[term], linewidth=0.6, alpha=0.35)
        ax.plot(steps, median, color=colors[term], linewidth=1.8 if term == 'loss' else 1.2, label=term)
    for term in val:
        rows = log[VAL + term].notna()
        ax.plot(log.loc[rows, 'step'], positive(log.loc[rows, VAL + term]), 'o', color=colors[term], markersize=3, markeredgewidth=0, label=f'{term} (validation)')
    ax.set_yscale('log')
    ax.set_xlabel('Step')
    ax.set_ylabel('Loss, unweighted terms')
    ax.margins(x=0.01)
    ax.legend(loc='upper left', bbox_to_anchor=(1.01, 1.0))
    if title:
        ax.set_title(title)
    return fig

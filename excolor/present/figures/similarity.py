"""Error against similarity to the anchor colour (semantics §6.5).

The paper's claim in one picture: the closer a colour is to the anchor (red), the larger its
reconstruction error after the intervention. x is the similarity raised to the power used
for the correlation, y the per-colour MSE; the dashed line is the least-squares fit that
the reported r and R² describe.

Dots grow more opaque towards the top right (upstream: alpha = 0.1 + 0.9·(x + y)/2); here x
and y are first scaled to their maxima, because errors of ~0.1 left upstream's dots pale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from excolor.data.color import ColorGrid, named_colors, similarity_to
from excolor.present.figures.theme import Theme

if TYPE_CHECKING:
    from excolor.measure.evaluation import Correlation


def anchor_name(anchor_hsv: Sequence[float]) -> str:
    """The named colour at the anchor ('red' for (0, 1, 1)), else 'anchor'."""
    for name, hsv, _ in named_colors():
        if np.allclose(hsv, anchor_hsv):
            return name
    return 'anchor'


def plot_error_vs_similarity(grid: ColorGrid, correlation: Correlation, anchor_hsv: Sequence[float], *, theme: Theme, var: str = 'MSE',
                             title: str = '') -> Figure:
    """Each colour of `grid` as a dot in its own colour; brighter (more opaque) towards the top right."""
    rgb = grid.flat('color')
    x = similarity_to(rgb, anchor_hsv) ** correlation.power
    y = grid.flat(var)
    alpha = 0.1 + 0.9 * (x / max(x.max(), 1e-12) + y / max(y.max(), 1e-12)) / 2
    fig, ax = plt.subplots(figsize=(4, 4))
    ax.scatter(x, y, s=2, c=np.column_stack([np.clip(rgb, 0, 1), alpha]), linewidths=0, rasterized=True)
    xs = np.array([x.min(), x.max()])
    ax.plot(
        xs,
        correlation.slope * xs + correlation.intercept,
        linestyle=(0, (4, 3)),
        color=theme.foreground,
        gapcolor=theme.val('#fff8', dark='#222a'),
        linewidth=1,
        label=f'$r = {correlation.r:+.2f}$, $R^2 = {correlation.r2:.3f}$',
    )
    name = anchor_name(anchor_hsv).replace(' ', r'\ ')  # mathtext drops plain spaces
    ax.set_xlabel(rf'$\mathrm{{sim}}_\mathrm{{{name}}}^{{{correlation.power:.2g}}}$')
    ax.set_ylabel(var)
    ax.legend(loc='upper left')
    if title:
        ax.set_title(title)
    return fig

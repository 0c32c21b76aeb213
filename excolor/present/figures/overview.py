"""The overview figure of the paper (semantics §6.4): one condition at a glance.

Top: two latent projections. Middle: the reconstructed colours at full saturation (value
rows ¼…1, hue columns; the all-black row is dropped). Bottom: the error over hue at full
saturation for five value levels, on the same hue axis as the colours above, with a y range
shared by every condition (`max_error`) so the figures can be compared side by side.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

from excolor.present.figures.axes import set_color_ticks
from excolor.present.figures.cones import Cone, Dims
from excolor.present.figures.error_lines import draw_lines, format_x, hsv_views
from excolor.present.figures.latents import dims_label, draw_latent_panel
from excolor.present.figures.slices import cell_edges, draw_slice, size_inner_squares
from excolor.present.figures.theme import Theme

if TYPE_CHECKING:  # evaluation imports torch; drawing does not need it
    from excolor.measure.evaluation import ConditionResult


def plot_overview(
    condition: ConditionResult,
    *,
    theme: Theme,
    latent_dims: Sequence[Dims],
    max_error: float | None,
    cones: Sequence[Cone] = (),
    title: str = '',
) -> Figure:
    """Two latent panels (each titled with the axes it shows), a colour slice and a loss chart for one condition (5 × 5.3 in)."""
    if len(latent_dims) != 2:
        raise ValueError(f'the overview figure has two latent panels, got {len(latent_dims)} dims')
    fig = plt.figure(figsize=(5, 5.3))
    gs = fig.add_gridspec(3, 2, height_ratios=(2.5, 1.8, 1.2))
    for col, dims in enumerate(latent_dims):
        ax = fig.add_subplot(gs[0, col])
        draw_latent_panel(ax, condition.latent_grid, dims, theme=theme, cones=cones, dot_radius=2.5, limit=1.08)
        ax.set_title(dims_label(dims), fontsize='small')

    ax_colors = fig.add_subplot(gs[1, :])
    ax_loss = fig.add_subplot(gs[2, :], sharex=ax_colors)

    sl = condition.slice_grid.permute('svh')
    v = sl.coords[1]
    rows = v > 0  # the value-0 row is black whatever the hue
    squares = draw_slice(ax_colors, sl['recon'][-1][rows], sl['color'][-1][rows], sl.coords[2], v[rows], square=False)
    set_color_ticks(ax_colors, 'y', 'v', v[rows])
    ax_colors.xaxis.set_visible(False)

    hue_view = hsv_views(condition.loss_grid, 'MSE')[0]
    draw_lines(ax_loss, hue_view, theme)
    format_x(ax_loss, hue_view)
    edges = cell_edges(sl.coords[2])
    ax_loss.set_xlim(edges[0], edges[-1])  # the hue range of the colours above; the curves run under the edge pixels
    top = max_error if max_error is not None else float(np.nanmax(hue_view.y)) * 1.05
    ax_loss.set_ylim(0, top)
    ax_loss.set_ylabel('MSE')
    if title:
        fig.suptitle(title)
    size_inner_squares(fig, [squares])
    return fig

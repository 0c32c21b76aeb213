"""Latent projections (semantics §6.3): where each colour lands on the latent hypersphere.

Each panel looks straight down one latent axis (orthographic): columns `i, j` of the
latents are x and y, and column `k` only decides which points are drawn on top. Each point
is a ring in the reconstructed colour round a dot of the true colour, on a disc that marks
the unit circle. Cones (see `excolor.present.figures.cones`) mark where an intervention acts.

Upstream drew these with 3-D axes and an overhead orthographic camera; a 2-D scatter sorted
by depth draws the same picture, faster and without 3-D axes margins.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Ellipse

from excolor.data.color import ColorGrid
from excolor.present.figures.cones import Cone, Dims, draw_cones
from excolor.present.figures.theme import PAGE_WIDTH, Theme

MAX_COLUMNS = 3
PANEL_INCHES = PAGE_WIDTH / MAX_COLUMNS
DOT_RADIUS = 2.6  # points


def dims_label(dims: Dims) -> str:
    """What a panel shows, in words: `z₁ across, z₀ up` (a pruned dimension is zero everywhere)."""
    def name(d: int | None) -> str:
        return 'pruned (0)' if d is None else f'$z_{{{d}}}$'

    return f'{name(dims[0])} across, {name(dims[1])} up'


def latent_columns(latents: np.ndarray, dims: Dims) -> np.ndarray:
    """`[N, 3]` of the chosen latent columns; a None dimension (e.g. a pruned one) is all zeros."""
    lat = np.asarray(latents).reshape(-1, np.shape(latents)[-1])
    for d in dims:
        if d is not None and not 0 <= d < lat.shape[1]:
            raise IndexError(f'latent dimension {d} out of range for {lat.shape[1]} dimensions')
    return np.column_stack([np.zeros(len(lat)) if d is None else lat[:, d] for d in dims])


def draw_latent_panel(
    ax: Axes,
    grid: ColorGrid,
    dims: Dims,
    *,
    theme: Theme,
    cones: Sequence[Cone] = (),
    colors: str = 'recon',
    compare: str | None = 'color',
    dot_radius: float = DOT_RADIUS,
    limit: float = 1.0,
) -> None:
    """One projection into `ax`: disc, points (far to near), unit-circle outline, cones.

    The view spans ±`limit`, or more if points lie outside it.
    """
    xyz = latent_columns(grid['latents'], dims)
    ring = np.clip(grid.flat(colors), 0, 1)
    fill = np.clip(grid.flat(compare), 0, 1) if compare else ring
    order = np.argsort(xyz[:, 2], kind='stable')  # larger depth is nearer the viewer: drawn last

    width = height = 2.0  # the unit circle, for scale, even where a pruned axis flattens the points onto a line
    disc_color = theme.val('#eee', dark='#111')
    ax.add_patch(Ellipse((0, 0), width, height, facecolor=disc_color, edgecolor=disc_color, linewidth=1, zorder=0))
    lw = 0.4 * dot_radius
    ax.scatter(
        xyz[order, 0],
        xyz[order, 1],
        s=math.pi * (dot_radius - lw) ** 2,
        c=fill[order],
        edgecolors=ring[order],
        linewidths=lw,
        clip_on=False,
        rasterized=True,  # thousands of markers: a bitmap inside the PDF keeps it small
        zorder=2,
    )
    ax.add_patch(Ellipse((0, 0), width, height, facecolor='none', edgecolor=theme.val('#0005', dark='#fff5'), linewidth=1, zorder=3))
    draw_cones(ax, cones, dims, theme)
    reach = float(np.abs(xyz[:, :2]).max(initial=0.0)) * 1.08  # unnormalised latents (ex-2.2) leave the disc
    ax.set_xlim(-max(limit, reach), max(limit, reach))
    ax.set_ylim(-max(limit, reach), max(limit, reach))
    ax.set_aspect('equal')
    ax.set_axis_off()


def plot_latent_projections(
    grid: ColorGrid,
    dims: Sequence[Dims],
    title: str,
    *,
    theme: Theme,
    cones: Sequence[Cone] = (),
    colors: str = 'recon',
    compare: str | None = 'color',
    dot_radius: float = DOT_RADIUS,
) -> Figure:
    """One panel per `(x, y, depth)` triple of latent dimensions, up to three per row."""
    n_cols = min(MAX_COLUMNS, len(dims))
    n_rows = math.ceil(len(dims) / n_cols)
    fig, axs = plt.subplots(n_rows, n_cols, figsize=(PANEL_INCHES * n_cols, PANEL_INCHES * n_rows + 0.3), squeeze=False)
    for ax in axs.ravel()[len(dims) :]:
        ax.set_visible(False)
    for ax, d in zip(axs.ravel(), dims):
        draw_latent_panel(ax, grid, d, theme=theme, cones=cones, colors=colors, compare=compare, dot_radius=dot_radius, limit=1.06)
        ax.set_title(dims_label(d))
    if title:
        fig.suptitle(title)
    return fig

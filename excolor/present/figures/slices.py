"""Colour-patch slices (semantics §6.1): a grid drawn as images, one panel per slice.

With the slice grid in 'svh' order there is one panel per saturation, value rows (origin at
the bottom) and hue columns. Each cell is a patch of the reconstructed colour with a small
square of the true colour at its centre, so a wrong reconstruction shows as a patch whose
centre does not match its surround.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.figure import Figure

from excolor.data.color import ColorGrid
from excolor.present.figures.axes import axis_label, pretty_value, set_color_ticks
from excolor.present.figures.theme import PAGE_WIDTH, Theme

PATCH_INCHES = 0.25  # side of one cell, at most (less when the panels would not fit the page width)
TICK_INCHES = 0.45  # beside each panel: the value axis's tick labels and label
MAX_CELLS_PER_ROW = 70  # wrap panels onto more rows beyond this many cells
INNER = 0.3  # side of the true-colour square, as a fraction of the cell


def cell_edges(coords: np.ndarray) -> np.ndarray:
    """Edges half-way between coordinates, so that pixel centres sit on the coordinates."""
    c = np.asarray(coords, dtype=float)
    if len(c) == 1:
        return np.array([c[0] - 0.5, c[0] + 0.5])
    mid = (c[:-1] + c[1:]) / 2
    return np.concatenate([[c[0] - (c[1] - c[0]) / 2], mid, [c[-1] + (c[-1] - c[-2]) / 2]])


@dataclass(frozen=True)
class InnerSquares:
    """True-colour squares of one slice; their size is only known once the layout is."""

    ax: Axes
    dots: PathCollection
    nx: int
    ny: int


def draw_slice(ax: Axes, colors: np.ndarray, compare: np.ndarray | None, x: np.ndarray, y: np.ndarray, *, square: bool = True) -> InnerSquares | None:
    """One `[ny, nx, 3]` slice as an image, with `compare` as inner squares.

    With `square`, the image keeps square pixels; otherwise it fills the axes (the overview
    figure shares its x axis with a line chart). Pass the result to `size_inner_squares`.
    """
    xe, ye = cell_edges(x), cell_edges(y)
    aspect = ((xe[-1] - xe[0]) * len(y)) / ((ye[-1] - ye[0]) * len(x)) if square else 'auto'
    ax.imshow(np.clip(colors, 0, 1), origin='lower', extent=(xe[0], xe[-1], ye[0], ye[-1]), aspect=aspect, interpolation='nearest')
    for spine in ax.spines.values():
        spine.set_visible(False)
    if compare is None:
        return None
    gx, gy = np.meshgrid(x, y)
    dots = ax.scatter(gx.ravel(), gy.ravel(), c=np.clip(compare, 0, 1).reshape(-1, 3), marker='s', linewidths=0, s=1)
    return InnerSquares(ax, dots, len(x), len(y))


def size_inner_squares(fig: Figure, squares: list[InnerSquares | None]) -> None:
    """Make each square `INNER` × its cell (markers are sized in points, so they stay square)."""
    fig.draw_without_rendering()
    for sq in filter(None, squares):
        bbox = sq.ax.get_window_extent()
        cell_pt = min(bbox.width / sq.nx, bbox.height / sq.ny) * 72 / fig.dpi
        sq.dots.set_sizes([(INNER * cell_pt) ** 2])


def panel_grid(n_panels: int, nx: int) -> tuple[int, int]:
    """Rows and columns of panels: as many per row as fit in `MAX_CELLS_PER_ROW` cells."""
    n_rows = math.ceil((nx * n_panels + n_panels - 1) / MAX_CELLS_PER_ROW)
    return n_rows, math.ceil(n_panels / n_rows)


def plot_color_slices(grid: ColorGrid, title: str, *, theme: Theme, colors: str = 'recon', compare: str | None = 'color', order: str | None = 'svh') -> Figure:
    """One panel per slice of the grid's first axis; `order` re-orders an HSV grid first (None: as given)."""
    if order and sorted(order) == sorted(grid.axes):
        grid = grid.permute(order)
    main, ya, xa = grid.axes
    mc, yc, xc = grid.coords
    n_rows, n_cols = panel_grid(len(mc), len(xc))
    patch = min(PATCH_INCHES, (PAGE_WIDTH - TICK_INCHES * n_cols) / (n_cols * len(xc)))
    size = (n_cols * (patch * len(xc) + TICK_INCHES), n_rows * (patch * len(yc) + 1.0))
    fig, axs = plt.subplots(n_rows, n_cols, figsize=size, squeeze=False)
    squares = []
    for i, ax in enumerate(axs.ravel()):
        if i >= len(mc):
            ax.set_visible(False)
            continue
        squares.append(draw_slice(ax, grid[colors][i], grid[compare][i] if compare else None, xc, yc))
        ax.set_title(f'{axis_label(main)} = {pretty_value(mc[i])}')
        set_color_ticks(ax, 'x', xa, xc)
        set_color_ticks(ax, 'y', ya, yc)
    fig.suptitle(f'{title} · {ya.upper()} vs {xa.upper()} by {main.upper()}' if title else f'{ya.upper()} vs {xa.upper()} by {main.upper()}')
    size_inner_squares(fig, squares)
    return fig

"""Error along colour axes (semantics §6.2): per-colour MSE as lines drawn in the colours they measure.

Given the HD loss grid, three views side by side share the y axis: hue on x (full saturation,
five value levels), saturation on x and value on x (full saturation/value, three or six
hues). Each segment of a line takes the true colour at its left end, so a peak is labelled by
its own colour. The y axis starts at 0 (upstream: at the smallest error), so heights compare.

Fix over upstream: the hues of the saturation and value views are the grid hues *closest* to
the named primaries (or primaries and secondaries), not every ⌈n/3⌉-th hue; on a hue axis
that starts below 0 (2.9.1) the upstream stride lands on ≈330°, 110° and 251°.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure

from excolor.data.color import ColorGrid
from excolor.present.figures.axes import HUES_3, HUES_6, axis_label, hue_ticks_for_range, pretty_value
from excolor.present.figures.theme import PAGE_WIDTH, Theme

LINE_WIDTH = 1.4


@dataclass(frozen=True)
class Lines:
    """Lines over one colour axis: `y[i, line]` drawn in `colors[i, line]` from `x[i]` to `x[i+1]`."""

    axis: str  # the colour axis on x, one of 'hsvrgb'
    x: np.ndarray  # [n]
    y: np.ndarray  # [n, lines]
    colors: np.ndarray  # [n, lines, 3]


def grid_lines(grid: ColorGrid, var: str = 'MSE') -> Lines:
    """Every (second, third) axis pair of a grid as a line over its first axis."""
    n = grid.shape[0]
    return Lines(grid.axes[0], grid.coords[0], np.asarray(grid[var]).reshape(n, -1), grid['color'].reshape(n, -1, 3))


def nearest_hues(coords: np.ndarray, hues: Sequence[float]) -> list[int]:
    """Index of the grid hue closest (round the circle) to each requested hue."""
    d = np.abs((np.asarray(coords)[:, None] - np.asarray(hues)[None, :] + 0.5) % 1.0 - 0.5)
    return [int(i) for i in d.argmin(axis=0)]


def hsv_views(grid: ColorGrid, var: str = 'MSE', hues: int = 3) -> list[Lines]:
    """The three seed views of an HSV loss grid: hue, saturation and value on x."""
    if hues not in (3, 6):
        raise ValueError(f'hues must be 3 or 6, not {hues}')
    g = grid.permute('hsv')
    h, s, v = g.coords
    y, c = np.asarray(g[var]), g['color']
    n_v = len(v)
    v_idx = list(range(n_v - 1, -1, -max(1, -(n_v // -5))))[:5]  # five levels from the top
    h_idx = nearest_hues(h, list((HUES_3 if hues == 3 else HUES_6).values()))
    return [
        Lines('h', h, y[:, -1, v_idx], c[:, -1, v_idx]),
        Lines('s', s, y[h_idx, :, -1].T, c[h_idx, :, -1].transpose(1, 0, 2)),
        Lines('v', v, y[h_idx, -1, :].T, c[h_idx, -1, :].transpose(1, 0, 2)),
    ]


def draw_lines(ax: Axes, lines: Lines, theme: Theme, *, linewidth: float = LINE_WIDTH) -> None:
    """Coloured segments over a faint halo (so black lines show on dark and white on light).

    Segments touching a NaN are dropped.
    """
    x = np.asarray(lines.x, dtype=float)
    halo = theme.val('#0002', dark='#fff7')  # in dark mode the darkest colours' lines need a brighter rim to be seen
    for j in range(lines.y.shape[1]):
        ax.plot(x, lines.y[:, j], color=halo, linewidth=linewidth + theme.val(1.2, dark=1.8), solid_capstyle='round', zorder=1)
    for j in range(lines.y.shape[1]):
        y = lines.y[:, j]
        p0, p1 = np.column_stack([x[:-1], y[:-1]]), np.column_stack([x[1:], y[1:]])
        ok = np.isfinite(p0).all(axis=1) & np.isfinite(p1).all(axis=1)
        if not ok.any():
            continue
        segs = np.stack([p0[ok], p1[ok]], axis=1)
        colors = np.clip(lines.colors[:-1, j][ok], 0, 1)
        ax.add_collection(LineCollection(segs, colors=colors, linewidths=linewidth, capstyle='round', zorder=2), autolim=False)
    ax.set_xlim(*x_range(lines))


def on_unit_axis(lines: Lines) -> bool:
    """Saturation, value and RGB axes inside [0, 1] are shown over all of [0, 1]."""
    return lines.axis != 'h' and lines.x.min() >= -1e-9 and lines.x.max() <= 1 + 1e-9


def x_range(lines: Lines) -> tuple[float, float]:
    return (0.0, 1.0) if on_unit_axis(lines) else (float(lines.x.min()), float(lines.x.max()))


def format_x(ax: Axes, lines: Lines) -> None:
    if lines.axis == 'h':
        ax.set_xticks(*hue_ticks_for_range(lines.x))
    elif on_unit_axis(lines):
        ax.set_xticks([0, 0.5, 1], ['0', '½', '1'])
    else:
        idx = sorted({0, len(lines.x) // 2, len(lines.x) - 1})
        ax.set_xticks([lines.x[i] for i in idx], [pretty_value(lines.x[i]) for i in idx])
    ax.set_xlabel(axis_label(lines.axis))


def y_range(views: Sequence[Lines]) -> tuple[float, float]:
    """From 0 (or the smallest value, if negative) to the largest plus 5 % of the range."""
    lo = min(0.0, *(float(np.nanmin(v.y)) for v in views))
    hi = max(float(np.nanmax(v.y)) for v in views)
    return lo, hi + 0.05 * ((hi - lo) or 1.0)


def plot_error_lines(
    grids: ColorGrid | Sequence[ColorGrid], title: str, *, theme: Theme, ylim: tuple[float, float] | None = None, hues: int = 3, var: str = 'MSE'
) -> Figure:
    """A single HSV loss grid → the three seed views; a list of grids → one panel per grid as given."""
    views = hsv_views(grids, var, hues) if isinstance(grids, ColorGrid) else [grid_lines(g, var) for g in grids]
    # Widths follow the number of points, but no panel is more than twice as wide as the narrowest,
    # so the saturation and value panels stay readable beside the 240-hue one at 6.3 in.
    narrowest = min(len(v.x) for v in views)
    fig, axs = plt.subplots(1, len(views), figsize=(PAGE_WIDTH, 2.5), width_ratios=[min(len(v.x), 2 * narrowest) for v in views], sharey=True, squeeze=False)
    for ax, lines in zip(axs[0], views):
        draw_lines(ax, lines, theme)
        format_x(ax, lines)
    axs[0, 0].set_ylim(*(ylim or y_range(views)))
    axs[0, 0].set_ylabel(var if var[:1].isupper() else var.capitalize())
    fig.suptitle(title)
    return fig

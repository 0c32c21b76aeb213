"""Colour grids, colour-space conversion, named colours and similarity to an anchor colour.

A `ColorGrid` is a 3-D grid of colours (HSV or RGB axes) with named per-cell arrays
(`color` = RGB in [0, 1], `bias` = sampling weight, and whatever evaluation adds:
`recon`, `MSE`, `latents`). Everything the model sees is produced here once, as arrays.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field
from typing import Mapping, Sequence

import numpy as np
from matplotlib.colors import hsv_to_rgb, rgb_to_hsv

AXIS_NAMES = {'h': 'Hue', 's': 'Saturation', 'v': 'Value', 'r': 'Red', 'g': 'Green', 'b': 'Blue'}


def arange_cyclic(step: float, lower: float = 0.0, period: float = 1.0) -> np.ndarray:
    """Points `lower, lower + step, …` over one period, the endpoint excluded (36 hues for 10°)."""
    lower %= period
    return np.arange(lower, lower + period, step) % period


def coordinate_grid(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
    """`[len a, len b, len c, 3]` grid with ij indexing: the first axis varies slowest."""
    return np.stack(np.meshgrid(a, b, c, indexing='ij'), axis=-1)


def hsv_bias(s: np.ndarray, v: np.ndarray, n_h: int, n_s: int) -> np.ndarray:
    """Sampling weight that favours vibrant colours: vibrant 1, white 1/n_h, black 1/(n_s·n_h).

    Bilinear in (s, v), written term for term as upstream wrote it: the weighted sampler's draws
    depend on every bit of these weights.
    """
    w_black, w_white, w_vibrant = 1.0 / (n_s * n_h), 1.0 / n_h, 1.0
    return w_black * (1 - v) + w_white * (1 - s) * v + w_vibrant * s * v


@dataclass(frozen=True)
class ColorGrid:
    """A 3-D grid of colours with named axes and per-cell variables."""

    axes: str  # current axis order, e.g. 'hsv', 'svh' or 'rgb'
    coords: tuple[np.ndarray, np.ndarray, np.ndarray]
    vars: Mapping[str, np.ndarray] = field(repr=False)

    @classmethod
    def from_hsv(cls, h: Sequence[float], s: Sequence[float], v: Sequence[float]) -> ColorGrid:
        h, s, v = (np.asarray(x, dtype=np.float64) for x in (h, s, v))
        grid = coordinate_grid(h % 1.0, np.clip(s, 0, 1), np.clip(v, 0, 1))
        bias = hsv_bias(grid[..., 1], grid[..., 2], n_h=len(h), n_s=len(s))
        return cls('hsv', (h, s, v), {'color': hsv_to_rgb(grid), 'bias': bias})

    @classmethod
    def from_rgb(cls, r: Sequence[float], g: Sequence[float], b: Sequence[float]) -> ColorGrid:
        r, g, b = (np.asarray(x, dtype=np.float64) for x in (r, g, b))
        grid = coordinate_grid(r, g, b)
        return cls('rgb', (r, g, b), {'color': grid, 'bias': np.ones(grid.shape[:3])})

    @property
    def shape(self) -> tuple[int, int, int]:
        return self['color'].shape[:3]

    @property
    def size(self) -> int:
        return int(np.prod(self.shape))

    def __getitem__(self, name: str) -> np.ndarray:
        return self.vars[name]

    def __contains__(self, name: str) -> bool:
        return name in self.vars

    def flat(self, name: str = 'color') -> np.ndarray:
        """A variable as rows: `[N, C]` for vector variables, `[N]` for scalars."""
        arr = self[name]
        return arr.reshape(self.size, *arr.shape[3:])

    def assign(self, **arrays: np.ndarray) -> ColorGrid:
        """A grid with extra variables; flat `[N, …]` arrays are reshaped to the grid."""
        shaped = {}
        for name, arr in arrays.items():
            arr = np.asarray(arr)
            is_flat = arr.ndim > 0 and arr.shape[0] == self.size and arr.shape[:3] != self.shape
            shaped[name] = arr.reshape(*self.shape, *arr.shape[1:]) if is_flat else arr
        return ColorGrid(self.axes, self.coords, {**self.vars, **shaped})

    def permute(self, order: str) -> ColorGrid:
        """Re-order the axes, e.g. `'svh'`: one panel per saturation, value rows, hue columns."""
        if sorted(order) != sorted(self.axes):
            raise ValueError(f'cannot permute axes {self.axes!r} to {order!r}')
        perm = [self.axes.index(a) for a in order]
        new_vars = {k: np.transpose(a, perm + list(range(3, a.ndim))) for k, a in self.vars.items()}
        return ColorGrid(order, tuple(self.coords[i] for i in perm), new_vars)

    def sub(self, i: slice | int, j: slice | int, k: slice | int) -> ColorGrid:
        """A sub-grid; integer indices keep their axis (length 1)."""
        idx = tuple(slice(x, x + 1) if isinstance(x, (int, np.integer)) else x for x in (i, j, k))
        return ColorGrid(self.axes, tuple(c[s] for c, s in zip(self.coords, idx)), {k_: a[idx] for k_, a in self.vars.items()})


HUE_NAMES = ('red', 'orange', 'yellow', 'lime', 'green', 'teal', 'cyan', 'azure', 'blue', 'purple', 'magenta', 'pink')
GRAY_NAMES = ('black', 'dark gray', 'gray', 'light gray', 'white')


def named_colors() -> list[tuple[str, tuple[float, float, float], tuple[float, float, float]]]:
    """The 17 named colours of the tables: 12 vivid hues every 30° from red, then 5 greys."""
    rows = []
    for i, name in enumerate(HUE_NAMES):
        hsv = (i / 12, 1.0, 1.0)
        rows.append((name, hsv, colorsys.hsv_to_rgb(*hsv)))
    for i, name in enumerate(GRAY_NAMES):
        hsv = (0.0, 0.0, i / 4)
        rows.append((name, hsv, colorsys.hsv_to_rgb(*hsv)))
    return rows


def hsv_similarity(hsv: np.ndarray, anchor_hsv: Sequence[float], *, hemi: bool = True, angular: bool = True, weight_vibrancy: bool = True) -> np.ndarray:
    """Similarity in [0, 1] of HSV colours to an anchor colour (hue weighted by vibrancy).

    With the seeds' settings (hemi, angular, vibrancy-weighted) hue similarity falls linearly to 0
    at 90° of hue; greys are judged by saturation and value alone.
    """
    hsv = np.asarray(hsv, dtype=np.float64)
    h1, s1, v1 = hsv[..., 0], hsv[..., 1], hsv[..., 2]
    h2, s2, v2 = (float(x) for x in anchor_hsv)
    dh = np.abs(h1 - h2) % 1.0
    delta = 360.0 * np.minimum(dh, 1.0 - dh)
    if angular:
        hue_sim = np.maximum(0.0, (90.0 - delta) / 90.0) if hemi else (180.0 - delta) / 180.0
    else:
        cos = np.cos(np.radians(delta))
        hue_sim = np.maximum(0.0, cos) if hemi else (1.0 + cos) / 2.0
    r = (s1 * v1 + s2 * v2) / 2.0 if weight_vibrancy else 1.0
    effective = r * hue_sim + (1.0 - r)
    return effective * (1.0 - np.abs(s1 - s2)) * (1.0 - np.abs(v1 - v2))


def similarity_to(rgb: np.ndarray, anchor_hsv: Sequence[float]) -> np.ndarray:
    """`hsv_similarity` of RGB colours (converted to HSV: greys get hue 0, saturation 0)."""
    return hsv_similarity(rgb_to_hsv(np.clip(rgb, 0, 1)), anchor_hsv)

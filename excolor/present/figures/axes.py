"""Labels and ticks for colour axes: hue ticks named after colours, other axes as fractions.

Shared by the slice, error-line and overview figures so that the same grid is labelled the
same way everywhere.
"""

from __future__ import annotations

import re
from fractions import Fraction

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import ScalarFormatter

from excolor.data.color import AXIS_NAMES, HUE_NAMES
from excolor.present.numbers import power_of_ten

HUES_3 = {'Red': 0.0, 'Green': 1 / 3, 'Blue': 2 / 3}
HUES_6 = {name.capitalize(): i / 6 for i, name in enumerate(('red', 'yellow', 'green', 'cyan', 'blue', 'magenta'))}
HUES_12 = {name.capitalize(): i / 12 for i, name in enumerate(HUE_NAMES)}


def axis_label(axis: str) -> str:
    return AXIS_NAMES[axis]


def pretty_value(v: float) -> str:
    """`1/3` for thirds and other small fractions, else two significant digits."""
    frac = Fraction(float(v)).limit_denominator(24)
    if abs(float(frac) - v) > 1e-9:
        return f'{v:.2g}'
    return str(frac.numerator) if frac.denominator == 1 else f'{frac.numerator}/{frac.denominator}'


def hue_ticks_on_grid(coords: np.ndarray) -> tuple[list[float], list[str]]:
    """Named hues that fall on grid points: primaries if at least two match, else 6, else 12 names."""
    for hues in (HUES_3, HUES_6, HUES_12):
        locs, labels = [], []
        for c in coords:
            for name, h in hues.items():
                if np.isclose(c, h) or np.isclose(c, h + 1):  # coordinates may run past 1 (wrapped hues)
                    locs.append(float(c))
                    labels.append(name)
        if len(locs) >= 2:
            return locs, labels
    return [float(coords[0]), float(coords[-1])], [pretty_value(coords[0]), pretty_value(coords[-1])]


def hue_ticks_for_range(coords: np.ndarray) -> tuple[list[float], list[str]]:
    """Named hues for a continuous hue axis: the narrower the range, the more names."""
    lo, hi = float(np.nanmin(coords)), float(np.nanmax(coords))
    width = hi - lo
    hues = HUES_12 if width <= 1 / 2 else HUES_6 if width <= 2 / 3 else HUES_3
    locs, labels = [], []
    for name, h in hues.items():
        for loc in (h - 1, h, h + 1):
            if lo - 1e-9 <= loc <= hi + 1e-9:
                locs.append(loc)
                labels.append(name)
    return locs, labels


def set_color_ticks(ax: Axes, which: str, axis: str, coords: np.ndarray, *, continuous: bool = False) -> None:
    """Ticks and label for one colour axis (`which` is 'x' or 'y'; `axis` one of 'hsvrgb')."""
    if axis == 'h':
        locs, labels = (hue_ticks_for_range if continuous else hue_ticks_on_grid)(coords)
    else:
        locs = [float(coords[0]), float(coords[-1])]
        labels = [pretty_value(coords[0]), pretty_value(coords[-1])]
    setter = ax.set_xticks if which == 'x' else ax.set_yticks
    setter(locs, labels)
    (ax.set_xlabel if which == 'x' else ax.set_ylabel)(axis_label(axis))


_E_OFFSET = re.compile(r'1e([\u2212-]?\d+)')


class PowerOffsetFormatter(ScalarFormatter):
    """Matplotlib's default axis numbers, but the shared factor reads ×10⁻⁴ as in the text, not 1e−4.

    Plain text, not mathtext (`axes.formatter.use_mathtext` typesets every tick label and triples
    the drawing time)."""

    def get_offset(self) -> str:
        return _E_OFFSET.sub(lambda m: '×' + power_of_ten(int(m[1].replace('\u2212', '-'))), super().get_offset())


def readable_offsets(fig: Figure) -> None:
    """Give every default-formatted axis of `fig` the ×10⁻ⁿ offset (its other settings kept)."""
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            formatter = axis.get_major_formatter()
            if type(formatter) is ScalarFormatter:
                formatter.__class__ = PowerOffsetFormatter  # same state, one method more

"""Light and dark themes: which style files a figure is drawn under, and per-theme values.

Every figure is drawn twice, once per theme, so the book can show the variant that matches
the reader's colour scheme. Draw functions receive the `Theme` they are drawn under and pick
the few values the style files cannot express (e.g. the colour of a cone outline) with
`theme.val(...)`. Everything else (text, backgrounds, the accent cycle) comes from
`excolor/present/figures/styles/{base,light,dark}.mplstyle`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, TypeVar

import matplotlib as mpl
import matplotlib.pyplot as plt

STYLES = Path(__file__).resolve().parent / 'styles'
# Inches: the site's text column and an A4 text block. A figure is drawn at the width it is shown
# at, so its text keeps the point sizes of the style files (never below ~85 % of the body text).
PAGE_WIDTH = 6.3

T = TypeVar('T')


@dataclass(frozen=True)
class Theme:
    """The theme a figure is being drawn under."""

    name: Literal['light', 'dark']

    def val(self, default: T, *, light: T | None = None, dark: T | None = None) -> T:
        """The value given for this theme, else `default`."""
        chosen = light if self.name == 'light' else dark
        return default if chosen is None else chosen

    @property
    def style_files(self) -> tuple[Path, Path]:
        return STYLES / 'base.mplstyle', STYLES / f'{self.name}.mplstyle'

    @property
    def foreground(self) -> str:
        """Colour for neutral marks (reference lines, outlines) that must read like text."""
        return self.val('#000', dark='#fff')


LIGHT = Theme('light')
DARK = Theme('dark')
THEMES = (LIGHT, DARK)


@contextmanager
def use_theme(theme: Theme) -> Iterator[Theme]:
    """Draw (and save) under the theme's style files; rcParams are restored afterwards."""
    with mpl.rc_context():
        mpl.rcdefaults()  # a notebook's own rcParams must not leak into saved figures
        for path in theme.style_files:
            plt.style.use(path)
        yield theme


def accents() -> list[str]:
    """The current colour-blind-safe accent cycle (Okabe–Ito, from base.mplstyle)."""
    return list(plt.rcParams['axes.prop_cycle'].by_key()['color'])

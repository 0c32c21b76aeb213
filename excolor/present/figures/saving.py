"""Saving a figure in both themes, and showing the saved files in a notebook.

`save_figure(draw, stem, alt)` calls `draw(theme)` once per theme and writes

    <stem>.png       light theme, for the web page and the notebook's image/png output
    <stem>.dark.png  dark theme
    <stem>.pdf       light theme as vectors, for the LaTeX/PDF book

A stem is used verbatim (`ex-2.9.1-results` keeps its dots); only a trailing `.png` or
`.pdf` is dropped. Files are written atomically, so a crashed run never leaves half a PNG.
The returned `FigureFiles` displays itself in Jupyter as two `<img>` tags that the book
theme (pydata: classes `only-light`/`only-dark`) shows one at a time, plus an `image/png`
fallback for outputs that cannot take HTML (myst-nb's LaTeX builder picks it). Both embed the
images, so an executed notebook renders anywhere without the files; no local paths leak into
its outputs.
"""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from PIL import Image

from excolor.present.figures.axes import readable_offsets
from excolor.present.figures.theme import DARK, LIGHT, Theme, use_theme
from excolor.files import atomic_write_bytes

LAYOUT_DPI = 150  # the size a figure is laid out at: its PNG is shown PNG_DPI / LAYOUT_DPI times smaller than its pixels
PNG_DPI = 2 * LAYOUT_DPI  # sharp on high-DPI screens, and legible when a phone reader opens it full size
PDF_RASTER_DPI = 200  # for the few artists drawn rasterized (dense scatters) inside the PDF

# Outside the book theme (plain Jupyter) both images would show; these rules keep one.
# pydata-sphinx-theme sets html[data-theme]; JupyterLab sets body[data-jp-theme-light].
_CSS = (
    '<style>'
    '.excolor-figure img{max-width:100%;height:auto}'
    '.excolor-figure img.only-dark{display:none}'
    'html[data-theme=dark] .excolor-figure img.only-dark,'
    'body[data-jp-theme-light=false] .excolor-figure img.only-dark{display:inline}'
    'html[data-theme=dark] .excolor-figure img.only-light,'
    'body[data-jp-theme-light=false] .excolor-figure img.only-light{display:none}'
    '</style>'
)


@dataclass(frozen=True)
class FigureFiles:
    """The files of one saved figure, its alt text and its title (the suptitle, if any)."""

    light: Path
    dark: Path
    pdf: Path
    alt: str
    title: str = ''

    @cached_property
    def _light_b64(self) -> str:
        return base64.b64encode(self.light.read_bytes()).decode('ascii')

    def _img(self, cls: str, data: str) -> str:
        return f'<img class="{cls}" src="data:image/png;base64,{data}" alt="{html.escape(self.alt)}" title="{html.escape(self.title)}"/>'

    def _repr_html_(self) -> str:
        dark = base64.b64encode(self.dark.read_bytes()).decode('ascii')
        imgs = self._img('only-light', self._light_b64) + self._img('only-dark', dark)
        return f'{_CSS}<div class="excolor-figure">{imgs}</div>'

    def _repr_png_(self) -> bytes:
        return self.light.read_bytes()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> tuple[dict[str, str], dict[str, dict[str, str]]]:
        """HTML for the web (both themes) and the light PNG for everything else."""
        data = {'text/html': self._repr_html_(), 'image/png': self._light_b64, 'text/plain': repr(self)}
        return data, {'image/png': {'alt': self.alt}}


def figure_paths(stem: str | Path) -> tuple[Path, Path, Path]:
    """`<stem>.png`, `<stem>.dark.png`, `<stem>.pdf` (dots inside the stem are kept)."""
    stem = Path(stem)
    name = stem.name
    for ext in ('.png', '.pdf'):
        name = name.removesuffix(ext)
    return stem.with_name(f'{name}.png'), stem.with_name(f'{name}.dark.png'), stem.with_name(f'{name}.pdf')


def _title(fig: Figure) -> str:
    sup = fig._suptitle
    return sup.get_text() if sup is not None else ''


def _render(fig: Figure, fmt: str, dpi: int) -> bytes:
    buf = io.BytesIO()
    # No timestamps or version strings: the same figure gives the same bytes.
    metadata = {'CreationDate': None, 'Producer': None, 'Creator': None} if fmt == 'pdf' else {'Software': None}
    fig.savefig(buf, format=fmt, dpi=dpi, metadata=metadata)
    return _opaque_png(buf.getvalue()) if fmt == 'png' else buf.getvalue()


def _opaque_png(data: bytes) -> bytes:
    """Drop the alpha channel when every pixel is opaque (themes paint the background): ~10 % smaller."""
    image = Image.open(io.BytesIO(data))
    if image.mode != 'RGBA' or image.getchannel('A').getextrema() != (255, 255):
        return data
    buf = io.BytesIO()
    image.convert('RGB').save(buf, format='png')
    return buf.getvalue()


def save_figure(draw: Callable[[Theme], Figure], stem: str | Path, alt: str) -> FigureFiles:
    """Draw the figure once per theme and write its PNGs and PDF; `{title}` in `alt` becomes the suptitle."""
    if not alt.strip():
        raise ValueError(f'{stem}: a figure needs alt text')
    light_path, dark_path, pdf_path = figure_paths(stem)
    title = ''
    for theme, path in ((LIGHT, light_path), (DARK, dark_path)):
        with use_theme(theme):
            fig = draw(theme)
            readable_offsets(fig)
            try:
                atomic_write_bytes(path, _render(fig, 'png', PNG_DPI))
                if theme is LIGHT:
                    title = _title(fig)
                    atomic_write_bytes(pdf_path, _render(fig, 'pdf', PDF_RASTER_DPI))
            finally:
                plt.close(fig)
    alt = alt.replace('{title}', title).strip()
    return FigureFiles(light_path, dark_path, pdf_path, alt, title)

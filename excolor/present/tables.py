"""Tables: per-colour errors and seed-sweep summaries, as HTML (for the book) and LaTeX (for the PDF).

Both outputs of a table are made from the same DataFrame and the same number formatting, so
the web page and the paper never disagree in the last digit: numbers are rounded here (three
decimals; signed for changes) and siunitx only aligns them. LaTeX tables need the packages
and the `\\swatch{RRGGBB}` macro of `LATEX_PREAMBLE`.

Fixes over upstream (semantics §7, §9.10): `\\caption` comes before `\\label`, so references
point at the table; swatch hex digits are rounded (0.5 → 80), not truncated (→ 7F); a change
that rounds to zero is written `0.000`, without a sign that would only report float noise.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from pandas.api.types import is_numeric_dtype
from pandas.io.formats.style import Styler

from excolor.files import atomic_write_text
from excolor.present.numbers import as_text, cell_html, cell_siunitx, column
from excolor.measure.spread import summarize

LATEX_PREAMBLE = Path(__file__).resolve().parent / 'latex' / 'preamble.tex'

DELTA = '-delta'  # suffix of a column holding a change relative to the baseline

_LATEX_SPECIAL = {'&': r'\&', '%': r'\%', '$': r'\$', '#': r'\#', '_': r'\_', '{': r'\{', '}': r'\}', '~': r'\textasciitilde{}', '^': r'\textasciicircum{}', '\\': r'\textbackslash{}'}
_NUMBER_CSS = 'text-align: right; font-variant-numeric: tabular-nums'


# ── number formats (shared by HTML and LaTeX) ──────────────────────────────────────────


def latex_escape(text: str) -> str:
    return ''.join(_LATEX_SPECIAL.get(ch, ch) for ch in str(text))


def hex_rgb(rgb: tuple[float, float, float]) -> str:
    """`RRGGBB` (upper case, no `#`), each channel rounded to 0…255."""
    return to_hex(np.clip(rgb, 0, 1)).lstrip('#').upper()


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def _numbers_right(st: Styler, columns: list[str]) -> Styler:
    """Right-align numeric columns in equal-width digits (one CSS rule per column, not per cell)."""
    rules = {c: [{'selector': 'td', 'props': _NUMBER_CSS}, {'selector': 'th', 'props': 'text-align: right'}] for c in columns}
    st = st.set_table_styles([{'selector': 'td, th', 'props': 'padding: 0.15em 0.6em'}], overwrite=False)
    return st.set_table_styles(rules, overwrite=False)


# ── per-colour error table ─────────────────────────────────────────────────────────────


def named_color_table(named: pd.DataFrame) -> pd.DataFrame:
    """`Evaluation.named_table()` → `color`, `rgb`, `baseline` and one `<condition>-delta` per other condition.

    The baseline is the first condition column; `attrs['baseline']` keeps its name.
    """
    conditions = [c for c in named.columns if c not in ('name', 'rgb', 'hsv') and not c.endswith(DELTA)]
    if not conditions:
        raise ValueError('the named-colour table has no condition columns')
    base = conditions[0]
    out = pd.DataFrame({'color': named['name'].map(lambda n: _sentence(n.replace('gray', 'grey'))), 'rgb': named['rgb'],  # the prose's spelling
                        'baseline': named[base].astype(float)})
    for c in conditions[1:]:
        out[c + DELTA] = named[c + DELTA].astype(float)
    out.attrs['baseline'] = base
    return out.reset_index(drop=True)


def _header(col: str) -> str:
    if col == 'rgb':
        return ''
    if col.endswith(DELTA):
        return 'Δ\u00a0' + _sentence(col[: -len(DELTA)])  # no break between Δ and its name
    return _sentence(col)


def _swatch_html(rgb: tuple[float, float, float]) -> str:
    return f'<span style="display:inline-block;width:1em;height:1em;vertical-align:middle;background-color:#{hex_rgb(rgb).lower()};border:1px solid #8888"></span>'


def named_cells(df: pd.DataFrame) -> dict[str, list[tuple[str, int | None]]]:
    """Each numeric column of a named-colour table by the one column rule (`excolor.present.numbers.column`); changes signed."""
    numeric = [c for c in df.columns if is_numeric_dtype(df[c])]
    return {c: column(df[c].to_numpy(dtype=float), 3, sign=c.endswith(DELTA)) for c in numeric}


def style_named_colors(df: pd.DataFrame) -> Styler:
    """HTML: a swatch per colour, errors and signed changes by the column rule; no index."""
    cells = named_cells(df)
    shown = df.astype(object)
    for c, col in cells.items():
        shown[c] = [cell_html(x) for x in col]
    st = Styler(shown, uuid='excolor-named', cell_ids=False)
    st = st.hide(axis='index').format_index(_header, axis=1)
    st = st.format(_swatch_html, subset=['rgb'])
    return _numbers_right(st, list(cells))


def named_colors_latex(df: pd.DataFrame, caption: str, label: str) -> str:
    """booktabs + siunitx: `Colour` over name and swatch, `MSE` over the baseline, `Δ MSE` over the changes.

    `caption` is LaTeX (not escaped); numbers are already rounded, siunitx only aligns them.
    """
    deltas = [c for c in df.columns if c.endswith(DELTA)]
    top = [r'\multicolumn{2}{c}{Colour}', '{MSE}']
    rules = [r'\cmidrule(r){1-2}', r'\cmidrule(lr){3-3}']
    if deltas:
        top.append(rf'\multicolumn{{{len(deltas)}}}{{c}}{{$\Delta$ MSE}}')
        rules.append(rf'\cmidrule(l){{4-{3 + len(deltas)}}}')
    sub = ['', '', '{Baseline}'] + ['{' + latex_escape(_sentence(c[: -len(DELTA)])) + '}' for c in deltas]
    cells = named_cells(df)
    body = [[latex_escape(r['color']), rf'\swatch{{{hex_rgb(r["rgb"])}}}', _tex(cell_siunitx(cells['baseline'][i]))]
            + [_tex(cell_siunitx(cells[c][i])) for c in deltas] for i, r in enumerate(df.to_dict('records'))]
    columns = list(zip(*body)) if body else [()] * (3 + len(deltas))
    spec = ['l', 'c', s_column(columns[2])] + [s_column(col, explicit_plus=True) for col in columns[3:]]
    return _latex_table(spec, [' & '.join(top) + r' \\', ' '.join(rules), ' & '.join(sub) + r' \\'], body, caption, label)


# ── seed-sweep summary ─────────────────────────────────────────────────────────────────


def summary_table(per_seed: pd.DataFrame) -> pd.DataFrame:
    """One row per numeric metric: mean, std (ddof = 1), min, max and a 95 % bootstrap CI of the mean."""
    out = summarize(per_seed).drop(columns='n')
    out.attrs['n'] = len(per_seed)
    return out


SUMMARY_HEADERS = {'mean': 'Mean', 'std': 'SD', 'min': 'Min', 'max': 'Max', 'ci_low': '95% CI low', 'ci_high': '95% CI high'}


def by_row(df: pd.DataFrame, digits: int = 3) -> list[list[tuple[str, int | None]]]:
    """Each row (one metric's statistics) by the one column rule: a metric's mean, SD and range share a format."""
    return [column(row, digits) for row in df.to_numpy(dtype=float)]


def by_column(df: pd.DataFrame, digits: int = 3) -> list[list[tuple[str, int | None]]]:
    """The cells row by row, each column (one metric over seeds) by the one column rule."""
    cols = [column(df[c].to_numpy(dtype=float), digits) for c in df.columns]
    return [list(row) for row in zip(*cols)] if cols else [[] for _ in df.index]


def _shown(df: pd.DataFrame, cells: list[list[tuple[str, int | None]]]) -> pd.DataFrame:
    return pd.DataFrame([[cell_html(c) for c in row] for row in cells], index=df.index, columns=df.columns)


def style_summary(df: pd.DataFrame, labels: Mapping[str, str] | None = None) -> Styler:
    """HTML: metrics as rows (by their readers' `labels`), each row's numbers by the column rule, powers of ten as 10<sup>n</sup>."""
    st = Styler(_shown(df, by_row(df)), uuid='excolor-summary', cell_ids=False)
    st = st.format_index(lambda c: SUMMARY_HEADERS.get(c, c), axis=1).hide(axis='index', names=True)
    st = st.format_index(lambda m: (labels or {}).get(m, m), axis=0)
    return _numbers_right(st, list(df.columns))


def summary_latex(df: pd.DataFrame, caption: str, label: str, labels: Mapping[str, str] | None = None) -> str:
    """booktabs + siunitx; `95 % CI` spans its two bounds; a longtable (it may run over pages)."""
    cols = list(df.columns)
    ci = [c for c in ('ci_low', 'ci_high') if c in cols]
    plain = [c for c in cols if c not in ci]
    header = ['{Metric}'] + ['{' + latex_escape(SUMMARY_HEADERS.get(c, c)) + '}' for c in plain]
    head_rows = []
    if len(ci) == 2 and cols[-2:] == ci:
        first = len(plain) + 2
        head_rows = [' & '.join([''] * (1 + len(plain)) + [r'\multicolumn{2}{c}{95\,\% CI}']) + r' \\', rf'\cmidrule(l){{{first}-{first + 1}}}']
        header += ['{Low}', '{High}']
    else:
        header += ['{' + latex_escape(SUMMARY_HEADERS[c]) + '}' for c in ci]
    body = [[latex_escape((labels or {}).get(metric, metric))] + [_tex(cell_siunitx(c)) for c in row] for metric, row in zip(df.index, by_row(df))]
    columns = list(zip(*body)) if body else [()] * (1 + len(cols))
    spec = ['l'] + [s_column(col) for col in columns[1:]]
    return _latex_table(spec, head_rows + [' & '.join(header) + r' \\'], body, caption, label, long=True)


# ── per-seed values ────────────────────────────────────────────────────────────────────


def style_per_seed(df: pd.DataFrame, labels: Mapping[str, str] | None = None) -> Styler:
    """HTML: one row per seed, one column per metric (readers' labels), four significant digits by the column rule, padded columns."""
    st = Styler(_shown(df, by_column(df, 4)), uuid='excolor-per-seed', cell_ids=False)
    st = st.format_index(lambda m: (labels or {}).get(m, m), axis=1)
    st = st.format_index(lambda s: f'{s}', axis=0).set_table_styles([{'selector': 'th', 'props': 'vertical-align: bottom'}], overwrite=False)
    return _numbers_right(st, list(df.columns))


def per_seed_latex(df: pd.DataFrame, caption: str, label: str, labels: Mapping[str, str] | None = None) -> str:
    """A longtable of seeds × metrics; headers wrap in narrow columns so eight metrics fit the text width."""
    body = [[str(seed)] + [_tex(cell_siunitx(c)) for c in row] for seed, row in zip(df.index, by_column(df, 4))]
    columns = list(zip(*body)) if body else [()] * (1 + len(df.columns))
    width = f'{min(2.4, 13.0 / max(1, len(df.columns))):.2f}cm'
    header = ['{Seed}'] + [rf'\multicolumn{{1}}{{>{{\centering\arraybackslash}}p{{{width}}}}}{{{latex_escape((labels or {}).get(c, c))}}}' for c in df.columns]
    spec = ['r'] + [s_column(col) for col in columns[1:]]
    return _latex_table(spec, [' & '.join(header) + r' \\'], body, caption, label, long=True, size=r'\footnotesize')


# ── a table shown in a notebook: HTML for the web, LaTeX for the PDF, never an object's repr ──


@dataclass(frozen=True)
class Table:
    """One table in two media. Jupyter shows the HTML; the book's LaTeX build takes `_repr_latex_`
    (see `excolor.book.sphinx_ext`, which passes a LaTeX table through instead of reading it as maths)."""

    html: str
    latex: str
    text: str = ''

    def _repr_html_(self) -> str:
        return self.html

    def _repr_latex_(self) -> str:
        return self.latex

    def __repr__(self) -> str:
        return self.text or 'table (HTML and LaTeX)'


def table_text(df: pd.DataFrame, labels: Mapping[str, str] | None = None, digits: int = 3) -> str:
    """A plain-text rendering for outputs that take neither HTML nor LaTeX."""
    shown = df.rename(index=lambda m: (labels or {}).get(m, m), columns=lambda m: (labels or {}).get(m, SUMMARY_HEADERS.get(m, m)))
    return shown.to_string(float_format=lambda x: as_text(x, digits))


def _tex(number: str) -> str:
    """A formatted number for an S column; the missing-value dash must be braced text there."""
    return '{--}' if number == '–' else number


# ── LaTeX and files ────────────────────────────────────────────────────────────────────

_NUMBER = re.compile(r'^([+-]?)(\d+)(?:\.(\d+))?(?:e([+-]?)(\d+))?$')


def s_column(cells: Sequence[str], *, explicit_plus: bool = False) -> str:
    """An siunitx `S` column whose `table-format` fits `cells` exactly (sign, digits, exponent).

    Without a table-format, siunitx reserves a wide default and the table overflows the page.
    """
    parts = [m.groups() for m in map(_NUMBER.match, cells) if m]
    if not parts:
        return 'S'
    sign = '+' if any(p[0] for p in parts) else ''
    fmt = f'{sign}{max(len(p[1]) for p in parts)}'
    decimals = max(len(p[2] or '') for p in parts)
    if decimals:
        fmt += f'.{decimals}'
    if any(p[4] for p in parts):
        fmt += 'e' + ('-' if any(p[3] for p in parts) else '') + str(max(len(p[4] or '') for p in parts))
    options = f'table-format={fmt}' + (', retain-explicit-plus' if explicit_plus else '')
    return f'S[{options}]'



def _latex_table(spec: list[str], head: list[str], body: list[list[str]], caption: str, label: str, *, long: bool = False, size: str = r'\small') -> str:
    """A floating booktabs table, or (`long`) a longtable that breaks across pages with its head repeated;
    body cells are padded so the source reads as columns."""
    widths = [max(len(row[i]) for row in body) for i in range(len(spec))] if body else []
    rows = [' & '.join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip() + r' \\' for row in body]
    if long:
        return '\n'.join(
            [
                r'\begingroup',
                size,
                r'\begin{longtable}{@{}' + ' '.join(spec) + '@{}}',
                rf'\caption{{{caption}}}\label{{{label}}}\\',
                r'\toprule',
                *head,
                r'\midrule',
                r'\endfirsthead',
                r'\toprule',
                *head,
                r'\midrule',
                r'\endhead',
                r'\bottomrule',
                r'\endlastfoot',
                *rows,
                r'\end{longtable}',
                r'\endgroup',
            ]
        ) + '\n'
    return '\n'.join(
        [
            r'\begin{table}',
            r'\centering',
            r'\setlength{\belowcaptionskip}{0.5\baselineskip}',  # the caption sits above the table
            rf'\caption{{{caption}}}',
            rf'\label{{{label}}}',
            r'\begin{tabular}{@{}' + ' '.join(spec) + '@{}}',
            r'\toprule',
            *head,
            r'\midrule',
            *rows,
            r'\bottomrule',
            r'\end{tabular}',
            r'\end{table}',
        ]
    ) + '\n'


def table_paths(stem: str | Path) -> tuple[Path, Path]:
    """`<stem>.html`, `<stem>.tex` (dots inside the stem are kept)."""
    stem = Path(stem)
    name = re.sub(r'\.(html|tex)$', '', stem.name)
    return stem.with_name(f'{name}.html'), stem.with_name(f'{name}.tex')


def save_table(styler_or_html: Styler | str, latex: str, stem: str | Path) -> tuple[Path, Path]:
    """Write `<stem>.html` and `<stem>.tex` atomically; returns their paths."""
    html_path, tex_path = table_paths(stem)
    html = styler_or_html if isinstance(styler_or_html, str) else styler_or_html.to_html()
    atomic_write_text(html_path, html)
    atomic_write_text(tex_path, latex)
    return html_path, tex_path

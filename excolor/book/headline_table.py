"""The paper's headline table: experiment × condition → max MSE, median MSE and r over seeds.

One row per (experiment, model variant, condition), from each experiment's per-seed metrics:
mean ± standard deviation (ddof = 1) over n seeds, and in brackets the number the seed notebook
printed, where it printed one (`book/data/published.yaml`). Written as MyST Markdown (a `{table}`
with a caption and a name, so the paper can `{include}` it and `{numref}` it); Sphinx renders it
as an HTML table and, in LaTeX, a booktabs table. Numbers are maths: 7.5 × 10⁻⁵, never 7.5e-05.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from excolor.present import metric_labels
from excolor.present.numbers import as_latex, mean_sd

STATISTICS = ('max_mse', 'median_mse', 'r')
HEADERS = ('Experiment', 'Condition', 'Max MSE', 'Median MSE', 'r (MSE vs sim^p)', 'n')


@dataclass(frozen=True)
class Row:
    experiment: str
    variant: str | None
    condition: str
    cells: dict[str, str]  # statistic -> formatted cell
    n: int


def experiment_name(experiment: str) -> str:
    """`ex-2.9.1` → `Ex 2.9.1`."""
    return experiment.replace('ex-', 'Ex ', 1)


NOT_MEASURED = '—'  # a cell left empty set a blank line under its row in the PDF


def r_cell(mean: float, sd: float) -> str:
    if not math.isfinite(mean):
        return NOT_MEASURED
    return f'${mean:.3f} \\pm {sd:.3f}$' if math.isfinite(sd) else f'${mean:.3f}$'


def published_cell(value: float | None, statistic: str) -> str:
    if value is None:
        return ''
    text = f'{value:.3f}' if statistic == 'r' else as_latex(value, 2)
    return f' $[{text}]$'  # brackets inside the maths: a line never breaks after "["


def rows_for(experiment: str, per_seed: pd.DataFrame, published: Mapping[str, float]) -> list[Row]:
    """Every (variant, condition) the runs measured, in the order the runs list them."""
    seen: list[tuple[str | None, str]] = []
    for key in per_seed.columns:
        variant, condition, stat = metric_labels.parse(str(key))
        if condition and stat == 'max_mse' and (variant, condition) not in seen:
            seen.append((variant, condition))
    variants, conditions = list(metric_labels.VARIANTS), list(metric_labels.CONDITIONS)
    seen.sort(key=lambda vc: (variants.index(vc[0]) if vc[0] in variants else -1, conditions.index(vc[1])))
    rows = []
    for variant, condition in seen:
        prefix = f'{variant}_{condition}' if variant else condition
        cells = {}
        n = 0
        for stat in STATISTICS:
            key = f'{prefix}_{stat}'
            if key not in per_seed.columns:
                cells[stat] = NOT_MEASURED
                continue
            x = per_seed[key].dropna()
            n = max(n, len(x))
            sd = float(x.std(ddof=1)) if len(x) > 1 else math.nan
            cell = r_cell(float(x.mean()), sd) if stat == 'r' else mean_sd(float(x.mean()), sd)
            cells[stat] = cell + published_cell(published.get(key), stat)
        rows.append(Row(experiment, variant, condition, cells, n))
    return rows


def condition_name(row: Row) -> str:
    name = metric_labels.CONDITIONS[row.condition]
    name = name[:1].upper() + name[1:]
    return f'{name} ({metric_labels.VARIANTS[row.variant]})' if row.variant else name


def markdown(rows: Sequence[Row]) -> str:
    """A pipe table; the experiment is named on its first row only."""
    lines = ['| ' + ' | '.join(HEADERS).replace('sim^p', 'sim$^p$') + ' |', '|:--|:--|--:|--:|--:|--:|']
    last = None
    for row in rows:
        name = experiment_name(row.experiment) if row.experiment != last else ''
        last = row.experiment
        lines.append(f'| {name} | {condition_name(row)} | {row.cells["max_mse"]} | {row.cells["median_mse"]} | {row.cells["r"]} | {row.n} |')
    return '\n'.join(lines)


CAPTION = (
    'Headline results over seeds: reconstruction error (MSE per colour, mean over R, G, B in [0, 1]; maximum and median '
    'over a dense HSV grid) and the correlation $r$ of the error with similarity to red raised to the power $p$ '
    '($p = 3$ for ablation and pruning, $p = 2$ for suppression and repulsion). Each cell is the mean ± standard '
    'deviation over $n$ seeds (means to two significant digits, or three decimals for $r$; the deviation to the same '
    'decimal place); in brackets, the value the original notebook printed (seed 0, or the 100-seed mean for Ex 2.9.1); '
    'a dash, not measured ($r$ is measured after an intervention only).'
)


# LaTeX columns (tabulary): text ragged right and numbers flush right, never justified, so a
# wrapped cell keeps its spaces; the experiment and n at their natural width, so the others wrap
# less (each wrapped row made the table taller and pushed the figures after it a page on). The site ignores it.
LATEX_COLUMNS = r'lLRRRr'


def myst_table(rows: Sequence[Row], name: str | None = 'tab-headline', caption: str = CAPTION) -> str:
    """The table as a MyST `{table}` directive (numbered, citable by `name`), with its LaTeX column spec."""
    options = f':name: {name}\n' if name else ''
    return (f'```{{tabularcolumns}} {LATEX_COLUMNS}\n```\n\n'
            f':::{{table}} {caption}\n{options}:align: center\n\n{markdown(rows)}\n:::\n')

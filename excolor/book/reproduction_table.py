"""The reproduction report's tables: each printed number, our run of the same seed beside it, and the verdict.

One table per experiment, under a line citing the seed notebook the numbers were printed in.
Where the original code's re-run in the pinned environment is recorded, it is a column of its own,
with whether our run equals it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd

from excolor.book.markdown import table
from excolor.present.numbers import as_markdown
from excolor.measure.reproduction import Row, tally


def _value(x: float | None, digits: int = 6) -> str:
    return as_markdown(x, digits)


def row(r: Row, with_rerun: bool) -> list[Any]:
    seeds = r.seeds.replace(' ', '\u00a0')  # "seed 47" on one line
    cells = [r.quantity + (f' ({r.note})' if r.note else ''), seeds, _value(r.printed), _value(r.ours)]
    if with_rerun:
        same = {True: 'yes', False: 'no', None: '–'}[r.matches_rerun]
        cells += [_value(r.rerun), same]
    cells += [as_markdown(r.difference, 2), r.verdict]
    return cells


def comparison_tables(rows: list[Row], published: Mapping[str, Any]) -> str:
    """Markdown: per experiment (in the order of `published['notebooks']`), a citation line, a tally and a table."""
    blocks = []
    for exp, notebook in published['notebooks'].items():
        mine = [r for r in rows if r.experiment == exp]
        if not mine:
            continue
        with_rerun = any(r.rerun is not None for r in mine)
        header = ['quantity', 'seeds', 'printed', 'ours']
        header += ['upstream re-run, pinned', 'ours = re-run'] if with_rerun else []
        header += ['ours − printed', 'verdict']
        counts = ', '.join(f'{n} {v}' for v, n in tally(mine).items() if n)
        blocks.append(f'**{exp}**, printed in [{notebook}]({published["repository"]}): {counts}.\n\n' + table(header, [row(r, with_rerun) for r in mine]))
    return '\n\n'.join(blocks)


def drift_table_markdown(drift: pd.DataFrame) -> str:
    """Markdown: per experiment and metric, how far floating point alone moved it (`ReproductionPage.drift_table`)."""
    if drift.empty:
        return '*This build ran no drift runs.*'
    rows = [[r.experiment, f'`{r.metric}`', r.seeds, r.unmoved, as_markdown(r.largest, 2), as_markdown(r.median, 2)] for r in drift.itertuples()]
    return table(['experiment', 'metric', 'seeds', 'unmoved', 'largest move', 'median move'], rows)

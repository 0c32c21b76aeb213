"""The reproduction report's tables: each published number, ours beside it, and the verdict.

One table per experiment, under a line citing the seed notebook the numbers were printed in,
so each row stays narrow enough for the page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from excolor.book.markdown import num, table
from excolor.reproduction import Comparison

HEADER = ('quantity', 'published', 'ours (mean ± sd)', '95 % CI of our mean', 'n', 'accepted range', 'verdict')


def load_summaries(profile_dir: Path, experiments: list[str]) -> dict[str, dict[str, Any]]:
    """`<experiment>/sweep/summary.json` for each experiment that has one."""
    out = {}
    for exp in experiments:
        path = profile_dir / exp / 'sweep' / 'summary.json'
        if path.is_file():
            out[exp] = json.loads(path.read_text())
    return out


def published_text(entry: Mapping[str, Any]) -> str:
    """The published number: "0.931 ± 0.0338 (100 seeds)" or "0.014 (seed 0)"."""
    if 'mean' in entry:
        return f'{num(entry["mean"])} ± {num(entry["sd"])} ({entry["n"]} seeds)'
    return num(entry['value']) + (f' (seed {entry["seed"]})' if 'seed' in entry else '')


def accepted_text(c: Comparison) -> str:
    """The range the published number had to fall in, and by which rule."""
    v = c.verdict
    if v.reproduced is None:
        return '–'
    rule = 'Welch, 2 SE' if v.rule == 'welch' else '95 % PI'
    return f'{num(v.low)} to {num(v.high)} ({rule})'


def row(c: Comparison) -> list[Any]:
    e, ours = c.published, c.ours
    quantity = e['quantity'] + (f' ({e["note"]})' if 'note' in e else '')
    if ours is None:
        return [quantity, published_text(e), '–', '–', '–', '–', c.verdict.verdict]
    return [quantity, published_text(e), f'{num(ours.mean)} ± {num(ours.std)}', f'{num(ours.ci_low)} to {num(ours.ci_high)}', ours.n, accepted_text(c), c.verdict.verdict]


def comparison_tables(comparisons: list[Comparison], published: Mapping[str, Any]) -> str:
    """Markdown: per experiment (in the order of `published['notebooks']`), a citation line and a table."""
    blocks = []
    for exp, notebook in published['notebooks'].items():
        rows = [row(c) for c in comparisons if c.published['experiment'] == exp]
        if rows:
            blocks.append(f'**{exp}**, printed in [{notebook}]({published["repository"]}):\n\n' + table(HEADER, rows))
    return '\n\n'.join(blocks)

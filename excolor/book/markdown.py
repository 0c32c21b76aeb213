"""Markdown tables and numbers for report pages: text/markdown renders as a real table in HTML and PDF alike."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any


def num(x: float | None, digits: int = 3) -> str:
    """A number for a table: `digits` significant figures, an en dash for missing or NaN."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return '–'
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) >= 1):
        return f'{int(x)}'
    return f'{x:.{digits}g}'


def cell(value: Any) -> str:
    return str(value).replace('|', r'\|').replace('\n', ' ')


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub/MyST pipe table."""
    lines = ['| ' + ' | '.join(cell(h) for h in header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(cell(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines)

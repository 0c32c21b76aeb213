"""Markdown tables and numbers for report pages: text/markdown renders as a real table in HTML and PDF alike."""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from excolor.numbers import MINUS, as_latex, split


def num(x: float | None, digits: int = 3) -> str:
    """A number for a table: `digits` significant figures, a true minus sign, a power of ten as maths
    (`$7.5 \\times 10^{-5}$`, never `7.5e-05`), an en dash for missing or NaN."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return '–'
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) >= 1):
        return f'{int(x)}'.replace('-', MINUS)
    mantissa, exponent = split(x, digits)
    return mantissa.replace('-', MINUS) if exponent is None else f'${as_latex(x, digits)}$'


def cell(value: Any) -> str:
    return str(value).replace('|', r'\|').replace('\n', ' ')


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub/MyST pipe table."""
    lines = ['| ' + ' | '.join(cell(h) for h in header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(cell(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines)

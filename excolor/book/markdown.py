"""Markdown tables for report pages: text/markdown renders as a real table in HTML and PDF alike
(their numbers: `excolor.present.numbers.as_markdown`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def cell(value: Any) -> str:
    return str(value).replace('|', r'\|').replace('\n', ' ')


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub/MyST pipe table."""
    lines = ['| ' + ' | '.join(cell(h) for h in header) + ' |', '|' + '---|' * len(header)]
    lines += ['| ' + ' | '.join(cell(v) for v in row) + ' |' for row in rows]
    return '\n'.join(lines)

"""How a number is written for a reader: significant digits, and powers of ten as 7.5 × 10⁻⁵.

Python's `7.5e-05` is for programs. Readers get a mantissa and a power of ten, written for the
medium: HTML (`10<sup>−5</sup>`), LaTeX and MathJax (`7.5 \\times 10^{-5}`), or plain Unicode.
A single number takes a power of ten where `%g` would (exponent below −4 or at least the number
of digits), so 0.0017 stays a decimal and 0.000017 becomes 1.7 × 10⁻⁵. A table's numbers follow
one rule per column (`column`): one number of decimals for the whole column, or powers of ten
for the whole column, never a mix.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

MINUS = '\u2212'
_SUPERSCRIPT = str.maketrans('0123456789-', '⁰¹²³⁴⁵⁶⁷⁸⁹⁻')
E_NOTATION = re.compile(r'(?<![\w.])([+-]?\d+(?:\.\d+)?)e([+-]?\d+)(?![\w.])')  # 7.5e-05, 2e-05, 1.2e+03


def split(x: float, digits: int = 3) -> tuple[str, int | None]:
    """`x` to `digits` significant digits as (mantissa, exponent); exponent None for a plain decimal."""
    text = f'{x:.{digits}g}'
    m = re.fullmatch(r'([+-]?[\d.]+)e([+-]\d+)', text)
    if not m:
        return text, None
    return m[1], int(m[2])


def _mantissa(m: str) -> str:
    return m.replace('-', MINUS)


def power_of_ten(exponent: int) -> str:
    """Unicode: `10⁻⁴`."""
    return f'10{str(exponent).translate(_SUPERSCRIPT)}'


def as_text(x: float, digits: int = 3) -> str:
    """Unicode: `7.5 × 10⁻⁵`; an en dash for a missing number."""
    if not math.isfinite(x):
        return '–'
    m, e = split(x, digits)
    return _mantissa(m) if e is None else f'{_mantissa(m)} × {power_of_ten(e)}'


def as_html(x: float, digits: int = 3) -> str:
    """HTML: `7.5 × 10<sup>−5</sup>`."""
    if not math.isfinite(x):
        return '–'
    m, e = split(x, digits)
    return _mantissa(m) if e is None else f'{_mantissa(m)}\u202f×\u202f10<sup>{str(e).replace("-", MINUS)}</sup>'


def as_latex(x: float, digits: int = 3) -> str:
    """LaTeX / MathJax maths (without `$`): `7.5 \\times 10^{-5}`."""
    if not math.isfinite(x):
        return r'\text{--}'
    m, e = split(x, digits)
    return m if e is None else rf'{m} \times 10^{{{e}}}'


def as_markdown(x: float | None, digits: int = 3) -> str:
    """A number in a Markdown table (HTML via MathJax, and LaTeX): `digits` significant figures, a
    true minus sign, a power of ten as maths (`$7.5 \\times 10^{-5}$`); an integer as itself; an en
    dash for missing or NaN."""
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return '–'
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) >= 1):
        return f'{int(x)}'.replace('-', MINUS)
    m, e = split(x, digits)
    return _mantissa(m) if e is None else f'${as_latex(x, digits)}$'


def latex_from_e_notation(text: str) -> str:
    """`7.5e-05` → `7.5 \\times 10^{-5}` (for a number that was already formatted elsewhere)."""
    m = E_NOTATION.fullmatch(text.strip())
    if not m:
        raise ValueError(f'not a number in e-notation: {text!r}')
    return rf'{m[1]} \times 10^{{{int(m[2])}}}'


def _mean_sd(mean: float, sd: float, digits: int) -> tuple[str, str | None, int | None]:
    """(mean's mantissa, sd's, shared exponent): the mean to `digits` significant digits, the sd to the same decimal place."""
    _, exponent = split(mean, digits)
    scale = 10.0 ** (exponent or 0)
    mantissa = f'{mean / scale:#.{digits}g}'.rstrip('.')  # keep trailing zeros: they are significant
    decimals = len(mantissa.split('.')[1]) if '.' in mantissa else 0
    if not math.isfinite(sd):
        return mantissa, None, exponent
    spread = sd / scale
    if spread > 0 and round(spread, decimals) == 0:  # never print a deviation of 0.000
        decimals = -math.floor(math.log10(spread))
    return mantissa, f'{spread:.{decimals}f}', exponent


def mean_sd(mean: float, sd: float, digits: int = 2) -> str:
    """`mean ± sd` as maths, the mean to `digits` significant digits and the sd to the same decimal place;
    a power of ten, when the mean needs one, is shared: `(7.5 \\pm 1.2) \\times 10^{-5}`."""
    if not math.isfinite(mean):
        return '–'
    m, s, exponent = _mean_sd(mean, sd, digits)
    body = m if s is None else f'{m} \\pm {s}'
    return f'$({body}) \\times 10^{{{exponent}}}$' if exponent is not None else f'${body}$'


def mean_sd_text(mean: float, sd: float, digits: int = 2) -> str:
    """The same as `mean_sd`, in Unicode for prose: `0.012 ± 0.007`, `(7.5 ± 1.2) × 10⁻⁵`."""
    if not math.isfinite(mean):
        return '–'
    m, s, exponent = _mean_sd(mean, sd, digits)
    body = _mantissa(m) if s is None else f'{_mantissa(m)} ± {s}'
    return f'({body}) × {power_of_ten(exponent)}' if exponent is not None else body


def column(values: Sequence[float], digits: int = 3, *, sign: bool = False) -> list[tuple[str, int | None]]:
    """One rule for the numbers of a column (or of one metric's row): each as (mantissa, exponent or None).

    Decimal when the column fits: its largest magnitude gets `digits` significant figures and every
    value the same decimals, trailing zeros kept (0.200 beside 0.789). Scientific otherwise (the
    largest below 0.01 or from 10⁴ up, or a nonzero value that would print as zero): every value
    `digits` significant figures, zeros kept, with its own power of ten. `sign`: a + on positive values.
    """
    finite = [abs(float(x)) for x in values if math.isfinite(float(x))]
    nonzero = [x for x in finite if x > 0]
    plus = '+' if sign else ''
    if not nonzero:
        return [(f'{0:.{digits - 1}f}', None) if math.isfinite(float(x)) else ('–', None) for x in values]
    top = math.floor(math.log10(max(nonzero)))
    decimals = max(0, digits - 1 - top)
    scientific = top < -2 or top >= 4 or min(nonzero) < 0.5 * 10.0 ** -decimals
    out: list[tuple[str, int | None]] = []
    for x in values:
        x = float(x)
        if not math.isfinite(x):
            out.append(('–', None))
        elif not scientific:
            zero = round(x, decimals) == 0  # no sign, and never −0.000
            out.append((f'{0 if zero else x:{"" if zero else plus}.{decimals}f}', None))
        elif x == 0:
            out.append((f'{0:.{digits - 1}f}', None))
        else:
            exponent = math.floor(math.log10(abs(x)))
            mantissa = x / 10.0 ** exponent
            if abs(round(mantissa, digits - 1)) >= 10:  # 9.996 → 10.0: one more power of ten
                exponent, mantissa = exponent + 1, mantissa / 10
            out.append((f'{mantissa:{plus}.{digits - 1}f}', exponent))
    return out


def cell_latex(cell: tuple[str, int | None]) -> str:
    """Maths (without `$`): `0.300`, `7.50 \\times 10^{-5}`."""
    m, e = cell
    return m if e is None else f'{m} \\times 10^{{{e}}}'


def cell_markdown(cell: tuple[str, int | None]) -> str:
    """For a Markdown table, as `as_markdown` writes one number: a decimal as text, a power of ten as maths."""
    m, e = cell
    return _mantissa(m) if e is None else f'${cell_latex(cell)}$'


def cell_html(cell: tuple[str, int | None]) -> str:
    m, e = cell
    return _mantissa(m) if e is None else f'{_mantissa(m)}\u202f×\u202f10<sup>{str(e).replace("-", MINUS)}</sup>'


def cell_siunitx(cell: tuple[str, int | None]) -> str:
    """For an siunitx S column: `1.23e-4` (siunitx prints 1.23 × 10⁻⁴)."""
    m, e = cell
    return m if e is None else f'{m}e{e}'


def cell_text(cell: tuple[str, int | None]) -> str:
    m, e = cell
    return _mantissa(m) if e is None else f'{_mantissa(m)} × {power_of_ten(e)}'

"""How a number is written for a reader: significant digits, and powers of ten as 7.5 × 10⁻⁵.

Python's `7.5e-05` is for programs. Readers get a mantissa and a power of ten, written for the
medium: HTML (`10<sup>−5</sup>`), LaTeX and MathJax (`7.5 \\times 10^{-5}`), or plain Unicode.
A power of ten is used where `%g` would use one (exponent below −4 or at least the number of
digits), so 0.0017 stays a decimal and 0.000017 becomes 1.7 × 10⁻⁵.
"""

from __future__ import annotations

import math
import re

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


def mean_sd(mean: float, sd: float, digits: int = 2) -> str:
    """`mean ± sd` as maths, the mean to `digits` significant digits and the sd to the same decimal place;
    a power of ten, when the mean needs one, is shared: `(7.5 \\pm 1.2) \\times 10^{-5}`."""
    if not math.isfinite(mean):
        return '–'
    _, exponent = split(mean, digits)
    scale = 10.0 ** (exponent or 0)
    mantissa = f'{mean / scale:#.{digits}g}'.rstrip('.')  # keep trailing zeros: they are significant
    decimals = len(mantissa.split('.')[1]) if '.' in mantissa else 0
    if not math.isfinite(sd):
        body = mantissa
    else:
        spread = sd / scale
        if spread > 0 and round(spread, decimals) == 0:  # never print a deviation of 0.000
            decimals = -math.floor(math.log10(spread))
        body = f'{mantissa} \\pm {spread:.{decimals}f}'
    return f'$({body}) \\times 10^{{{exponent}}}$' if exponent is not None else f'${body}$'

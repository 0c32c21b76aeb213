"""Tables: the per-colour error table and the seed summary, in HTML and LaTeX, and that the
LaTeX compiles with the shipped preamble."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from excolor.params.schema import NoIntervention, SurgerySpec
from excolor.measure.evaluation import ConditionResult, Evaluation
from excolor.measure.spread import bootstrap_ci
from excolor.present.tables import (
    LATEX_PREAMBLE,
    named_color_table,
    named_colors_latex,
    save_table,
    style_named_colors,
    style_summary,
    summary_latex,
    summary_table,
)


def condition(name: str, mse: np.ndarray) -> ConditionResult:
    spec = NoIntervention(name=name, kind='none') if name == 'no intervention' else SurgerySpec(name=name, kind='ablate', dims=[0])
    return ConditionResult(name, spec, None, None, None, None, mse)


@pytest.fixture
def named() -> pd.DataFrame:
    """`Evaluation.named_table()` for a baseline and two conditions (red hit hard, white untouched)."""
    base = np.full(17, 3.6e-5)
    ablated = base + np.r_[0.333, np.full(15, 0.01), 0.0]
    suppression = base + np.r_[0.198, np.full(15, -0.00001), 0.0]
    ev = Evaluation('main', {n: condition(n, m) for n, m in [('no intervention', base), ('ablated', ablated), ('suppression', suppression)]})
    return ev.named_table()


@pytest.fixture
def per_seed() -> pd.DataFrame:
    rng = np.random.default_rng(3)
    return pd.DataFrame(
        {'ablated_r': 0.93 + 0.03 * rng.standard_normal(30), 'ablated_p': np.zeros(30), 'suppression_r': 0.956 + 0.02 * rng.standard_normal(30), 'label': 'x'},
        index=pd.Index(np.arange(30, dtype=float), name='seed'),
    )


def test_named_color_table_keeps_baseline_and_changes(named):
    t = named_color_table(named)
    assert list(t.columns) == ['color', 'rgb', 'baseline', 'ablated-delta', 'suppression-delta']
    assert t['color'].tolist()[:2] == ['Red', 'Orange'] and t['color'].tolist()[-4] == 'Dark grey'
    assert t.attrs['baseline'] == 'no intervention'
    assert t.loc[0, 'ablated-delta'] == pytest.approx(0.333)


def test_html_has_swatches_signed_changes_and_no_index(named):
    html = style_named_colors(named_color_table(named)).to_html()
    assert 'background-color:#ff0000' in html and 'background-color:#808080' in html  # gray rounds to 80
    assert '+0.333' in html and '+1.98\u202f×\u202f10<sup>−1</sup>' in html  # suppression's tiny changes make its column scientific
    assert '-0.000' not in html and '+0.000' not in html  # a change that rounds to zero has no sign
    assert 'Δ\u00a0Ablated' in html and 'Δ\u00a0Suppression' in html and '>Baseline<' in html
    assert 'row_heading' not in html  # index hidden
    assert 'hsv' not in html.lower()


def test_latex_has_groups_swatches_and_caption_first(named):
    tex = named_colors_latex(named_color_table(named), caption='Error by colour', label='tab:per-color')
    assert r'\multicolumn{2}{c}{Colour}' in tex and r'\multicolumn{2}{c}{$\Delta$ MSE}' in tex
    assert r'\swatch{FF0000}' in tex and r'\swatch{808080}' in tex
    assert tex.index(r'\caption{Error by colour}') < tex.index(r'\label{tab:per-color}')
    assert r'S[table-format=+1.3, retain-explicit-plus]' in tex
    red = next(line for line in tex.splitlines() if line.startswith('Red'))
    assert [c.strip() for c in red.rstrip('\\ ').split('&')] == ['Red', r'\swatch{FF0000}', '3.60e-5', '+0.333', '+1.98e-1']
    for rule in (r'\toprule', r'\midrule', r'\bottomrule'):
        assert tex.count(rule) == 1


def test_one_rule_per_column():
    from excolor.present.numbers import cell_text, column

    assert [cell_text(c) for c in column([0.2, 0.7885, 0.91])] == ['0.200', '0.788', '0.910']  # one number of decimals, zeros kept
    assert [cell_text(c) for c in column([1e-4, 3.2e-5, 0.0012])] == ['1.00 × 10⁻⁴', '3.20 × 10⁻⁵', '1.20 × 10⁻³']  # small: powers of ten
    assert [cell_text(c) for c in column([0.3, 1e-5, 0.0])] == ['3.00 × 10⁻¹', '1.00 × 10⁻⁵', '0.00']  # never a nonzero 0.000
    assert [cell_text(c) for c in column([0.3334, -0.0123, 0.0, float('nan')], sign=True)] == ['+0.333', '−0.012', '0.000', '–']
    assert [cell_text(c) for c in column([15, 172, 33.3])] == ['15', '172', '33']
    assert [cell_text(c) for c in column([99960.0, 5.0])] == ['1.00 × 10⁵', '5.00 × 10⁰']  # a scientific column stays one


def test_summary_statistics(per_seed):
    s = summary_table(per_seed)
    assert list(s.index) == ['ablated_r', 'ablated_p', 'suppression_r']  # numeric columns only
    assert list(s.columns) == ['mean', 'std', 'min', 'max', 'ci_low', 'ci_high'] and s.index.name == 'metric'
    x = per_seed['ablated_r'].to_numpy()
    assert s.loc['ablated_r', 'mean'] == pytest.approx(x.mean())
    assert s.loc['ablated_r', 'std'] == pytest.approx(x.std(ddof=1))
    assert s.loc['ablated_r', ['min', 'max']].tolist() == [x.min(), x.max()]
    lo, hi = s.loc['ablated_r', ['ci_low', 'ci_high']]
    assert lo < x.mean() < hi and hi - lo < 4 * x.std(ddof=1) / np.sqrt(len(x))
    assert summary_table(per_seed).equals(s)  # fixed RNG: the same CI every time
    assert bootstrap_ci(np.array([2.0])) == (2.0, 2.0)
    one = summary_table(per_seed.iloc[:1])
    assert np.isnan(one.loc['ablated_r', 'std'])


def test_summary_outputs(per_seed):
    s = summary_table(per_seed)
    html = style_summary(s).to_html()
    assert '95% CI low' in html and '>ablated_r<' in html
    tex = summary_latex(s, 'Correlation over 30 seeds', 'tab:summary')
    assert r'ablated\_r' in tex and r'\multicolumn{2}{c}{95\,\% CI}' in tex
    assert tex.index(r'\caption') < tex.index(r'\label')


def test_save_table_writes_both_files(named, tmp_path):
    t = named_color_table(named)
    html, tex = save_table(style_named_colors(t), named_colors_latex(t, 'c', 'tab:x'), tmp_path / 'ex-2.9.1-per-color')
    assert (html.name, tex.name) == ('ex-2.9.1-per-color.html', 'ex-2.9.1-per-color.tex')
    assert '<table' in html.read_text() and tex.read_text().startswith(r'\begin{table}')


@pytest.mark.parametrize('engine', ['-pdf', '-xelatex'])
def test_latex_compiles_with_the_preamble(engine, named, per_seed, tmp_path):
    if shutil.which('latexmk') is None:
        pytest.skip('latexmk is not installed')
    t = named_color_table(named)
    (tmp_path / 'named.tex').write_text(named_colors_latex(t, 'Reconstruction error by colour', 'tab:named'))
    (tmp_path / 'summary.tex').write_text(summary_latex(summary_table(per_seed), 'Over seeds', 'tab:summary'))
    (tmp_path / 'doc.tex').write_text(
        '\\documentclass{article}\n'
        f'\\input{{{LATEX_PREAMBLE.as_posix()}}}\n'
        '\\begin{document}\n\\input{named.tex}\n\\input{summary.tex}\nSee Table~\\ref{tab:named}.\n\\end{document}\n'
    )
    run = subprocess.run(['latexmk', engine, '-interaction=nonstopmode', '-halt-on-error', 'doc.tex'], cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False)
    log = (tmp_path / 'doc.log').read_text(errors='replace') if (tmp_path / 'doc.log').exists() else run.stdout
    assert run.returncode == 0, log[-3000:]
    assert (tmp_path / 'doc.pdf').stat().st_size > 1000
    assert 'Overfull \\hbox' not in log
    assert 'LaTeX Warning: Reference' not in log  # \label after \caption: the \ref resolved

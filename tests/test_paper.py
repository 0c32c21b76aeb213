"""What the paper shows readers: labels instead of keys, powers of ten instead of e-notation, the
statistics behind its claims, the headline table and the article build's toc and config. Fast: no
training, no Sphinx build (the site test builds the book)."""

import re

import pandas as pd
import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from excolor.present import metric_labels, numbers
from tests.fixtures.fake_runs import fake_metrics
from excolor.book.headline_table import myst_table, rows_for
from excolor.book.paper import ARTICLE, PAPER_PAGES, paper_config, paper_toc
from excolor.measure.statistics import concentration, paired_comparison, summarize_ratios
from excolor.present.tables import Table, per_seed_latex, style_summary, summary_latex, summary_table

SNAKE = re.compile(r'\b[a-z]+_[a-z_]+\b')


def test_every_metric_key_of_a_run_gets_a_readers_label():
    for exp in ('ex-2.2', 'ex-2.3', 'ex-2.9.1', 'ex-2.10'):
        for key in fake_metrics(exp, 0):
            assert not SNAKE.search(metric_labels.label(key)), key
    assert metric_labels.label('with_unitarity_ablated_max_mse') == 'Max MSE, ablation (with unitarity)'
    assert metric_labels.label('ablated_r') == 'r (MSE vs sim³), ablation'
    assert metric_labels.label('suppression_r', power=2) == 'r (MSE vs sim²), suppression'


def test_numbers_are_written_with_powers_of_ten():
    assert numbers.as_text(7.5e-5, 2) == '7.5 × 10⁻⁵'
    assert numbers.as_html(2e-5, 2) == '2\u202f×\u202f10<sup>−5</sup>'
    assert numbers.as_latex(7.5e-5, 2) == r'7.5 \times 10^{-5}' and numbers.as_latex(0.0017, 2) == '0.0017'
    assert numbers.mean_sd(2.5e-5, 1.3e-5) == r'$(2.5 \pm 1.3) \times 10^{-5}$'
    assert numbers.mean_sd(0.014, 0.0003) == r'$0.014 \pm 0.0003$'  # never a deviation of 0.000


def test_paired_comparison_of_the_same_seeds():
    a = pd.Series([0.90, 0.92, 0.95, 0.91, 0.93])
    result = paired_comparison(a, a - 0.05)
    assert result.n == 5 and result.a_higher == 5 and result.rank_biserial == 1.0
    assert result.mean_difference == pytest.approx(0.05) and result.ci_low == pytest.approx(0.05)
    assert result.p_value == pytest.approx(2 ** (1 - 5))  # the smallest exact two-sided p with 5 pairs


def test_the_single_seed_claim_is_judged_by_the_interval():
    from excolor.book.statistics_page import claim_verdict

    a = pd.Series([0.90, 0.92, 0.95, 0.91, 0.93])
    assert claim_verdict(paired_comparison(a, a + 0.05)) == 'holds over seeds'  # higher without unitarity
    assert claim_verdict(paired_comparison(a, a - 0.05)) == 'is reversed over seeds'
    assert claim_verdict(paired_comparison(a, a + pd.Series([0.02, -0.02, 0.01, -0.01, 0.0]))) == 'is not established over seeds'


def test_concentration_divides_the_error_near_red_by_the_rest():
    per_seed = pd.DataFrame([fake_metrics('ex-2.9.1', s) for s in range(3)])
    ratios = concentration(per_seed, 'ablated')
    assert (ratios > 10).all()  # the fakes put the damage on red, orange and pink
    assert summarize_ratios(ratios).n == 3
    assert concentration(per_seed, 'no_intervention').between(0.1, 10).all()


def test_headline_table_is_numbered_with_maths_and_no_keys():
    per_seed = pd.DataFrame([fake_metrics('ex-2.10', s) for s in range(3)])
    text = myst_table(rows_for('ex-2.10', per_seed, {'with_unitarity_ablated_max_mse': 0.36}))
    assert ':name: tab-headline' in text and 'Ablation (with unitarity)' in text and '$[0.36]$' in text
    assert not re.search(r'\de-\d', text) and not SNAKE.search(text.split('\n', 3)[-1])


def test_sweep_tables_have_both_media_and_readers_labels():
    per_seed = pd.DataFrame({'ablated_r': [0.9, 0.92], 'ablated_median_mse': [7.5e-5, 8e-5]})
    labels = metric_labels.labels(per_seed.columns)
    table = summary_table(per_seed)
    html = style_summary(table, labels).to_html()
    assert 'Median MSE, ablation' in html and '10<sup>−5</sup>' in html and 'ablated_' not in html
    latex = summary_latex(table, 'c', 'tab:x', labels)
    assert r'\begin{longtable}' in latex and r'\toprule' in latex and 'ablated' not in latex
    shown = Table(html, latex, 'text')
    assert shown._repr_latex_() == latex and repr(shown) == 'text' and ' at 0x' not in repr(shown)
    assert 'Seed' in per_seed_latex(per_seed, 'c', 'tab:y', labels)


def test_the_article_toc_puts_the_paper_under_its_title_page():
    toc = {'format': 'jb-book', 'root': 'book/index', 'parts': [
        {'caption': 'The paper', 'numbered': True, 'chapters': [{'file': f} for f in PAPER_PAGES]},
        {'caption': 'Experiments', 'chapters': [{'file': 'book/_runs/ex-2.2/representative'}]}]}
    out = paper_toc(toc)
    assert out['parts'][0]['chapters'] == [{'file': ARTICLE, 'sections': [{'file': f} for f in PAPER_PAGES]}]
    assert [p['caption'] for p in out['parts']] == ['Article', 'Experiments']  # every run page is still read (glue)


def test_the_article_is_a_howto_on_a4_without_a_table_of_contents(tmp_path):
    config = paper_config({'title': 'T', 'author': 'A', 'bibtex_bibfiles': ['references.bib']}, tmp_path)
    assert config['latex']['latex_documents']['theme'] == 'howto'
    assert config['latex']['latex_documents']['startdocname'] == ARTICLE
    elements = config['sphinx']['config']['latex_elements']
    assert elements['papersize'] == 'a4paper' and elements['tableofcontents'] == ''
    assert config['bibtex_bibfiles'] == [str(tmp_path / 'references.bib')]


def test_pasted_e_notation_becomes_maths():
    from excolor.book.sphinx_ext import PastedNumbersAsMaths

    document = new_document('test', get_default_settings(Parser))
    para = nodes.paragraph()
    para += nodes.inline('7.5e-05', '7.5e-05', classes=['pasted-text'])
    para += nodes.inline('-0.012', '-0.012', classes=['pasted-text'])
    para += nodes.inline('runs/full/ex-2.2/seed-008/', 'runs/full/ex-2.2/seed-008/', classes=['pasted-text'])
    document += para
    transform = PastedNumbersAsMaths(document)
    transform.run()
    maths = list(document.findall(nodes.math))
    assert [m.astext() for m in maths] == [r'7.5 \times 10^{-5}']
    assert para.astext().endswith('\u22120.012runs/full/ex-2.2/seed-008/')  # a path's hyphens stay


@pytest.mark.skipif(not all(map(__import__('shutil').which, ('latexmk', 'xelatex', 'pdfinfo', 'pdftotext'))), reason='needs TeX Live and poppler-utils')
def test_make_paper_gives_a_short_article_and_the_book_pdf_prints_no_reprs(tmp_path):
    """The article (fake runs) is 6–16 A4 pages; neither PDF prints an object's repr; the sweep tables reach the book PDF."""
    import shutil
    import subprocess

    from excolor.book.build import build_book
    from tests.fixtures.fake_runs import cited_by_pages, write_fake_runs
    from excolor.book.layout import ROOT, book_sources

    root = tmp_path / 'src'
    for rel in book_sources(ROOT):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / rel, root / rel)
    runs = tmp_path / 'runs'
    write_fake_runs(runs, 'quick', cited=cited_by_pages((root / 'book').rglob('*.md')))
    paper = build_book('quick', root=root, runs_dir=runs, check=False, paper=True, log=lambda _: None)
    pages = int(re.search(r'Pages:\s+(\d+)', subprocess.run(['pdfinfo', str(paper)], capture_output=True, text=True).stdout)[1])
    assert 6 <= pages <= 16
    book = build_book('quick', root=root, runs_dir=runs, check=False, pdf=True, log=lambda _: None)
    for pdf in (paper, book):
        text = subprocess.run(['pdftotext', str(pdf), '-'], capture_output=True, text=True).stdout
        assert ' at 0x' not in text and 'Styler' not in text, pdf.name
    for exp in ('ex-2.2', 'ex-2.3', 'ex-2.9', 'ex-2.9.1', 'ex-2.10'):  # each sweep page's LaTeX table
        assert f'{exp}: fake summary over seeds.' in text, exp


BIB = r"""
@misc{b, author = {Fraser, Sandy}, title = {Selective regularization}, year = {2025}}
@misc{a, author = {Fraser, Sandy}, title = {Concept-anchored representation engineering}, year = {2025}}
@misc{c, author = {Fraser, Sandy and Wielopolski, Patryk}, title = {Sparse Concept Anchoring}, year = {2025}}
@misc{d, author = {Park, Kiho and Choe, Yo Joong and Veitch, Victor}, title = {The linear representation hypothesis}, year = {2023}}
@misc{e, author = {Fraser, Sandy}, title = {ex-preppy}, year = {2026}, checked = {not printed}}
"""


def _cited(keys, bib=BIB):
    """Labels of the reference list, and the text of {cite:p} / {cite:t} for each key, as the book renders them."""
    from types import SimpleNamespace

    import pybtex_docutils
    from pybtex.database import parse_string
    from sphinxcontrib.bibtex.style.referencing import format_references
    from sphinxcontrib.bibtex.style.template import SphinxReferenceInfo

    from excolor.book.bibliography import AuthorYearReferenceStyle, ExcolorStyle

    style, backend = ExcolorStyle(), pybtex_docutils.Backend()
    entries = style.sort(parse_string(bib, 'bibtex').entries[k] for k in keys)
    formatted = {e.key: (e, style.format_entry(label, e)) for label, e in zip(style.format_labels(entries), entries)}
    builder = SimpleNamespace(name='html', get_relative_uri=lambda a, b: f'{b}.html')
    info = SphinxReferenceInfo(builder=builder, fromdocname='a', todocname='refs', citation_id='id', title=None, pre_text='', post_text='')

    def text(role, *cited):
        refs = format_references(AuthorYearReferenceStyle(), role, [(*formatted[k], info) for k in cited])
        return ''.join(n.astext() for n in refs.render(backend))

    return {k: f.label for k, (_, f) in formatted.items()}, text


def test_same_author_same_year_gets_letters_in_the_list_and_in_the_text():
    labels, text = _cited('abcde')
    assert labels == {'a': 'Fraser, 2025a', 'b': 'Fraser, 2025b', 'c': 'Fraser and Wielopolski, 2025',
                      'd': 'Park et al., 2023', 'e': 'Fraser, 2026'}  # letters in title order; another author list or year: none
    assert text('p', 'b') == '(Fraser, 2025b)' and text('t', 'a') == 'Fraser (2025a)'
    assert text('p', 'a', 'c') == '(Fraser, 2025a; Fraser and Wielopolski, 2025)'
    assert text('t', 'd') == 'Park et al. (2023)' and text('year', 'b') == '2025b'
    labels, text = _cited('bce')  # letters only among the works cited
    assert labels['b'] == 'Fraser, 2025' and text('p', 'b') == '(Fraser, 2025)'


def test_the_checked_field_is_not_printed():
    from pybtex.database import parse_string

    from excolor.book.bibliography import ExcolorStyle

    entry = parse_string(BIB, 'bibtex').entries['e']
    assert 'not printed' not in ExcolorStyle().format_entry('x', entry).text.render_as('text')


def test_every_cited_key_is_in_the_bib_file_and_the_earlier_works_are_told_apart():
    from pathlib import Path

    from pybtex.database import parse_file

    root = Path(__file__).resolve().parent.parent
    bib = parse_file(root / 'references.bib')
    pages = [*(root / 'book').glob('*.md'), *(root / 'book' / 'paper').glob('*.md')]
    cited = {k.strip() for page in pages for keys in re.findall(r'\{cite:\w+\}`([^`]+)`', page.read_text()) for k in keys.split(',')}
    assert cited and cited <= set(bib.entries), cited - set(bib.entries)
    assert all('checked' in e.fields for e in bib.entries.values())
    labels, _ = _cited(sorted(cited), (root / 'references.bib').read_text())
    assert len(set(labels.values())) == len(labels)
    assert {labels[k] for k in ('fraser2025concept', 'fraser2025ex210', 'fraser2025ex291', 'fraser2025selective', 'fraser2025sidequests')} \
        == {f'Fraser, 2025{x}' for x in 'abcde'}


def test_the_article_keeps_figures_before_the_references_and_prints_no_url_footnotes_there(tmp_path):
    """Issue 20 (article PDF): no footnote repeats a reference's address (a link in the text keeps its footnote);
    a \\FloatBarrier before the reference list only (one at every section left half-empty pages); a compact list
    whose last entries share a page; headings move to the next page only near its very bottom."""
    from types import SimpleNamespace

    from sphinx import addnodes
    from sphinx.builders.latex.transforms import ShowUrlsTransform

    from excolor.book.paper import EXTENSION, KEEP_WITH_NEXT, LAST_TOGETHER, FloatsBeforeReferences, KeepTheLastReferencesTogether
    from excolor.book.sphinx_ext import HideReferenceListLinks, RestoreReferenceListLinks

    config = paper_config({'sphinx': {'extra_extensions': ['excolor.book.sphinx_ext'], 'config': {'latex_show_urls': 'footnote'}}}, tmp_path)
    assert config['sphinx']['extra_extensions'] == ['excolor.book.sphinx_ext', EXTENSION]  # the transforms below
    assert config['sphinx']['config']['latex_show_urls'] == 'footnote'
    elements = config['sphinx']['config']['latex_elements']
    assert elements['extrapackages'] == r'\usepackage{placeins}' and elements['figure_align'] == 'htbp'
    assert r'\small' in elements['preamble'] and r'\interlinepenalty=10000' in elements['preamble']
    assert r'\renewcommand{\bottomtitlespace}{.1\textheight}' in elements['preamble']

    settings = get_default_settings(Parser)
    settings.env = SimpleNamespace(config=SimpleNamespace(latex_show_urls='footnote'), path2doc=lambda source: 'x')
    document = new_document('test', settings)
    text, refs = addnodes.start_of_file(docname='intro'), addnodes.start_of_file(docname='references')
    text += nodes.paragraph('', '', nodes.reference('', 'z0u/ex-preppy', refuri='https://github.com/z0u/ex-preppy'))
    entries = [nodes.citation('', nodes.paragraph('', '', nodes.reference('', f'arXiv:1610.0164{i}', refuri=f'https://arxiv.org/abs/1610.0164{i}')))
               for i in range(6)]
    refs += nodes.section('', *entries)
    document += [text, refs]
    transforms = (HideReferenceListLinks, ShowUrlsTransform, RestoreReferenceListLinks, FloatsBeforeReferences, KeepTheLastReferencesTogether)
    assert [t.default_priority for t in transforms] == sorted(t.default_priority for t in transforms)  # Sphinx's order
    for transform in transforms:
        transform(document).run()
    footnotes = list(document.findall(nodes.footnote))
    assert [r['refuri'] for f in footnotes for r in f.findall(nodes.reference)] == ['https://github.com/z0u/ex-preppy']  # the text's link only
    assert [r['refuri'] for r in refs.findall(nodes.reference)] == [f'https://arxiv.org/abs/1610.0164{i}' for i in range(6)]  # still links
    assert refs[0].astext() == '\\FloatBarrier\n' and not list(text.findall(nodes.raw))
    kept = [i for i, e in enumerate(entries) if any(r.astext() == KEEP_WITH_NEXT for r in e.findall(nodes.raw))]
    assert kept == list(range(6 - LAST_TOGETHER, 5))  # no page break before any of the last LAST_TOGETHER entries


def test_float_pages_are_the_first_mention_and_the_caption():
    """Issue 20 (article PDF): the build logs how far each float trails its text; a caption is not a mention."""
    from excolor.book.paper import float_pages

    text = 'as Fig. 1 shows, and Table 1\f  Table 1: numbers\nFig. 2 too\f Fig. 1: a figure\n  Fig. 2: another, unlike Fig. 1'
    assert float_pages(text) == {'Table 1': (1, 2), 'Fig. 1': (1, 3), 'Fig. 2': (2, 3)}

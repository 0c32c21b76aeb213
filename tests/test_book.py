"""excolor.book: assembling runs into the book, the checks before a build, and the Sphinx additions.
The full build, in a browser, is tests/test_site.py."""

import json
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import nbformat
import pytest
import yaml

import excolor.runs
from excolor.book import __main__ as cli
from excolor.book.assemble import (
    IncompleteRuns,
    assemble,
    merge_tree,
    missing_files,
    staged,
)
from excolor.book.build import record_bench
from tests.fixtures.fake_runs import cited_by_pages, write_fake_runs
from excolor.book.layout import book_sources, toc_files
from excolor.book.toc import generated, write_toc
from excolor.runs.layout import experiment_ids
from excolor.book.markdown import table
from excolor.present.numbers import as_markdown as num
from excolor.book.mathjax import vendor_mathjax
from excolor.book.notebooks import hide_parameter_cells, retitle, title
from excolor.book.preflight import RunsNotReady, require_fresh_runs
from excolor.book.provenance import (
    commit_text,
    field,
    provenance_records,
    provenance_table,
)
from excolor.book.reproduction_table import comparison_tables
from excolor.book.sphinx import jupyter_book_command
from excolor.book.sphinx_ext import dark_variant, dedupe_scripts
from excolor.measure.reproduction import compare_all, load_published, load_reruns, load_runs
from tests.conftest import ROOT


@pytest.fixture(scope='module')
def fake_runs(tmp_path_factory) -> Path:
    runs = tmp_path_factory.mktemp('runs')
    write_fake_runs(runs, 'quick', experiments=['ex-2.2', 'ex-2.9.1'], seeds=(0, 1, 2))
    return runs


def test_the_toc_lists_every_experiment_and_study_of_params(tmp_path):
    committed = yaml.safe_load((ROOT / '_toc.yml').read_text())  # `python -m excolor.book` rewrites its generated parts from params/
    pages = [f for f in toc_files(generated(committed, ROOT / 'params')) if f.startswith('book/_runs/') and not f.startswith('book/_runs/report/')]
    assert {p.split('/')[2] for p in pages if '/studies/' not in p} == set(experiment_ids(ROOT / 'params'))
    assert pages[:2] == ['book/_runs/ex-2.2/representative', 'book/_runs/ex-2.2/sweep'] and pages[-1] == 'book/_runs/studies/label-rarity'
    shutil.copytree(ROOT / 'params', tmp_path / 'params')
    (tmp_path / 'params' / 'ex-2.9.2.yaml').write_text('base: ex-2.9.1\nid: ex-2.9.2\ntitle: "Labels twice as rare"\n'
                                                       'training: {data: {labels: {red: {scale: 0.04}}}}\n')
    shutil.copy(ROOT / '_toc.yml', tmp_path / '_toc.yml')
    toc = generated(committed, tmp_path / 'params')
    assert write_toc(tmp_path, toc) and not write_toc(tmp_path, toc)
    files = toc_files(yaml.safe_load((tmp_path / '_toc.yml').read_text()))
    at = files.index('book/_runs/report/wide')
    assert files[at + 1: at + 3] == ['book/_runs/ex-2.9.2/representative', 'book/_runs/ex-2.9.2/sweep']  # a variant's pages, in version order
    assert 'book/paper/method' in files and 'book/_runs/report/statistics' in files  # the hand-written parts stay


def test_toc_files_walks_every_level():
    toc = {'root': 'a', 'parts': [{'chapters': [{'file': 'b', 'sections': [{'file': 'book/_runs/ex-9/sweep'}]}]}]}
    assert toc_files(toc) == ['a', 'b', 'book/_runs/ex-9/sweep']


def test_book_sources_leave_out_generated_pages():
    files = {p.as_posix() for p in book_sources(ROOT)}
    assert {'_config.yml', '_toc.yml', 'book/index.md', 'book/data/published.yaml', 'book/report/reproduction.ipynb'} <= files
    assert not any(f.startswith(('book/_runs/', 'book/_build/')) for f in files)


def test_assemble_puts_both_pages_and_merged_figures_side_by_side(fake_runs, tmp_path):
    out = tmp_path / '_runs'
    assemble(fake_runs / 'quick', ['ex-2.2', 'ex-2.9.1'], out)
    exp = out / 'ex-2.9.1'
    assert (exp / 'representative.ipynb').is_file() and (exp / 'sweep.ipynb').is_file()
    figures = {p.name for p in (exp / 'figures').iterdir()}
    assert {'ex-2.9.1-fake-results.png', 'ex-2.9.1-fake-results.dark.png', 'ex-2.9.1-fake-results.pdf', 'ex-2.9.1-fake-sweep.png'} <= figures
    assert {p.name for p in (exp / 'tables').iterdir()} >= {'ex-2.9.1-fake-named-colours.html', 'ex-2.9.1-fake-sweep.tex'}
    nb = nbformat.read(exp / 'representative.ipynb', as_version=4)
    seed = json.loads((fake_runs / 'quick' / 'ex-2.9.1' / 'sweep' / 'summary.json').read_text())['representative_seed']
    assert f'seed {seed}' in nb.cells[0].source
    assert title(nbformat.read(exp / 'sweep.ipynb', as_version=4)) == 'ex-2.9.1: summary over seeds'  # not the shared template title
    hidden = [c for c in nb.cells if 'remove-cell' in c.metadata.get('tags', [])]
    assert {t for c in hidden for t in c.metadata['tags']} >= {'parameters', 'injected-parameters'}


def test_missing_runs_are_all_listed_before_anything_is_copied(fake_runs, tmp_path):
    runs = tmp_path / 'runs'
    shutil.copytree(fake_runs, runs)
    (runs / 'quick' / 'ex-2.2' / 'showcase' / 'seed-000' / 'notebook.ipynb').unlink()
    (runs / 'quick' / 'ex-2.9.1' / 'sweep' / 'sweep.ipynb').unlink()
    problems = missing_files(runs / 'quick', ['ex-2.2', 'ex-2.9.1', 'ex-2.3'])
    assert len(problems) == 4, problems  # seed-000 notebook, a sweep notebook, and ex-2.3's summary and sweep
    with pytest.raises(IncompleteRuns, match='ex-2.3'):
        assemble(runs / 'quick', ['ex-2.2', 'ex-2.9.1', 'ex-2.3'], tmp_path / 'out')
    assert not (tmp_path / 'out').exists()


def test_merging_figure_folders_refuses_two_different_files_of_one_name(tmp_path):
    a, b, out = tmp_path / 'a', tmp_path / 'b', tmp_path / 'out' / 'figures'
    for folder, data in ((a, b'one'), (b, b'one')):
        folder.mkdir()
        (folder / 'x.png').write_bytes(data)
    merge_tree(a, out)
    merge_tree(b, out)  # identical: fine
    (b / 'x.png').write_bytes(b'two')
    with pytest.raises(IncompleteRuns, match='x.png'):
        merge_tree(b, out)


def test_staged_swaps_in_on_success_and_keeps_the_old_tree_on_failure(tmp_path):
    target = tmp_path / '_runs'
    with staged(target) as stage:
        (stage / 'a').write_text('1')
    assert (target / 'a').read_text() == '1'
    with pytest.raises(RuntimeError), staged(target) as stage:
        (stage / 'a').write_text('2')
        raise RuntimeError('assembly failed')
    assert (target / 'a').read_text() == '1'
    assert [p.name for p in tmp_path.iterdir()] == ['_runs']  # no stage or old copy left behind


def test_bench_is_merged_not_overwritten(tmp_path):
    path = tmp_path / '_build' / 'bench.json'
    path.parent.mkdir()
    path.write_text(json.dumps({'training': {'x': 1}, 'book': {'pdf_seconds': 9}}))
    record_bench(path, {'html_seconds': 3.5, 'profile': 'quick'})
    assert json.loads(path.read_text()) == {'training': {'x': 1}, 'book': {'pdf_seconds': 9, 'html_seconds': 3.5, 'profile': 'quick'}}


class _Problem:
    def __init__(self, text: str):
        self.text = text

    def __str__(self) -> str:
        return self.text


def test_stale_runs_stop_the_build_with_a_list(monkeypatch, tmp_path):
    seen = {}

    def check(profile, experiments, runs_dir=None):
        seen.update(profile=profile, experiments=experiments, runs_dir=runs_dir)
        return [_Problem('ex-2.2 seed 1: stale'), _Problem('ex-2.9 summary: missing')]

    monkeypatch.setattr(excolor.runs, 'check', check, raising=False)
    with pytest.raises(RunsNotReady, match=r'2 run\(s\).*\n  ex-2.2 seed 1: stale\n  ex-2.9 summary: missing'):
        require_fresh_runs('quick', ['ex-2.2', 'ex-2.9'], tmp_path)
    assert seen == {'profile': 'quick', 'experiments': ['ex-2.2', 'ex-2.9'], 'runs_dir': tmp_path}
    monkeypatch.setattr(excolor.runs, 'check', lambda *a, **k: [], raising=False)
    assert 'fresh' in require_fresh_runs('quick', ['ex-2.2'], tmp_path)


def test_cli_refuses_stale_runs_before_touching_the_book(monkeypatch, tmp_path, capsys):
    root = tmp_path / 'book-root'
    root.mkdir()
    shutil.copy(ROOT / '_toc.yml', root / '_toc.yml')
    monkeypatch.setattr(excolor.runs, 'check', lambda *a, **k: [_Problem('ex-2.10 seed 0: missing (never ran)')], raising=False)
    assert cli.main(['--profile', 'quick', '--root', str(root), '--runs-dir', str(tmp_path / 'runs')]) == 1
    assert 'ex-2.10 seed 0: missing' in capsys.readouterr().err
    assert not (root / 'book').exists() and not (root / '_build').exists()


def test_cli_refuses_incomplete_runs_when_the_check_is_skipped(fake_runs, tmp_path, capsys):
    root = tmp_path / 'book-root'
    root.mkdir()
    shutil.copy(ROOT / '_toc.yml', root / '_toc.yml')  # lists five experiments; the fake runs have two
    assert cli.main(['--profile', 'quick', '--skip-check', '--root', str(root), '--runs-dir', str(fake_runs)]) == 1
    assert 'ex-2.3: missing' in capsys.readouterr().err
    assert not (root / 'book' / '_runs').exists()


def test_mathjax_is_not_reinstalled_when_present(monkeypatch, tmp_path):
    dest = tmp_path / '_vendor' / 'mathjax'
    dest.mkdir(parents=True)
    (dest / 'tex-chtml.js').write_text('//')
    monkeypatch.setattr('shutil.which', lambda name: None)
    assert vendor_mathjax(dest) is False
    shutil.rmtree(dest)
    with pytest.raises(RuntimeError, match='npm'):
        vendor_mathjax(dest)


def test_jupyter_book_is_always_a_full_build_that_fails_on_warnings(tmp_path):
    html = jupyter_book_command(tmp_path)
    assert html[1:6] == ['build', '--all', '-W', '-n', '--keep-going'] and html[-1] == str(tmp_path)
    assert jupyter_book_command(tmp_path, 'pdf')[-3:-1] == ['--builder', 'pdflatex']


def test_retitle_replaces_only_the_first_heading():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell('x = 1'), nbformat.v4.new_markdown_cell('Intro\n# Summary over seeds\n\ntext\n# Later')])
    assert title(retitle(nb, 'Ex 2.2: summary over seeds')) == 'Ex 2.2: summary over seeds'
    assert nb.cells[1].source == 'Intro\n# Ex 2.2: summary over seeds\n\ntext\n# Later'
    with pytest.raises(ValueError):
        retitle(nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell('no heading')]), 'x')


def test_hide_parameter_cells_tags_only_papermill_cells():
    nb = nbformat.v4.new_notebook(cells=[
        nbformat.v4.new_code_cell('seed = 0', metadata={'tags': ['parameters']}),
        nbformat.v4.new_code_cell('# Parameters\nseed = 3', metadata={'tags': ['injected-parameters']}),
        nbformat.v4.new_code_cell('run()'),
    ])
    tags = [c.metadata.get('tags', []) for c in hide_parameter_cells(nb).cells]
    assert tags == [['parameters', 'remove-cell'], ['injected-parameters', 'remove-cell'], []]
    assert [c.metadata.get('tags', []) for c in hide_parameter_cells(nb).cells] == tags  # idempotent


def test_reproduction_tables_cite_each_notebook_and_set_our_seed_beside_the_printed_one(fake_runs):
    pub = load_published(ROOT / 'book' / 'data' / 'published.yaml')
    ours = {exp: load_runs(fake_runs / 'quick', exp) for exp in pub['notebooks']}
    rerun = load_reruns(ROOT / 'book' / 'data' / 'upstream-ex-2.9.1-pinned-per-seed.csv')
    rows = compare_all(pub['values'], ours, rerun)
    text = comparison_tables(rows, pub)
    lines = [line for line in text.splitlines() if line.startswith('| ') and not line.startswith('| quantity')]
    assert len(lines) == len(rows)
    assert text.count('](https://github.com/z0u/ex-preppy)') == len(pub['notebooks'])
    assert '**ex-2.9.1**, printed in [ex-2.9.1-delete-red-seed-sweep.ipynb](https://github.com/z0u/ex-preppy)' in text
    assert '| upstream re-run, pinned | ours = re-run |' in text and '| seed\u00a095 |' in text and '| not run |' in text  # a seed and its number on one line


def test_provenance_reads_the_runner_format(fake_runs):
    records = provenance_records(fake_runs / 'quick')
    assert [(e, r) for e, r, _ in records][:4] == [('ex-2.2', 'seed-000'), ('ex-2.2', 'seed-001'), ('ex-2.2', 'seed-002'), ('ex-2.2', 'sweep')]
    prov = {'parts': {'params': 'p' * 64, 'template': 't' * 64}, 'template': '/abs/path.ipynb', 'git': {'commit': 'c' * 40, 'dirty': True}, 'wall_seconds': 2.5}
    assert field(prov, 'params') == 'p' * 64 and field(prov, 'template') == 't' * 64 and field(prov, 'seconds') == 2.5
    assert commit_text(prov) == '`cccccccc`*'
    row = provenance_table([('ex-2.2', 'sweep', prov)]).splitlines()[2]
    assert row == '| ex-2.2 | summary | `pppppppp` | `tttttttt` | – | `cccccccc`* | 2.5 |'
    assert '| ex-2.2 | seed 0 |' in provenance_table(records[:1])


def test_markdown_helpers():
    assert table(['a', 'b'], [[1, 'x|y']]) == '| a | b |\n|---|---|\n| 1 | x\\|y |'
    assert [num(None), num(float('nan')), num(100.0), num(0.0001234), num(7)] == ['–', '–', '100', '0.000123', '7']
    assert [num(9.4e-05, 2), num(-0.0032, 2), num(-3.0)] == [r'$9.4 \times 10^{-5}$', '\u22120.0032', '\u22123']  # never 9.4e-05


def test_fakes_provide_what_pages_cite(tmp_path):
    page = tmp_path / 'results.md'
    page.write_text(
        'r = {glue:text}`../_runs/ex-2.9.1/sweep.ipynb::ablated_r_mean:.2f` and '
        '{glue:text}`../_runs/ex-2.2/representative.ipynb::custom_key:.1f`\n\n'
        '```{figure} ../_runs/ex-2.9.1/figures/ex-2.9.1-overview.*\n:name: f\n\nCaption.\n```\n'
        '```{glue} my_fig\n:doc: ../_runs/ex-2.10/sweep.ipynb\n```\n'
    )
    cited = cited_by_pages([page])
    assert cited.keys[('ex-2.9.1', 'sweep')] == {'ablated_r_mean'}
    assert cited.keys[('ex-2.2', 'representative')] == {'custom_key'}
    assert cited.keys[('ex-2.10', 'sweep')] == {'my_fig'}
    assert cited.figures['ex-2.9.1'] == {'ex-2.9.1-overview'}
    write_fake_runs(tmp_path / 'runs', 'quick', experiments=['ex-2.9.1'], seeds=(0,), cited=cited)
    sweep = tmp_path / 'runs' / 'quick' / 'ex-2.9.1' / 'sweep'
    assert (sweep / 'figures' / 'ex-2.9.1-overview.dark.png').is_file()
    glued = {o.metadata['scrapbook']['name'] for c in nbformat.read(sweep / 'sweep.ipynb', as_version=4).cells if c.cell_type == 'code' for o in c.get('outputs', []) if 'scrapbook' in o.get('metadata', {})}
    assert {'ablated_r_mean', 'ablated_r_n', 'best_seed', 'representative_seed', 'n_seeds'} <= glued


def test_dark_variant_is_the_sibling_dark_png(tmp_path):
    (tmp_path / 'fig.png').write_bytes(b'')
    assert dark_variant('figures/fig.*', str(tmp_path / 'fig.*')) is None
    (tmp_path / 'fig.dark.png').write_bytes(b'')
    assert dark_variant('figures/fig.*', str(tmp_path / 'fig.*')) == 'figures/fig.dark.png'
    assert dark_variant('figures/fig.png', str(tmp_path / 'fig.png')) == 'figures/fig.dark.png'
    assert dark_variant('figures/fig.dark.png', str(tmp_path / 'fig.dark.png')) is None
    assert dark_variant('figures/fig.pdf', str(tmp_path / 'fig.pdf')) is None


def test_duplicate_scripts_are_dropped():
    js = lambda f, **a: SimpleNamespace(filename=f, attributes=a)
    ctx = {'script_files': [js(None, body='const A = 1'), js('x.js'), js('', body='const A = 1'), js('x.js'), js('y.js', defer='defer')]}
    dedupe_scripts(None, 'p', 't', ctx, None)
    assert [(s.filename, s.attributes) for s in ctx['script_files']] == [(None, {'body': 'const A = 1'}), ('x.js', {}), ('y.js', {'defer': 'defer'})]


def test_sphinx_pairs_light_and_dark_figures_in_html_and_keeps_the_vector_one_in_latex(tmp_path):
    src = tmp_path / 'src'
    (src / 'figures').mkdir(parents=True)
    for name in ('fig.png', 'fig.dark.png'):
        (src / 'figures' / name).write_bytes(b'not decoded')
    (src / 'figures' / 'fig.pdf').write_bytes(b'%PDF-1.4\n')
    (src / 'conf.py').write_text("extensions = ['excolor.book.sphinx_ext']\n")
    (src / 'index.rst').write_text('Title\n=====\n\n.. figure:: figures/fig.*\n\n   The caption.\n')
    for builder in ('html', 'latex'):  # one process each: docutils registers node classes globally
        subprocess.run([sys.executable, '-m', 'sphinx', '-W', '-q', '-b', builder, str(src), str(tmp_path / builder)], check=True)
    html = (tmp_path / 'html' / 'index.html').read_text()
    assert 'class="only-light" src="_images/fig.png"' in html and 'class="only-dark" src="_images/fig.dark.png"' in html
    assert '<div class="excolor-themed-image docutils container">' in html
    assert (tmp_path / 'html' / '_static' / 'excolor-book.css').is_file()
    tex = next((tmp_path / 'latex').glob('*.tex')).read_text()
    assert r'\sphinxincludegraphics{{fig}.pdf}' in tex and 'dark' not in tex


def test_the_refusal_names_the_runs_folder_it_read(monkeypatch, tmp_path):
    monkeypatch.setattr(excolor.runs, 'check', lambda *a, **k: [_Problem('ex-2.2 seed 1: missing')], raising=False)
    with pytest.raises(RunsNotReady) as e:
        require_fresh_runs('quick', ['ex-2.2'], tmp_path / 'my runs')
    assert str(e.value).splitlines()[0] == (
        f"1 run(s) missing or stale for profile 'quick'; run `python -m excolor.runs --profile quick --runs-dir '{tmp_path}/my runs'` first:")


def test_reports_run_side_by_side_each_in_its_own_folder(monkeypatch, tmp_path):
    """The kernel's folder is its own, never this process's: no thread may move the process elsewhere
    (papermill's file handler re-enters the current folder around each read and write: harmless)."""
    import os

    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from excolor.book.reports import execute_reports

    here, chdir = os.getcwd(), os.chdir

    def refuse(path):
        if os.path.realpath(path) != os.path.realpath(here):
            raise AssertionError(f'os.chdir({path!r}) while reports run')
        chdir(path)

    templates = tmp_path / 'templates'
    templates.mkdir()
    for name in ('a', 'b'):
        nb = new_notebook(cells=[new_code_cell('tag = ""', metadata={'tags': ['parameters']}),
                                 new_code_cell("from pathlib import Path\nPath('where.txt').write_text(tag)")])
        nb.metadata['kernelspec'] = {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}
        nbformat.write(nb, templates / f'{name}.ipynb')
    monkeypatch.setattr(os, 'chdir', refuse)
    execute_reports(templates, tmp_path / 'out', ('a', 'b'), {'tag': 'written'})
    assert (tmp_path / 'out' / 'where.txt').read_text() == 'written'
    assert not (Path.cwd() / 'where.txt').exists()

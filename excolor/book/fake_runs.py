"""Fake but complete run folders: everything the book reads from `runs/`, without training anything.

For the book's tests (assembly, the site test) and for trying a build in seconds. The folders
follow the runner's contract (see `excolor.book`): per seed `notebook.ipynb` (executed-looking:
papermill parameter cells, glued metrics, a light/dark figure, a table, some maths),
`metrics.json`, `provenance.json`, `figures/`, `tables/`; per experiment `sweep/` with
`sweep.ipynb`, `summary.json`, `figures/`, `tables/`.

So that the real paper pages build against them, `cited_by_pages` reads what the pages cite
from `_runs/` (glue keys, figure and table files) and the fakes provide exactly those, besides
a realistic set of our metric keys. Numbers are made up (deterministic); pages say "fake".
"""

from __future__ import annotations

import hashlib
import re
import shutil
import tempfile
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from excolor.files import atomic_write_bytes, atomic_write_json, atomic_write_text

GLUE_PREFIX = 'application/papermill.record/'
FAKE_FLOATING_POINT = {'environment': 'pinned', 'pinned': True, 'outside': None, 'cpu': {'vendor': 'GenuineIntel', 'model': 'a fake CPU', 'flags': ['avx2', 'fma']},
                       'torch_capability': 'AVX2', 'mkl_cbwr': '0x1000a', 'openblas': ['Haswell'], 'onednn': False, 'variables': {}, 'torch': 'fake'}
STATS = ('mean', 'std', 'min', 'max', 'ci_low', 'ci_high', 'n')

PARAMS_DIR = Path(__file__).resolve().parent.parent.parent / 'params'  # the experiments and studies to fake: the book's


def book_experiments(params_dir: Path = PARAMS_DIR) -> list[str]:
    """The book's experiments, from its params files (as the book's table of contents takes them)."""
    from excolor.runs.layout import experiment_ids

    return experiment_ids(params_dir)


@lru_cache(maxsize=None)  # every fake seed asks again; a params file loads in milliseconds, not in no time
def conditions(experiment: str, params_dir: Path = PARAMS_DIR) -> dict[str, bool]:
    """Condition keys (variant prefixes included, as excolor.evaluation names them) -> has a correlation with similarity, from the params."""
    from excolor.config import load_experiment
    from excolor.evaluation import metric_key

    path = params_dir / f'{experiment}.yaml'
    if not path.exists():
        return {'no_intervention': False, 'ablated': True}
    exp = load_experiment(path)
    many = len(exp.variants) > 1
    return {f'{metric_key(v)}_' * many + metric_key(c.name): c.name in exp.evaluation.correlations
            for v in exp.variants for c in exp.evaluation.conditions if c.variants is None or v in c.variants}


NAMED_COLOURS = ('red', 'orange', 'yellow', 'lime', 'green', 'teal', 'cyan', 'azure', 'blue', 'purple', 'magenta', 'pink',
                 'black', 'dark_gray', 'gray', 'light_gray', 'white')

_GLUE_REF = re.compile(r'_runs/(?P<exp>[^/\s`]+)/(?P<page>representative|sweep)(?:\.ipynb)?::(?P<key>[A-Za-z0-9_]+)')
_GLUE_DOC = re.compile(r'```\{glue\}\s+(?P<key>[A-Za-z0-9_]+)\s*\n(?:\s*:[^\n]*\n)*?\s*:doc:\s*\S*_runs/(?P<exp>[^/\s]+)/(?P<page>representative|sweep)')
_FILE_REF = re.compile(r'_runs/(?P<exp>[^/\s`]+)/(?P<kind>figures|tables)/(?P<name>[^\s`)\]"\']+)')


@dataclass
class Cited:
    """What pages cite from `_runs/`: glue keys per (experiment, page) and files per experiment."""

    keys: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    figures: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    tables: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))


def cited_by_pages(pages: Iterable[Path]) -> Cited:
    """Glue keys, figure stems and table files that Markdown pages reference under `_runs/`."""
    cited = Cited()
    for page in pages:
        text = Path(page).read_text()
        for m in (*_GLUE_REF.finditer(text), *_GLUE_DOC.finditer(text)):
            cited.keys[(m['exp'], m['page'])].add(m['key'])
        for m in _FILE_REF.finditer(text):
            if m['kind'] == 'figures':
                cited.figures[m['exp']].add(re.sub(r'(\.dark)?\.(\*|png|pdf|svg)$', '', m['name']))
            else:
                cited.tables[m['exp']].add(m['name'])
    return cited


def _digest(*parts: object) -> str:
    return hashlib.sha256('/'.join(map(str, parts)).encode()).hexdigest()


def fake_value(*parts: object) -> float:
    """A made-up, deterministic number in [0, 1)."""
    return int(_digest(*parts)[:12], 16) / 16**12


def fake_metrics(experiment: str, seed: int) -> dict[str, float]:
    """Plausible values for our metric keys (the same keys a real run writes, fewer named colours)."""
    out: dict[str, float] = {'seed': float(seed)}
    for cond, correlated in conditions(experiment).items():
        base = 1e-4 if 'no_intervention' in cond else 0.25
        out[f'{cond}_max_mse'] = base * (1 + fake_value(experiment, seed, cond, 'max'))
        out[f'{cond}_median_mse'] = base / 20 * (1 + fake_value(experiment, seed, cond, 'median'))
        for colour in NAMED_COLOURS:  # the 17 named colours every run evaluates; damage gathers near red
            near = colour in ('red', 'orange', 'pink') and 'no_intervention' not in cond
            out[f'{cond}_mse_{colour}'] = (base if near else 1e-4) * (0.2 + fake_value(experiment, seed, cond, colour))
        if correlated:
            r = 0.85 + 0.14 * fake_value(experiment, seed, cond, 'r')
            out.update({f'{cond}_r': r, f'{cond}_r2': r * r, f'{cond}_p': 0.0, f'{cond}_power': 3.0, f'{cond}_abs': r})
    out['labels_red'] = float(round(90 * (0.5 + fake_value(experiment, seed, 'labels'))))  # samples labelled red, as a run counts them
    out['labels_n_total'] = 96_064.0
    scored = [k for k in out if k.endswith('ablated_abs')] or [k for k in out if k.endswith('_abs')]
    if scored:
        out['score'] = out[scored[0]]
    return out


def summarize(per_seed: list[dict[str, float]]) -> dict[str, dict[str, float]]:
    """`summary.json`-style stats per metric (CI: mean ± 2 standard errors, good enough for fakes)."""
    import statistics

    out = {}
    for key in per_seed[0]:
        xs = [m[key] for m in per_seed]
        mean, n = statistics.fmean(xs), len(xs)
        std = statistics.stdev(xs) if n > 1 else None
        half = 2 * std / n**0.5 if std is not None else None
        out[key] = {'mean': mean, 'std': std, 'min': min(xs), 'max': max(xs), 'n': n,
                    'ci_low': None if half is None else mean - half, 'ci_high': None if half is None else mean + half}
    return out


def fake_provenance(experiment: str, profile: str, seed: int | None) -> dict[str, Any]:
    """Shaped like excolor.runs' provenance.json (the fields the reproducibility report reads)."""
    parts = {'kind': 'seed' if seed is not None else 'summary', 'experiment': experiment, 'profile': profile, 'template': _digest('template', experiment),
             'library': _digest('library'), **({'seed': seed, 'params': _digest('params', experiment)} if seed is not None else {})}
    return {'key': _digest(parts), 'parts': parts, 'experiment': experiment, 'profile': profile, 'seed': seed, 'kind': parts['kind'],
            'git': {'commit': '0' * 40, 'dirty': False}, 'wall_seconds': 1.0 + (seed or 0), 'fake': True}


def glue_output(key: str, value: Any) -> nbformat.NotebookNode:
    """What `myst_nb.glue(key, value, display=False)` leaves in a notebook."""
    return new_output('display_data', data={GLUE_PREFIX + 'text/plain': repr(value)}, metadata={'scrapbook': {'name': key, 'mime_prefix': GLUE_PREFIX}})


class _Figures:
    """Draws one small light/dark figure once and writes its bytes under any name."""

    def __init__(self) -> None:
        self._bytes: tuple[bytes, bytes, bytes] | None = None

    def write(self, folder: Path, stem: str, alt: str) -> nbformat.NotebookNode:
        from excolor.figures.saving import FigureFiles, figure_paths

        if self._bytes is None:
            self._bytes = self._draw()
        paths = figure_paths(folder / stem)
        for path, data in zip(paths, self._bytes):
            atomic_write_bytes(path, data)
        data, metadata = FigureFiles(*paths, alt=alt, title=stem)._repr_mimebundle_()
        return new_output('display_data', data=data, metadata=metadata)

    @staticmethod
    def _draw() -> tuple[bytes, bytes, bytes]:
        import matplotlib.pyplot as plt

        from excolor.figures.saving import save_figure

        def draw(theme: Any) -> Any:
            fig, ax = plt.subplots(figsize=(3, 1.5))
            ax.plot([0, 1, 2], [0, 1, 0.5])
            ax.set_title('fake figure')
            return fig

        with tempfile.TemporaryDirectory() as tmp:
            files = save_figure(draw, Path(tmp) / 'fake', alt='A made-up line chart.')
            return files.light.read_bytes(), files.dark.read_bytes(), files.pdf.read_bytes()


def write_table(folder: Path, name: str) -> nbformat.NotebookNode:
    """`tables/<name>` (`.html` and `.tex` when no suffix is given) and its notebook output."""
    html = '<table><thead><tr><th>colour</th><th>MSE</th></tr></thead><tbody><tr><td>red</td><td>0.3</td></tr></tbody></table>'
    tex = '\\begin{tabular}{lr}\n\\toprule\ncolour & MSE \\\\\n\\midrule\nred & 0.3 \\\\\n\\bottomrule\n\\end{tabular}\n'
    m = re.fullmatch(r'(?P<stem>.+?)(?:\.(?P<suffix>html|tex))?', name)
    stem, suffix = m['stem'], m['suffix'] or ''
    for ext, text in (('html', html), ('tex', tex)):
        if suffix in ('', ext):
            atomic_write_text(folder / f'{stem}.{ext}', text)
    return new_output('display_data', data={'text/html': html, 'text/plain': 'colour  MSE\nred     0.3'})


def summary_output(experiment: str, per_seed: list[dict[str, float]]) -> nbformat.NotebookNode:
    """The sweep page's summary table made as the real one is (HTML and LaTeX), over the fake max MSEs."""
    import pandas as pd

    from excolor import metric_labels
    from excolor.tables import style_summary, summary_latex, summary_table, table_text

    df = pd.DataFrame(per_seed)
    table = summary_table(df[[c for c in df.columns if c.endswith('_max_mse')]])
    labels = metric_labels.labels(table.index)
    latex = summary_latex(table, caption=f'{experiment}: fake summary over seeds.', label=f'tab:{experiment}-fake-summary', labels=labels)
    return new_output('display_data', data={'text/html': style_summary(table, labels).to_html(), 'text/latex': latex,
                                            'text/plain': table_text(table, labels)})


def _notebook(title: str, parameters: dict[str, Any], glued: dict[str, Any], figure: nbformat.NotebookNode, tables: list[nbformat.NotebookNode]) -> nbformat.NotebookNode:
    nb = new_notebook()
    nb.metadata = {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}, 'language_info': {'name': 'python'}}
    defaults = '\n'.join(f'{k} = {v!r}' for k, v in {k: type(v)() for k, v in parameters.items()}.items())
    injected = '# Parameters\n' + '\n'.join(f'{k} = {v!r}' for k, v in parameters.items())
    glue_cell = new_code_cell('glue_all(metrics)', execution_count=3, outputs=[glue_output(k, v) for k, v in glued.items()])
    nb.cells = [
        new_markdown_cell(f'# {title}\n\nA **fake** run for testing the book: no model was trained and every number is made up.'),
        new_code_cell(defaults, metadata={'tags': ['parameters']}, execution_count=1),
        new_code_cell(injected, metadata={'tags': ['injected-parameters']}, execution_count=2),
        glue_cell,
        new_markdown_cell('The error is compared with the similarity $s(c)^3$ of each colour $c$ to red:\n\n$$r = \\operatorname{corr}\\big(\\mathrm{MSE}(c),\\ s(c)^3\\big)$$'),
        new_code_cell("page.figure('fake', ...)", execution_count=4, outputs=[figure]),
        new_code_cell("page.table('fake', ...)", execution_count=5, outputs=tables),
        new_code_cell("print('done')", execution_count=6, outputs=[new_output('stream', name='stdout', text='done\n')]),
    ]
    for i, cell in enumerate(nb.cells):
        cell['id'] = f'cell-{i}'
    return nb


def write_fake_runs(
    runs_dir: str | Path,
    profile: str = 'quick',
    *,
    experiments: Iterable[str] | None = None,
    seeds: Iterable[int] = (0, 1),
    cited: Cited | None = None,
) -> Path:
    """Write `runs_dir/<profile>/<experiment>/{seed-NNN,sweep,showcase/seed-NNN}/` for every experiment (default: the book's),
    and every study's points; returns the profile folder."""
    cited = cited or Cited()
    seeds, experiments = list(seeds), list(experiments) if experiments is not None else book_experiments()
    profile_dir = Path(runs_dir) / profile
    figures = _Figures()
    for exp in experiments:
        exp_dir = profile_dir / exp
        per_seed = []
        for seed in seeds:
            run = exp_dir / f'seed-{seed:03d}'
            metrics = fake_metrics(exp, seed)
            metrics.update({k: fake_value(exp, seed, k) for k in cited.keys.get((exp, 'representative'), ()) if k not in metrics})
            per_seed.append(metrics)
            fig = figures.write(run / 'figures', f'{exp}-fake-results', alt=f'Fake results of {exp}, seed {seed}.')
            tables = [write_table(run / 'tables', f'{exp}-fake-named-colours')]
            params = {'experiment': exp, 'profile': profile, 'seed': seed, 'out_dir': str(run)}
            nb = _notebook(f'{exp}, seed {seed} (fake)', params, metrics, fig, tables)
            atomic_write_text(run / 'notebook.ipynb', nbformat.writes(nb))
            atomic_write_json(run / 'metrics.json', metrics)
            atomic_write_json(run / 'floating-point.json', FAKE_FLOATING_POINT)
            atomic_write_json(run / 'provenance.json', fake_provenance(exp, profile, seed))
        sweep = exp_dir / 'sweep'
        stats = summarize(per_seed)
        best = max(seeds, key=lambda s: per_seed[seeds.index(s)].get('score', 0))
        for shown in {seeds[0], best}:  # the runner re-runs the shown seeds with figures under showcase/
            shutil.copytree(exp_dir / f'seed-{shown:03d}', exp_dir / 'showcase' / f'seed-{shown:03d}', dirs_exist_ok=True)
        glued: dict[str, Any] = {f'{m}_{s}': v[s] for m, v in stats.items() for s in STATS if v[s] is not None}
        glued.update({'best_seed': best, 'representative_seed': seeds[0], 'n_seeds': len(seeds),
                      'representative_run': f'runs/{profile}/{exp}/showcase/seed-{seeds[0]:03d}/', 'summary_run': f'runs/{profile}/{exp}/sweep/'})
        glued.update({k: f'{fake_value(exp, "sweep", k):.2f} ± 0.05' if k.endswith('_mean_sd') else fake_value(exp, 'sweep', k)
                      for k in cited.keys.get((exp, 'sweep'), ()) if k not in glued})  # `_mean_sd` is text, as the sweep glues it
        fig = figures.write(sweep / 'figures', f'{exp}-fake-sweep', alt=f'Fake sweep of {exp}.')
        for stem in sorted(cited.figures.get(exp, ())):
            figures.write(sweep / 'figures', stem, alt=f'Fake figure {stem}.')
        tables = [write_table(sweep / 'tables', f'{exp}-fake-sweep')] + [write_table(sweep / 'tables', t) for t in sorted(cited.tables.get(exp, ()))]
        tables.append(summary_output(exp, per_seed))
        nb = _notebook(f'{exp}: summary over seeds (fake)', {'experiment': exp, 'profile': profile}, glued, fig, tables)
        atomic_write_text(sweep / 'sweep.ipynb', nbformat.writes(nb))
        atomic_write_json(sweep / 'summary.json', {'metrics': stats, 'best_seed': best, 'representative_seed': seeds[0], 'seeds': seeds, 'experiment': exp, 'profile': profile})
        atomic_write_json(sweep / 'provenance.json', fake_provenance(exp, profile, None))
    if 'ex-2.9.1' in experiments:
        write_fake_wide(runs_dir, profile)
    write_fake_drift(runs_dir, profile, experiments, seeds)
    write_fake_studies(runs_dir, profile)
    return profile_dir


def write_fake_studies(runs_dir: str | Path, profile: str, params_dir: Path = PARAMS_DIR) -> None:
    """Every study's points for `profile`: its seeds' metrics, in the folders the runner would use (an experiment's own are left alone)."""
    from excolor.runs.layout import STUDIES, point_name
    from excolor.study import load_points, load_study, study_ids

    for name in study_ids(params_dir / STUDIES):
        study = load_study(params_dir / STUDIES / f'{name}.yaml', params_dir)
        for point in load_points(study, profile, params_dir):
            folder = Path(runs_dir) / profile / point_name(point.experiment)
            for seed in study.seeds_for(profile):
                run = folder / f'seed-{seed:03d}'
                if (run / 'metrics.json').exists():
                    continue
                atomic_write_json(run / 'metrics.json', fake_metrics(point.experiment.id, seed + 7919 * len(point.experiment.overrides)))
                atomic_write_json(run / 'floating-point.json', FAKE_FLOATING_POINT)
                atomic_write_json(run / 'provenance.json', fake_provenance(point.experiment.id, profile, seed))


def write_fake_drift(runs_dir: str | Path, profile: str, experiments: list[str], seeds: list[int]) -> None:
    """The book profile's drift companion: each seed re-run in each other environment, its numbers nudged (excolor.drift reads them)."""
    from excolor.book.layout import DRIFT_ENVIRONMENTS, DRIFT_PROFILES

    for environment in DRIFT_ENVIRONMENTS:
        for exp in experiments:
            for seed in seeds:
                run = Path(runs_dir) / f'{DRIFT_PROFILES.get(profile, profile)}@{environment}' / exp / f'seed-{seed:03d}'
                pinned = fake_metrics(exp, seed)
                atomic_write_json(run / 'metrics.json', {k: v * (1 + 1e-4 * (fake_value(environment, seed, k) - 0.5)) for k, v in pinned.items()})
                atomic_write_json(run / 'floating-point.json', {**FAKE_FLOATING_POINT, 'environment': environment, 'pinned': False, 'outside': f'fake {environment}'})
                atomic_write_json(run / 'provenance.json', fake_provenance(exp, profile, seed))


def write_fake_wide(runs_dir: str | Path, profile: str, seeds: int = 40) -> Path:
    """The book profile's wide companion for ex-2.9.1: one chunk folder of `seeds` fake seeds (book/report/wide.ipynb reads it)."""
    from excolor.book.layout import WIDE_PROFILES

    wide = WIDE_PROFILES.get(profile, profile)
    chunk = Path(runs_dir) / wide / 'ex-2.9.1' / f'seeds-000-{seeds - 1:03d}'
    per_seed = {str(s): {**fake_metrics('ex-2.9.1', 1000 + s), 'seed': float(s)} for s in range(seeds)}
    atomic_write_json(chunk / 'metrics.json', {'seeds': per_seed})
    atomic_write_json(chunk / 'provenance.json', fake_provenance('ex-2.9.1', wide, 0))
    return chunk

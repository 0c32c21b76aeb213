"""The wide-sweep page: ex-2.9.1's 1,000 fast seeds beside its 100 exact ones, in the middle and in the tail.

Reads both sweeps' per-seed metrics straight from the run folders, glues every number
(`excolor.measure.tails.glue_values`), draws the ECDF figure in both themes and writes a table, so
the notebook (`book/report/wide.ipynb`) is prose and a few calls.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from IPython.display import Markdown

from excolor.book.markdown import table
from excolor.book.provenance import commit_text, field, provenance_records, seconds, short, total_seconds
from excolor.present.numbers import as_markdown
from excolor.present.figures import save_figure
from excolor.present.figures.tails import plot_ecdfs
from excolor.runs.aggregate import load_metrics
from excolor.present.metric_labels import label
from excolor.notebook.page import glue_all
from excolor.measure.tails import glue_values, tail_key

METRICS = {key: label(key) for key in ('ablated_r', 'suppression_r')}  # key → readers' label
THRESHOLDS = (0.85, 0.9)


class TailsPage:
    def __init__(self, runs_dir: str | Path, profile: str, wide_profile: str, experiment: str = 'ex-2.9.1', out_dir: str | Path = '.'):
        self.runs_dir = Path(runs_dir)
        self.exact = load_metrics(Path(runs_dir) / profile / experiment)
        self.wide = load_metrics(Path(runs_dir) / wide_profile / experiment)
        self.experiment, self.profile, self.wide_profile = experiment, profile, wide_profile
        self.out = Path(out_dir)
        self.values: dict[str, float | int] = {}
        for metric in METRICS:
            self.values |= glue_values(metric, self.wide[metric], self.exact[metric], THRESHOLDS)

    def glue(self) -> None:
        glue_all(self.values)

    def figure(self):
        samples = {m: {'fast, trained together': self.wide[m], 'exact (the book)': self.exact[m]} for m in METRICS}
        alt = (f'Empirical distribution functions of ablation and suppression r over seeds: {len(self.wide)} seeds in fast numerics '
               f'trained together, and {len(self.exact)} seeds in exact numerics; dashed lines at r = ' + ' and '.join(map(str, THRESHOLDS)))
        return save_figure(lambda theme: plot_ecdfs(samples, METRICS, THRESHOLDS, theme=theme), self.out / f'{self.experiment}-wide-ecdf', alt)

    def tail_table(self) -> Markdown:
        rows = []
        for metric, title in METRICS.items():
            for numerics, name in (('fast', 'wide'), ('exact', 'exact')):
                cells = [title, numerics, self.values[f'{metric}_{name}_n']]
                for t in THRESHOLDS:
                    key = tail_key(metric, name, t)
                    v = self.values
                    cells.append(f'{v[f"{key}_k"]} ({as_markdown(100 * v[key], 2)} %; {as_markdown(100 * v[f"{key}_low"], 2)}–{as_markdown(100 * v[f"{key}_high"], 2)} %)')
                rows.append(cells)
        header = ['metric', 'numerics', 'seeds', *(f'seeds with r < {t} (95 % CI)' for t in THRESHOLDS)]
        return Markdown(table(header, rows))

    def tests_table(self) -> Markdown:
        v = self.values
        rows = [[title, as_markdown(v[f'{m}_ks'], 3), as_markdown(v[f'{m}_ks_p'], 2), as_markdown(v[f'{m}_mw_p'], 2), v[f'{m}_paired_n'],
                 f'{as_markdown(v[f"{m}_paired_mean"], 2)} ± {as_markdown(v[f"{m}_paired_sd"], 2)}', as_markdown(v[f'{m}_paired_max_abs'], 2), as_markdown(v[f'{m}_paired_r'], 3)]
                for m, title in METRICS.items()]
        header = ['metric', 'KS D', 'KS p', 'Mann–Whitney p', 'shared seeds', 'fast − exact (mean ± sd)', 'largest |fast − exact|', 'r(fast, exact)']
        return Markdown(table(header, rows))

    def provenance(self) -> Markdown:
        """The wide sweep's run folders (one per chunk of seeds trained together): seeds, commit, key and wall time, and the total."""
        records = provenance_records(self.runs_dir / self.wide_profile, [self.experiment])
        rows = [[f'`runs/{self.wide_profile}/{exp}/{run}/`', f'{field(prov, "seed")}–{int(field(prov, "seed")) + len(prov.get("parts", {}).get("seeds", [])) - 1}'
                 if prov.get('parts', {}).get('seeds') else '–', commit_text(prov), short(prov.get('key')), seconds(field(prov, 'seconds'))]
                for exp, run, prov in records]
        rows.append(['total', f'{len(self.wide)} seeds', '', '', seconds(total_seconds(records))])
        return Markdown(table(['run folder', 'seeds', 'commit', 'key', 'wall time (s)'], rows))

    def per_seed(self) -> pd.DataFrame:
        return self.wide[list(METRICS)]

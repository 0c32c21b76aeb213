"""`StudyPage`: a parameter study pooled, for `book/report/study.ipynb` (one page per `params/studies/*.yaml`).

Each point's seed runs are read from the folder the runner gave them (`runs/<profile>/<point>/`,
the experiment's own folder for a point equal to it). Seeds are paired across values (seed s of
every point starts from the same initial weights and draws), so the figure joins each seed's
values with a line. Every number is glued as `<study>_<metric>_<stat>_<value>`, e.g.
`labelrarity_ablated_r_mean_0p04` (and `_first`, `_last` for the first and last value written), the
failure counts as `<study>_fails_<value>` (with `_fraction`, `_low`, `_high`) for the paper to cite.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import Markdown

from excolor.present import metric_labels
from excolor.present.figures import FigureFiles, save_figure
from excolor.present.numbers import MINUS, cell_markdown, column
from excolor.runs import aggregate
from excolor.runs.layout import STUDIES, default_params_dir, point_name
from excolor.measure.tails import tail
from excolor.measure.spread import bootstrap_ci
from excolor.measure.statistics import PairedComparison, paired_comparison
from excolor.params.study import load_points, load_study


def _short(metric: str) -> str:
    """`ablated_r` → `ablation |r|`: a panel title's few words."""
    _, condition, stat = metric_labels.parse(metric)
    return f'{metric_labels.CONDITIONS.get(condition, condition)} |{stat}|' if condition else f'|{stat}|'


def _signed(x: float) -> str:
    return f'{x:+.3f}'.replace('-', MINUS)


def value_key(value: Any) -> str:
    """A glue-key-safe value: 0.04 → `0p04`."""
    return f'{value:g}'.replace('.', 'p').replace('-', 'm') if isinstance(value, (int, float)) else str(value)


class StudyPage:
    """One study's points × seeds for one profile."""

    def __init__(self, study: str, profile: str, runs_dir: str | Path, params_dir: str | Path = '', out_dir: str | Path = '.'):
        params_dir = Path(params_dir or default_params_dir())
        self.study = load_study(params_dir / STUDIES / f'{study}.yaml', params_dir)
        if len(self.study.vary) != 1:
            raise ValueError(f'{self.study.source}: vary: the study page draws one varied key against its values (this study varies {len(self.study.vary)})')
        self.key = next(iter(self.study.vary))
        self.profile, self.out = profile, Path(out_dir)
        self.seeds = self.study.seeds_for(profile)
        self.points = load_points(self.study, profile, params_dir)
        self.folders = {p.overrides[self.key]: Path(runs_dir) / profile / point_name(p.experiment) for p in self.points}
        frames = {value: aggregate.load_metrics(folder, self.seeds) for value, folder in self.folders.items()}
        self.per_seed = pd.concat(frames, names=['value', 'seed'])
        self.glue_prefix = self.study.id.replace('-', '')
        self.glued: dict[str, Any] = {}

    @property
    def values(self) -> list[Any]:
        return list(self.folders)

    def intervals(self) -> pd.DataFrame:
        """Per (value, metric): mean, 95 % bootstrap CI of the mean, standard deviation, range and n over seeds."""
        rows = {}
        for value in self.values:
            for metric in self.study.metrics:
                x = self.per_seed.loc[value, metric].dropna().to_numpy(dtype=float)
                lo, hi = bootstrap_ci(x)
                rows[(value, metric)] = {'mean': x.mean(), 'ci_low': lo, 'ci_high': hi, 'std': x.std(ddof=1) if len(x) > 1 else float('nan'),
                                         'min': x.min(), 'max': x.max(), 'n': len(x)}
        return pd.DataFrame.from_dict(rows, orient='index').rename_axis(['value', 'metric'])

    def failures(self) -> pd.DataFrame:
        """Per value: seeds where |metric| is below the study's threshold, and the exact 95 % interval of that fraction."""
        rule = self.study.fails
        rows = {}
        for value in self.values:
            t = tail(self.per_seed.loc[value, rule.metric].abs().to_numpy(), rule.below)
            rows[value] = {'k': t.k, 'n': t.n, 'fraction': t.fraction, 'low': t.low, 'high': t.high}
        return pd.DataFrame.from_dict(rows, orient='index').rename_axis('value')

    def glue(self) -> None:
        """Every statistic of every metric at every value, and the failure counts, for the paper."""
        from myst_nb import glue

        p = self.glue_prefix
        values: dict[str, Any] = {f'{p}_n_seeds': len(self.seeds), f'{p}_threshold': self.study.fails.below, f'{p}_n_values': len(self.values)}
        # Each value by name (`_0p04`), and the first and last value as written (`_first`, `_last`): a page that cites
        # those reads the same in every profile, however many values the profile tries.
        names = {value: [value_key(value)] for value in self.values}
        names[self.values[0]].append('first')
        names[self.values[-1]].append('last')
        for value, row in self.failures().iterrows():
            for v in names[value]:
                values |= {f'{p}_value_{v}': value, f'{p}_fails_{v}': int(row['k']), f'{p}_fails_fraction_{v}': row['fraction'],
                           f'{p}_fails_low_{v}': row['low'], f'{p}_fails_high_{v}': row['high']}
        for (value, metric), row in self.intervals().iterrows():
            for v in names[value]:
                values |= {f'{p}_{metric}_{stat}_{v}': row[stat] for stat in row.index}
        if {'labels_red', 'labels_n_total'} <= set(self.per_seed.columns):  # how rare the label was, as drawn
            share = 100 * self.per_seed['labels_red'] / self.per_seed['labels_n_total']
            for value in self.values:
                for v in names[value]:
                    values[f'{p}_labelled_percent_{v}'] = float(share.loc[value].mean())
        change = self.change()
        values |= change.as_glue(f'{p}_change') | {f'{p}_change_text': self.change_text(change)}
        values = {k: v.item() if hasattr(v, 'item') else v for k, v in values.items()}  # numpy scalars would glue as their repr
        for key, value in values.items():
            glue(key, value, display=False)
        self.glued = values

    def change(self) -> PairedComparison:
        """The headline metric at the last value − at the first, seed by seed (seeds are paired across values)."""
        metric = self.study.metrics[0]
        return paired_comparison(self.per_seed.loc[self.values[-1], metric], self.per_seed.loc[self.values[0], metric])

    def change_text(self, c: PairedComparison) -> str:
        """The change in words a rebuild cannot falsify: its direction follows the interval, not a hope."""
        verdict = ('lower' if c.ci_high < 0 else 'higher' if c.ci_low > 0 else 'not clearly different') + f' at {self.values[-1]:g} than at {self.values[0]:g}'
        return (f'{verdict} (paired mean difference {_signed(c.mean_difference)}, 95 % bootstrap CI {_signed(c.ci_low)} to {_signed(c.ci_high)}; '
                f'lower in {self.fell()} of {c.n} seeds; Wilcoxon p = {c.p_value:.2g})')

    def fell(self) -> int:
        """Seeds whose headline metric is lower at the last value than at the first."""
        metric = self.study.metrics[0]
        last, first = self.per_seed.loc[self.values[-1], metric], self.per_seed.loc[self.values[0], metric]
        return int((last < first).sum())

    def describe(self) -> Markdown:
        s = self.study
        shown = ', '.join(f'{v:g}' if isinstance(v, float) else str(v) for v in self.values)
        return Markdown(
            f'**{s.title}** (`params/studies/{s.id}.yaml`, profile `{self.profile}`): experiment `{s.experiment}` with '
            f'`{self.key}` set to {shown}; seeds {self.seeds[0]}–{self.seeds[-1]} ({len(self.seeds)}) at every value, in exact numerics. '
            f'A seed counts as a failure when |{metric_labels.label(s.fails.metric)}| is below {s.fails.below:g}.')

    def figure(self) -> FigureFiles:
        from excolor.present.figures.study import plot_study

        rule = self.study.fails
        titles = metric_labels.labels(self.study.metrics)
        alt = (f'{self.study.title}: for each of {", ".join(metric_labels.label(m) for m in self.study.metrics)}, one grey line per seed '
               f'({len(self.seeds)} seeds) across the values of {self.key} ({", ".join(f"{v:g}" for v in self.values)}, log scale, rarer to the '
               f'right), with the mean and its 95 % confidence interval on top; the last panel is the fraction of seeds with '
               f'|{metric_labels.label(rule.metric)}| below {rule.below:g}, with its exact 95 % interval.')
        return save_figure(
            lambda theme: plot_study(self.per_seed, self.study.metrics, titles, theme=theme, xlabel=self.study.axis or self.key.split('.')[-1],
                                     intervals=self.intervals(), failures=self.failures(),
                                     failure_title=f'Failed: {_short(rule.metric)} < {rule.below:g} (fraction)'),
            self.out / 'figures' / f'{self.study.id}', alt=alt)

    def table(self) -> Markdown:
        """One row per value: each metric's mean with its 95 % CI, and the failures."""
        iv, fails = self.intervals(), self.failures()
        head = [self.key.split('.')[-1], 'seeds', *(metric_labels.label(m) for m in self.study.metrics), 'failures']
        lines = ['| ' + ' | '.join(head) + ' |', '|' + '--:|' * len(head)]
        shown = {}  # per metric, its means and bounds by one rule (excolor.present.numbers.column)
        for metric in self.study.metrics:
            rows = iv.xs(metric, level='metric').reindex(self.values)[['mean', 'ci_low', 'ci_high']]
            cells = iter(column(rows.to_numpy(dtype=float).ravel()))
            shown[metric] = {value: [cell_markdown(next(cells)) for _ in range(3)] for value in self.values}
        for value in self.values:
            cells = [f'{value:g}', str(int(fails.loc[value, 'n']))]
            cells += [f'{m} [{lo}, {hi}]' for m, lo, hi in (shown[metric][value] for metric in self.study.metrics)]
            cells.append(f'{int(fails.loc[value, "k"])} of {int(fails.loc[value, "n"])}')
            lines.append('| ' + ' | '.join(cells) + ' |')
        return Markdown('\n'.join(lines))

    def folders_table(self) -> Markdown:
        """Where each value's runs are: the experiment's own folder for its own value."""
        lines = [f'| {self.key.split(".")[-1]} | run folder |', '|--:|:--|']
        for value, folder in self.folders.items():
            lines.append(f'| {value:g} | `runs/{self.profile}/{folder.name}/seed-NNN/` |')
        return Markdown('\n'.join(lines))

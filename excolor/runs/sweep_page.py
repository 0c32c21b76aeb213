"""`SweepPage`: what the sweep summary notebook shows, so the notebook is a few calls and its prose.

Built once per experiment from the seeds' `metrics.json`: it writes `summary.json` (the runner
reads the representative seed from it) and the per-seed CSV, glues every statistic for the
book's `{glue:text}` references, and then draws the distributions and renders the tables on
request. The rules themselves (statistics, best and representative seed) are in `aggregate`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from IPython.display import Markdown

from excolor.present import metric_labels
from excolor.files import atomic_write_json, atomic_write_text
from excolor.runs import aggregate
from excolor.runs.layout import PUBLISHED, Layout
from excolor.present.tables import Table

MAX_SHOWN = 10  # metrics in the distributions figure and the headline table


class SweepPage:
    """One experiment's seeds pooled: statistics, the chosen seeds, figures and tables under `out`."""

    def __init__(self, experiment: str, profile: str, runs_dir: str = '', out_dir: str = '', seeds: list[int] | tuple[int, ...] = ()):
        from myst_nb import glue

        self.experiment, self.profile = experiment, profile
        layout = Layout.make(runs_dir or None)
        self.out = Path(out_dir) if out_dir else layout.sweep_dir(profile, experiment)
        self.per_seed = aggregate.load_metrics(layout.experiment_dir(profile, experiment), list(seeds) or None)
        self.summary: dict[str, Any] = aggregate.summary_json(self.per_seed, aggregate.summarize(self.per_seed), experiment=experiment, profile=profile)
        atomic_write_json(self.out / 'summary.json', self.summary)
        atomic_write_text(self.out / 'tables' / f'{experiment}-sweep-per-seed.csv', self.per_seed.to_csv())
        for name, value in aggregate.glue_values(self.summary).items():
            glue(name, value, display=False)
        # Where the book's figures of this experiment were drawn, for captions that must say so in print too
        showcase = layout.showcase_dir(profile, experiment, self.summary['representative_seed'])
        glue('representative_run', f'runs/{showcase.relative_to(layout.runs_dir).as_posix()}/', display=False)
        glue('summary_run', f'runs/{layout.sweep_dir(profile, experiment).relative_to(layout.runs_dir).as_posix()}/', display=False)
        self.published = aggregate.published_values(PUBLISHED, experiment)
        shown = aggregate.headline_metrics(self.per_seed)
        shown += [m for m in self.published if m in self.per_seed.columns and m not in shown][: max(0, MAX_SHOWN - len(shown))]
        self.shown = shown
        self.labels = metric_labels.labels(self.per_seed.columns, self.per_seed.mean().to_dict())

    @property
    def best(self) -> int:
        return self.summary['best_seed']

    @property
    def representative(self) -> int:
        return self.summary['representative_seed']

    def headline(self) -> Markdown:
        """One line: how many seeds, the best and the representative seed with their scores."""
        df, rank = self.per_seed, self.summary['rank_metric']
        what = self.labels.get(rank, rank)
        return Markdown(f'**{self.experiment}**, profile `{self.profile}`: {len(df)} seeds ({df.index.min()}–{df.index.max()}). '
                        f'Best seed by {what}: **{self.best}** ({df.loc[self.best, rank]:.3f}). Representative seed, the one its page shows: '
                        f'**{self.representative}**, {self.summary["representative_rule"]}.')

    def distributions(self, which: str = 'headline'):
        """Every shown metric over seeds (`headline`), or only its correlations with similarity (`correlations`: the
        paper's compact figure; None without any), with the best and representative seed and the published number marked."""
        from excolor.present.figures import save_figure
        from excolor.present.figures.sweep import plot_metric_distributions

        if which not in ('headline', 'correlations'):
            raise ValueError(f"which must be 'headline' or 'correlations', not {which!r}")
        metrics = self.shown if which == 'headline' else [m for m in self.shown if m.endswith('_r')]  # statistic r (excolor.measure.evaluation)
        if not metrics:
            return None  # an experiment that measures no correlation
        published = {m: self.published[m] for m in metrics if m in self.published}
        return save_figure(
            lambda theme: plot_metric_distributions(self.per_seed, metrics, theme=theme, published=published,
                                                    highlight={'best': self.best, 'representative': self.representative}, labels=self.labels),
            self.out / 'figures' / f'{self.experiment}-sweep-{"distributions" if which == "headline" else which}',
            alt=f'{self.experiment}: distributions over {len(self.per_seed)} seeds of {"; ".join(self.labels[m] for m in metrics)}, with the best seed '
                f'({self.best}) and the representative seed ({self.representative}) marked.',
        )

    def summary_table(self, which: str = 'headline') -> Table:
        """Mean, std, range and 95 % CI per metric (`headline`: the shown ones; `all`: every metric), saved as HTML and LaTeX."""
        from excolor.present.tables import save_table, style_summary, summary_latex, summary_table, table_text

        if which not in ('headline', 'all'):
            raise ValueError(f"which must be 'headline' or 'all', not {which!r}")
        headline = which == 'headline'
        table = summary_table(self.per_seed[self.shown] if headline else self.per_seed)
        what, name = ('headline metrics', 'summary') if headline else ('every metric', 'all')
        html = style_summary(table, self.labels).to_html()
        latex = summary_latex(table, caption=f'{self.experiment}: {what} over {len(self.per_seed)} seeds (profile {self.profile}).',
                              label=f'tab:{self.experiment}-sweep-{name}', labels=self.labels)
        save_table(html, latex, self.out / 'tables' / f'{self.experiment}-sweep-{name}')
        return Table(html, latex, table_text(table, self.labels))

    def downloads(self) -> Markdown:
        """Links to every metric of every seed (CSV) and to the summary (JSON), as the book's page serves them."""
        return Markdown(f'Downloads: {{download}}`every metric of every seed (CSV) <tables/{self.experiment}-sweep-per-seed.csv>`; '
                        '{download}`the summary, every statistic and the chosen seeds (JSON) <summary.json>`.')

    def per_seed_table(self) -> Table:
        """The shown metrics of every seed (HTML and LaTeX)."""
        from excolor.present.tables import per_seed_latex, style_per_seed, table_text

        df = self.per_seed[self.shown]
        latex = per_seed_latex(df, caption=f'{self.experiment}: the headline metrics of every seed (profile {self.profile}).',
                               label=f'tab:{self.experiment}-sweep-per-seed', labels=self.labels)
        return Table(style_per_seed(df, self.labels).to_html(), latex, table_text(df, self.labels, 4))

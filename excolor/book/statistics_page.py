"""`StatisticsPage`: the numbers behind the paper's claims across experiments, for `book/report/statistics.ipynb`.

Read at build time from every experiment's per-seed metrics (`runs/<profile>/<experiment>/seed-NNN/`):
the headline table (`excolor.book.headline_table`, written as `headline-table.md` beside the page
for the paper to include), Ex 2.10's paired comparison of the model with and without the unitarity
term, and how concentrated each intervention's damage is (`excolor.measure.statistics`). Every number the
paper quotes from here is glued; figures go to `figures/` beside the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pandas as pd
from IPython.display import Markdown

from excolor.present import metric_labels
from excolor.book import headline_table
from excolor.present.figures import FigureFiles, save_figure
from excolor.files import atomic_write_text
from excolor.present.numbers import as_latex
from excolor.runs import aggregate
from excolor.measure.statistics import PairedComparison, concentration, paired_comparison, summarize_ratios

PAIRED_EXPERIMENT = 'ex-2.10'
PAIRED = ('with_unitarity', 'without_unitarity')


def experiment_order(name: str) -> tuple[int, ...]:
    """`ex-2.9.1` → (2, 9, 1): experiments in numeric order (2.9 < 2.9.1 < 2.10)."""
    return tuple(int(x) for x in re.findall(r'\d+', name))


def glue_key(experiment: str) -> str:
    """`ex-2.9.1` → `ex291`: a glue-key-safe experiment id."""
    return experiment.replace('-', '').replace('.', '')


def claim_verdict(result: PairedComparison) -> str:
    """What the paired seeds say of Ex 2.10's single-seed claim that ablation is more specific
    without unitarity (r with − r without < 0): a phrase the paper pastes after "the claim"."""
    if result.ci_low <= 0 <= result.ci_high:
        return 'is not established over seeds'
    return 'holds over seeds' if result.ci_high < 0 else 'is reversed over seeds'


class StatisticsPage:
    """Every experiment's seeds, pooled across experiments."""

    def __init__(self, runs_dir: str | Path, profile: str, published: str | Path = '', out_dir: str | Path = '.', experiments: list[str] = ()):
        """`experiments`: the book's (its params files); none given: every experiment under `runs/<profile>/` with a summary."""
        self.profile_dir = Path(runs_dir) / profile
        self.out = Path(out_dir)
        self.published_path = Path(published) if published else None
        summaries = sorted(self.profile_dir.glob('*/sweep/summary.json'), key=lambda p: experiment_order(p.parent.parent.name))
        self.experiments = [p.parent.parent.name for p in summaries if not experiments or p.parent.parent.name in experiments]
        self.per_seed = {e: aggregate.load_metrics(self.profile_dir / e) for e in self.experiments}
        self.glued: dict[str, Any] = {}

    def glue(self, values: dict[str, Any]) -> None:
        from myst_nb import glue

        for key, value in values.items():
            glue(key, value, display=False)
            self.glued[key] = value

    # ── the headline table ──

    def headline_table(self) -> Markdown:
        """Write `headline-table.md` (the paper includes it) and show the same table here, unnamed."""
        rows = []
        for e in self.experiments:
            published = aggregate.published_values(self.published_path, e) if self.published_path else {}
            rows += headline_table.rows_for(e, self.per_seed[e], published)
        atomic_write_text(self.out / 'headline-table.md', headline_table.myst_table(rows))
        return Markdown(headline_table.markdown(rows))

    # ── Ex 2.10: with against without unitarity ──

    def paired(self, statistic: str = 'ablated_r') -> PairedComparison:
        """With − without unitarity, seed by seed, for one statistic; glued as `ex210_<statistic>_<field>`,
        and for r also the verdict on the original's single-seed claim (`ex210_ablated_r_claim`)."""
        df = self.per_seed[PAIRED_EXPERIMENT]
        a, b = (df[f'{v}_{statistic}'] for v in PAIRED)
        result = paired_comparison(a, b)
        prefix = f'{glue_key(PAIRED_EXPERIMENT)}_{statistic}'
        self.glue(result.as_glue(prefix))
        if statistic == 'ablated_r':
            self.glue({f'{prefix}_claim': claim_verdict(result)})
        return result

    def paired_summary(self, result: PairedComparison, what: str) -> Markdown:
        """One sentence: the difference, its CI, the test and the effect size."""
        return Markdown(
            f'**{what}**, with − without unitarity over {result.n} seeds: mean difference '
            f'${as_latex(result.mean_difference, 2)}$ (95 % bootstrap CI ${as_latex(result.ci_low, 2)}$ to ${as_latex(result.ci_high, 2)}$), '
            f'median ${as_latex(result.median_difference, 2)}$; higher with unitarity in {result.a_higher} of {result.n} seeds; '
            f'Wilcoxon signed-rank $W = {result.wilcoxon_statistic:g}$, $p = {as_latex(result.p_value, 2)}$; '
            f'rank-biserial correlation ${result.rank_biserial:+.2f}$.'
        )

    def paired_figure(self) -> FigureFiles:
        from excolor.present.figures.paired import plot_paired_seeds

        df = self.per_seed[PAIRED_EXPERIMENT]
        pairs = [(f'{v}_ablated_r', f'{w}_ablated_r') for v, w in [PAIRED]] + [(f'{v}_ablated_median_mse', f'{w}_ablated_median_mse') for v, w in [PAIRED]]
        titles = [metric_labels.statistic_label('r', 'ablated', None) + ' after ablation', 'Median MSE after ablation']
        names = tuple(metric_labels.VARIANTS[v] for v in PAIRED)
        return save_figure(
            lambda theme: plot_paired_seeds(df, pairs, theme=theme, names=names, titles=titles, log=(False, True)),
            self.out / 'figures' / 'ex-2.10-paired-seeds',
            alt=f'Ex 2.10, {len(df)} seeds: for each seed a line joins the model trained with unitarity to the one trained without, '
                'for the correlation of the ablation error with similarity to red (left) and the median error after ablation (right, log scale); '
                'short bars mark the means.',
        )

    # ── concentrated damage ──

    def interventions(self, experiment: str) -> list[tuple[str | None, str]]:
        """(variant, condition) pairs of an experiment's interventions (not `no_intervention`), as measured."""
        out: list[tuple[str | None, str]] = []
        for key in self.per_seed[experiment].columns:
            variant, condition, stat = metric_labels.parse(str(key))
            # pruning reconstructs exactly as ablation does (the method section); one row says it
            if condition not in (None, 'no_intervention', 'pruned') and stat == 'mse_red' and (variant, condition) not in out:
                out.append((variant, condition))
        return out

    def concentration(self) -> pd.DataFrame:
        """Per experiment and intervention: the near-red ÷ rest error ratio's geometric mean and range over seeds,
        with the same models' ratio without intervention; glued as `conc_<exp>_<variant_><condition>_<field>`."""
        rows = []
        self._ratios: list[tuple[str, pd.Series, pd.Series]] = []
        for e in self.experiments:
            df = self.per_seed[e]
            for variant, condition in self.interventions(e):
                prefix = f'{variant}_' if variant else ''
                treated = concentration(df, f'{prefix}{condition}')
                baseline = concentration(df, f'{prefix}no_intervention')
                t, b = summarize_ratios(treated), summarize_ratios(baseline)
                key = f'conc_{glue_key(e)}_{prefix}{condition}'
                self.glue(t.as_glue(key) | b.as_glue(f'{key}_baseline'))
                name = f'{headline_table.experiment_name(e)}, {metric_labels.CONDITIONS[condition]}' + (f' ({metric_labels.VARIANTS[variant]})' if variant else '')
                self._ratios.append((name, treated, baseline))
                rows.append({'experiment · intervention': name, 'seeds': t.n, 'ratio (geometric mean)': t.geometric_mean,
                             'lowest': t.low, 'highest': t.high, 'seeds above 10': t.above_ten, 'without intervention': b.geometric_mean})
        return pd.DataFrame(rows)

    def concentration_markdown(self, table: pd.DataFrame) -> Markdown:
        """The ratios as a table readers can read in HTML and the PDF alike."""
        def ratio(x: float) -> str:  # as the paper's prose glues them (`:.3g`)
            return f'{x:.3g}'

        lines = ['| Experiment · intervention | n | Ratio (geometric mean) | Range | Above 10 | Without intervention |', '|:--|--:|--:|--:|--:|--:|']
        for r in table.to_dict('records'):
            lines.append(f'| {r["experiment · intervention"]} | {r["seeds"]} | {ratio(r["ratio (geometric mean)"])} | '
                         f'{ratio(r["lowest"])}–{ratio(r["highest"])} | {r["seeds above 10"]} | {ratio(r["without intervention"])} |')
        return Markdown('\n'.join(lines))

    def concentration_figure(self) -> FigureFiles:
        from excolor.present.figures.concentration import plot_concentration

        if not hasattr(self, '_ratios'):
            self.concentration()
        return save_figure(
            lambda theme: plot_concentration(self._ratios, theme=theme),
            self.out / 'figures' / 'concentration',
            alt='For each experiment and intervention, one dot per seed: the mean error of red, orange and pink divided by the mean error '
                'of the other 14 named colours, on a log scale, filled after the intervention and hollow for the same model without it; '
                'a dashed line marks a ratio of 1 (damage spread evenly).',
        )

"""What an experiment notebook needs besides the science: where its outputs go, and how numbers reach the book.

A notebook opens a `RunPage` with its papermill parameters; everything it saves (metrics,
figures, tables, the training log) lands in the run folder, and every metric is glued so the
paper can cite it as `{glue:text}` from the executed notebook.

Only the sweep runner fills a sweep's run folders: it passes a fresh staging folder as `out_dir`
and publishes it whole with the notebook and its provenance. A notebook run by hand (no
`out_dir`) writes to `<runs>/by-hand/<profile>/<experiment>/seed-NNN/` under the same runs root
(`$EXCOLOR_RUNS`, else `<repo>/runs`), and no notebook ever writes into a published run.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import pandas as pd
from IPython.display import HTML, Markdown

from excolor import floating_point
from excolor.config import Experiment, load_experiment
from excolor.experiment import ExperimentRun, params_path, run_experiment, save_trained
from excolor.files import atomic_write_json
from excolor.numbers import as_markdown
from excolor.runs.layout import FLOATING_POINT, PROVENANCE, Layout


class PublishedRunError(RuntimeError):
    """`out_dir` holds a run the sweep published; writing into it would pass new numbers off under the old provenance."""


def output_folder(out_dir: str, by_hand: Path) -> Path:
    """Where a notebook writes: the runner's staging folder, or `by_hand`; never into a published run."""
    out = Path(out_dir) if out_dir else by_hand
    if (out / PROVENANCE).exists():
        raise PublishedRunError(f'{out} holds a run the sweep published ({PROVENANCE}); a notebook never writes into one. '
                                f'Leave out_dir empty (a by-hand run goes to {by_hand}) or re-run it with `python -m excolor.runs`')
    out.mkdir(parents=True, exist_ok=True)
    return out


class RunPage:
    """One experiment notebook executed for one seed, writing into its run folder."""

    def __init__(self, experiment: str, profile: str, seed: int, out_dir: str = '', params_dir: str = '', figures: bool = True, trained: str = ''):
        self.experiment: Experiment = load_experiment(params_path(experiment, params_dir or None))
        self.profile, self.seed, self.figures = profile, int(seed), figures
        self.trained = trained  # a run folder of this seed whose trained models to evaluate instead of training
        self.out = output_folder(out_dir, Layout.make().by_hand_dir(profile, experiment, self.seed))
        self.run_result: ExperimentRun | None = None

    def describe(self) -> Markdown:
        """The model, regularizers and schedule keyframes, as a Markdown block."""
        e = self.experiment
        lines = [f'**{e.title}** (`{e.id}`, seed {self.seed}, profile `{self.profile}`); reproduces `{e.seed_notebook}`.', '']
        lines += ['| regularizer | term | layer | labels | phases |', '|---|---|---|---|---|']
        for r in e.regularizers:
            lines.append(f"| `{r.name}` | {r.term} | `{r.layer}` | {', '.join(r.labels) if r.labels else 'all samples'} | {', '.join(r.phases)} |")
        keys = pd.DataFrame(e.schedule.keyframes()).set_index('STEP').map(lambda x: '' if pd.isna(x) else as_markdown(x))
        lines += ['', f'Schedule `{e.training.schedule}` ({e.schedule.length} steps), keyframes (a blank: that column has no keyframe at that step):',
                  '', keys.to_markdown(stralign='right')]
        return Markdown('\n'.join(lines))

    def run(self, progress: bool | None = None) -> ExperimentRun:
        """Train and evaluate every variant; save metrics and training logs; glue every metric."""
        result = run_experiment(self.experiment, self.seed, progress=progress, trained=self.trained or None)
        self.run_result = result
        metrics = result.metrics()
        save_trained(result, self.out)
        atomic_write_json(self.out / 'metrics.json', metrics)
        atomic_write_json(self.out / FLOATING_POINT, floating_point.state().as_dict())
        for v in result.variants.values():
            v.training.save_log(self.out / 'logs' / f'{v.name}.csv')
        glue_all(metrics)
        return result

    def figure(self, name: str, draw: Callable[..., Any], *args: Any, alt: str, **kwargs: Any):
        """Draw a figure in light and dark, save PNGs and PDF under `figures/`, and show it.

        With `figures=False` (a sweep's metrics-only runs) nothing is drawn: drawing costs more
        than training these models, and only the seeds a page shows need pictures.
        """
        from excolor.figures import save_figure

        if not self.figures:
            return Markdown(f'*Figure `{name}` is not drawn in metrics-only runs (`figures = False`).*')
        return save_figure(lambda theme: draw(*args, theme=theme, **kwargs), self.out / 'figures' / name, alt)

    def table(self, name: str, html: str, latex: str) -> HTML:
        """Save a table as `tables/<name>.html` and `.tex`, and show the HTML."""
        from excolor.tables import save_table

        save_table(html, latex, self.out / 'tables' / name)
        return HTML(html)


def glue_all(metrics: dict[str, float]) -> None:
    """Glue every number (without displaying it) for `{glue:text}` references from other pages."""
    from myst_nb import glue

    for key, value in metrics.items():
        glue(key, value, display=False)

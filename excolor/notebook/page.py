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

import difflib
import inspect
import json
import os
import platform
import shutil
import socket
from collections.abc import Iterable, Mapping
from datetime import datetime, timezone
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import pandas as pd
from IPython.display import HTML, Markdown

from excolor.train import floating_point
from excolor.params.schema import Experiment, load_experiment
from excolor.notebook.experiment import ExperimentRun, params_path, run_experiment, save_trained
from excolor.files import atomic_write_json
from excolor.present.numbers import as_markdown
from excolor.runs.layout import FLOATING_POINT, PROVENANCE, Layout, point_name

IPYTHON_NAMES = ('In', 'Out')  # what a kernel defines before any cell runs (besides callables and _-names)


class PublishedRunError(RuntimeError):
    """`out_dir` holds a run the sweep published; writing into it would pass new numbers off under the old provenance."""


class UnknownParameterError(TypeError):
    """A notebook was given a parameter it does not take (papermill itself only warns, and runs on with the default)."""


def given_parameters(namespace: Mapping[str, Any], accepted: Iterable[str]) -> dict[str, Any]:
    """The values of the notebook's parameters cell and papermill's injected cell; refuses any name the notebook does not take.

    papermill answers `-p scale 0.04` with a warning and trains the params file's value: a run that
    looks changed and is not. Values of the params file are changed with `overrides` (the runner's `--set`).
    """
    accepted = list(accepted)
    values = {k: v for k, v in namespace.items()
              if not k.startswith('_') and k not in IPYTHON_NAMES and not callable(v) and not isinstance(v, ModuleType)}
    unknown = sorted(set(values) - set(accepted))
    if unknown:
        close = difflib.get_close_matches(unknown[0], accepted, n=1)
        hint = f'; did you mean {close[0]!r}?' if close else ''
        raise UnknownParameterError(
            f'unknown notebook parameter {", ".join(map(repr, unknown))}{hint}; this notebook takes {", ".join(accepted)}. A value of the '
            "params file is changed with `overrides`, e.g. papermill … -y \"overrides: {training.data.labels.red.scale: 0.04}\"")
    return {k: values[k] for k in accepted if k in values}


def output_folder(out_dir: str, by_hand: Path) -> Path:
    """Where a notebook writes: the runner's staging folder, or `by_hand`; never into a published run.

    A by-hand folder holds the last by-hand run of its experiment, seed and overrides: a new one replaces it whole.
    """
    out = Path(out_dir) if out_dir else by_hand
    if (out / PROVENANCE).exists():
        if out_dir or not json.loads((out / PROVENANCE).read_text()).get('by_hand'):
            raise PublishedRunError(f'{out} holds a run the sweep published ({PROVENANCE}); a notebook never writes into one. '
                                    f'Leave out_dir empty (a by-hand run goes to {by_hand}) or re-run it with `python -m excolor.runs`')
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_by_hand_provenance(out: Path, experiment: Experiment, profile: str, seeds: list[int], started: datetime) -> None:
    """`provenance.json` of a by-hand run, as the runner writes it (key, parameters, code, floating point), marked `by_hand`."""
    from excolor.runs import keys
    from excolor.runs.plan import job_for

    job = job_for(experiment, profile, seeds)
    atomic_write_json(out / PROVENANCE, {
        'by_hand': True, 'key': job.key, 'parts': job.parts, 'experiment': job.experiment, 'profile': profile, 'seed': seeds[0],
        'kind': 'seed', 'template': job.template, 'parameters': job.parameters, 'overrides': experiment.overrides, 'git': keys.git_commit(),
        'started': started.isoformat(timespec='seconds'), 'finished': datetime.now(timezone.utc).isoformat(timespec='seconds'),
        'hostname': socket.gethostname(), 'pid': os.getpid(), 'python': platform.python_version(),
        'floating_point': floating_point.state().as_dict(),
    })


class FromParameters:
    """A page built from its notebook's parameters: `Page.from_parameters(globals())`."""

    @classmethod
    def from_parameters(cls, namespace: Mapping[str, Any]) -> Any:
        """The page for the notebook's parameters (pass `globals()`); an unknown parameter is an error, not papermill's warning."""
        return cls(**given_parameters(namespace, list(inspect.signature(cls).parameters)))


class RunPage(FromParameters):
    """One experiment notebook executed for one seed, writing into its run folder."""

    def __init__(self, experiment: str, profile: str, seed: int, out_dir: str = '', params_dir: str = '', figures: bool = True, trained: str = '',
                 overrides: Mapping[str, Any] | None = None):
        self.experiment: Experiment = load_experiment(params_path(experiment, params_dir or None), overrides)
        self.profile, self.seed, self.figures = profile, int(seed), figures
        self.trained = trained  # a run folder of this seed whose trained models to evaluate instead of training
        self.by_hand = not out_dir
        self.out = output_folder(out_dir, Layout.make().by_hand_dir(profile, point_name(self.experiment), self.seed))
        self.run_result: ExperimentRun | None = None

    def describe(self) -> Markdown:
        """The model, regularizers and schedule keyframes, as a Markdown block."""
        e = self.experiment
        lines = [f'**{e.title}** (`{e.id}`, seed {self.seed}, profile `{self.profile}`); {origin(e)}.', '']
        if e.overrides:
            lines += ['Overridden for this run (`--set`): ' + ', '.join(f'`{k}` = `{v}`' for k, v in e.overrides.items()) + '.', '']
        lines += ['| regularizer | term | layer | labels | phases |', '|---|---|---|---|---|']
        for r in e.regularizers:
            lines.append(f"| `{r.name}` | {r.term} | `{r.layer}` | {', '.join(r.labels) if r.labels else 'all samples'} | {', '.join(r.phases)} |")
        keys = pd.DataFrame(e.schedule.keyframes()).set_index('STEP').map(lambda x: '' if pd.isna(x) else as_markdown(x))
        lines += ['', f'Schedule `{e.training.schedule}` ({e.schedule.length} steps), keyframes (a blank: that column has no keyframe at that step):',
                  '', keys.to_markdown(stralign='right')]
        return Markdown('\n'.join(lines))

    def run(self, progress: bool | None = None) -> ExperimentRun:
        """Train and evaluate every variant; save metrics and training logs; glue every metric."""
        started = datetime.now(timezone.utc)
        result = run_experiment(self.experiment, self.seed, progress=progress, trained=self.trained or None)
        self.run_result = result
        metrics = result.metrics()
        save_trained(result, self.out)
        atomic_write_json(self.out / 'metrics.json', metrics)
        atomic_write_json(self.out / FLOATING_POINT, floating_point.state().as_dict())
        for v in result.variants.values():
            v.training.save_log(self.out / 'logs' / f'{v.name}.csv')
        if self.by_hand:
            write_by_hand_provenance(self.out, self.experiment, self.profile, [self.seed], started)
        glue_all(metrics)
        return result

    def figure(self, name: str, draw: Callable[..., Any], *args: Any, alt: str, **kwargs: Any):
        """Draw a figure in light and dark, save PNGs and PDF under `figures/`, and show it.

        With `figures=False` (a sweep's metrics-only runs) nothing is drawn: drawing costs more
        than training these models, and only the seeds a page shows need pictures.
        """
        from excolor.present.figures import save_figure

        if not self.figures:
            return Markdown(f'*Figure `{name}` is not drawn in metrics-only runs (`figures = False`).*')
        return save_figure(lambda theme: draw(*args, theme=theme, **kwargs), self.out / 'figures' / name, alt)

    def table(self, name: str, html: str, latex: str) -> HTML:
        """Save a table as `tables/<name>.html` and `.tex`, and show the HTML."""
        from excolor.present.tables import save_table

        save_table(html, latex, self.out / 'tables' / name)
        return HTML(html)


def origin(e: Experiment) -> str:
    """What an experiment is to the earlier work: a reproduction, a variant of one, or new."""
    if e.seed_notebook:
        return f'reproduces `{e.seed_notebook}`'
    return f'a variant of `{e.base}`; it reproduces no earlier notebook' if e.base else 'a new experiment; it reproduces no earlier notebook'


def glue_all(metrics: dict[str, float]) -> None:
    """Glue every number (without displaying it) for `{glue:text}` references from other pages."""
    from myst_nb import glue

    for key, value in metrics.items():
        glue(key, value, display=False)
